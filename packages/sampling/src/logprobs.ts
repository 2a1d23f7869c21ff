/**
 * Log-probabilities as the API reports them. One capture point: the log-softmax of the model's
 * raw logits, before any processor, mask or warper (what vLLM and llama.cpp report). So a
 * reported logprob does not change with temperature, penalties or truncation, and greedy and
 * sampled runs report the same values for the same token.
 */
import { sumExp32, sumExpOnline32 } from './kernels.js';
import type { TokenLogprob } from './types.js';

/**
 * log(sum(exp(logits))), computed stably (-Infinity when every logit is -Infinity). `max`, when
 * the caller already knows the largest logit, saves a pass.
 */
export function logSumExp(logits: Float32Array, max?: number): number {
  if (max === undefined) {
    sumExpOnline32(logits, logits.length, 1, sums); // one pass instead of two
    const raw = sums[1]!;
    return raw === -Infinity || raw === Infinity ? raw : raw + Math.log(sums[0]!);
  }
  if (max === -Infinity || max === Infinity) return max;
  return max + Math.log(sumExp32(logits, logits.length, 1, max));
}

// Scratch space for the two-pass sums above, reused by every call to spare an allocation per
// token; safe because JavaScript runs one call at a time and nothing keeps a reference to it.
const sums = new Float64Array(2);

/**
 * The `count` most likely tokens of `logits` with their log-probabilities, best first (ties:
 * lower token id first). `logZ` is `logSumExp(logits)`.
 */
export function topLogprobs(logits: Float32Array, count: number, logZ: number): TokenLogprob[] {
  const k = Math.min(Math.max(0, Math.floor(count)), logits.length);
  if (k === 0) return [];
  // Insertion into a small best-first list; most logits fail the first comparison.
  const ids: number[] = [];
  const vals: number[] = [];
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i]!;
    if (ids.length === k && !(v > vals[k - 1]!)) continue;
    let at = ids.length === k ? k - 1 : ids.length;
    while (at > 0 && v > vals[at - 1]!) at--;
    ids.splice(at, 0, i);
    vals.splice(at, 0, v);
    if (ids.length > k) {
      ids.pop();
      vals.pop();
    }
  }
  return ids.map((token, i) => ({ token, logprob: vals[i]! - logZ }));
}

/**
 * Logprob of `token` and the `topCount` most likely tokens at one position, from that
 * position's raw logits. The engine uses it for sampled tokens (through `sampleToken`) and for
 * echoed prompt tokens (the logits at position i give the logprob of prompt token i + 1).
 */
export function logprobsAt(
  logits: Float32Array,
  token: number,
  topCount: number,
): { logprob: number; top_logprobs: TokenLogprob[] } {
  if (!Number.isInteger(token) || token < 0 || token >= logits.length) {
    throw new RangeError(`token ${token} is outside the vocabulary (size ${logits.length})`);
  }
  // The top candidates first (one pass), their best logit is the maximum the sum needs.
  const top = topLogprobs(logits, topCount, 0);
  const logZ = logSumExp(logits, top.length > 0 ? top[0]!.logprob : undefined);
  for (const entry of top) entry.logprob -= logZ;
  return { logprob: logits[token]! - logZ, top_logprobs: top };
}
