/**
 * Log-probabilities of prompt tokens (echo + logprobs): the log-softmax of the raw prefill
 * logits at position t - 1, read at token t (the same capture point as sampled tokens). The
 * first prompt token has no prediction.
 */
import { logSumExp, topLogprobs } from '@textgen-spec/sampling';
import type { TokenLogprob } from '@textgen-spec/sampling';

export interface PromptTokenScore {
  logprob: number;
  top: TokenLogprob[];
}

/**
 * Scores prompt tokens from a block of prefill logits: row r of `logits` holds the prediction
 * made at prompt position `offset + r`, so it scores token `offset + r + 1`.
 */
export function scorePromptBlock(
  logits: Float32Array,
  vocab: number,
  offset: number,
  rows: number,
  tokens: readonly number[],
  topCount: number,
): PromptTokenScore[] {
  const out: PromptTokenScore[] = [];
  for (let r = 0; r < rows; r++) {
    const target = offset + r + 1;
    if (target >= tokens.length) break;
    const row = logits.subarray(r * vocab, (r + 1) * vocab);
    const logZ = logSumExp(row);
    out.push({ logprob: row[tokens[target]!]! - logZ, top: topLogprobs(row, topCount, logZ) });
  }
  return out;
}
