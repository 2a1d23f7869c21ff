/**
 * Log-probabilities of prompt tokens (echo + logprobs): the log-softmax of the raw prefill
 * logits at position t - 1, read at token t. The first token has no prediction.
 */

export interface ScoredToken {
  token: number;
  logprob: number;
}

/** log(sum(exp(row))), computed stably. */
export function logSumExp(row: Float32Array): number {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i]! > max) max = row[i]!;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += Math.exp(row[i]! - max);
  return max + Math.log(sum);
}

/** The `k` most likely tokens of a logits row, best first, as log-probabilities. */
export function topLogprobs(row: Float32Array, k: number, lse = logSumExp(row)): ScoredToken[] {
  if (k <= 0) return [];
  // Insertion into a short sorted list: k is small (OpenAI allows 5), the vocabulary is not.
  const best: ScoredToken[] = [];
  let floor = -Infinity;
  for (let i = 0; i < row.length; i++) {
    const v = row[i]!;
    if (best.length === k && v <= floor) continue;
    let at = best.length;
    while (at > 0 && best[at - 1]!.logprob < v) at--;
    best.splice(at, 0, { token: i, logprob: v });
    if (best.length > k) best.pop();
    floor = best[best.length - 1]!.logprob;
  }
  return best.map((t) => ({ token: t.token, logprob: t.logprob - lse }));
}

/**
 * Scores `tokens[first..]` of a prompt from a block of logits: row r of `logits` holds the
 * prediction made at prompt position `offset + r`, so it scores token `offset + r + 1`.
 */
export function scorePromptBlock(
  logits: Float32Array,
  vocab: number,
  offset: number,
  rows: number,
  tokens: readonly number[],
  k: number,
): { logprob: number; top: ScoredToken[] }[] {
  const out: { logprob: number; top: ScoredToken[] }[] = [];
  for (let r = 0; r < rows; r++) {
    const target = offset + r + 1;
    if (target >= tokens.length) break;
    const row = logits.subarray(r * vocab, (r + 1) * vocab);
    const lse = logSumExp(row);
    out.push({ logprob: row[tokens[target]!]! - lse, top: topLogprobs(row, k, lse) });
  }
  return out;
}
