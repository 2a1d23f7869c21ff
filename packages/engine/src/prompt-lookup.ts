/**
 * Draft tokens for prompt-lookup speculative decoding (prompt_lookup_num_tokens), as Hugging
 * Face's `PromptLookupCandidateGenerator` finds them: take the last n tokens of the context
 * (prompt + generated so far; n = 2, then 1), find their first earlier occurrence, and propose
 * the tokens that followed it, up to `maxDraft` of them and never past an end-of-sequence token.
 * The decode loop then checks the whole draft in one forward pass (see generation.ts).
 */

/** Longest n-gram matched (Hugging Face's `max_matching_ngram_size` default). */
export const MAX_MATCHING_NGRAM = 2;

/** The draft after `tokens`: up to `maxDraft` tokens, or none when the context has no match. */
export function lookupDraft(
  tokens: readonly number[],
  maxDraft: number,
  eosTokenIds: ReadonlySet<number>,
  maxNgram = MAX_MATCHING_NGRAM,
): number[] {
  const length = tokens.length;
  if (maxDraft <= 0) return [];
  for (let n = Math.min(maxNgram, length - 1); n > 0; n--) {
    const tail = length - n;
    // Occurrences that end before the last token, so that at least one token follows them.
    search: for (let start = 0; start + n < length; start++) {
      for (let k = 0; k < n; k++) {
        if (tokens[start + k] !== tokens[tail + k]) continue search;
      }
      const from = start + n;
      const draft = tokens.slice(from, Math.min(from + maxDraft, length));
      const eos = draft.findIndex((t) => eosTokenIds.has(t));
      // Like Hugging Face, the first match decides, even when an EOS leaves nothing of it.
      return eos >= 0 ? draft.slice(0, eos) : draft;
    }
  }
  return [];
}
