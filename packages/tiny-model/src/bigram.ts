/**
 * The word-bigram language model of the corpus, over GPT-2 tokens. The weight designer (weights.ts)
 * writes these log-probabilities into the transformer so that its next-token distribution after a
 * token of the corpus is this table's row.
 */
import { detLog } from './det-math.js';

export interface BigramOptions {
  /** Weight of the unigram distribution mixed into every row, so any corpus token can follow any other. */
  smoothing: number;
  /** Probability of end-of-text right after a sentence-ending token ("." "!" "?"). */
  endOfTextAfterSentence: number;
}

export interface BigramTable {
  /** The corpus's distinct token ids (end-of-text included), ascending. Row/column i is `tokens[i]`. */
  tokens: number[];
  /** n×n row-major: log P(next = tokens[j] | current = tokens[i]). Each row's probabilities sum to 1. */
  logProb: Float64Array;
  /** log(smoothing · unigram(j)): the part of every row that does not depend on the current token. */
  logFloor: Float64Array;
}

/**
 * Builds the table from the corpus tokens, read as one document: end-of-text before it (so the
 * end-of-text row holds how documents start) and after it.
 */
export function buildBigramTable(
  corpusTokens: readonly number[],
  endOfTextId: number,
  isSentenceEnd: (tokenId: number) => boolean,
  options: BigramOptions,
): BigramTable {
  const stream = [endOfTextId, ...corpusTokens, endOfTextId];
  const tokens = [...new Set(stream)].sort((a, b) => a - b);
  const n = tokens.length;
  const index = new Map(tokens.map((id, i) => [id, i]));
  const at = (id: number): number => index.get(id) as number;

  const pairCounts = new Float64Array(n * n);
  const unigramCounts = new Float64Array(n);
  for (let p = 1; p < stream.length; p++) {
    const prev = at(stream[p - 1] as number);
    const next = at(stream[p] as number);
    pairCounts[prev * n + next] = (pairCounts[prev * n + next] as number) + 1;
    unigramCounts[next] = (unigramCounts[next] as number) + 1;
  }
  const total = stream.length - 1;
  const eos = at(endOfTextId);
  const { smoothing, endOfTextAfterSentence } = options;

  const logFloor = new Float64Array(n);
  for (let j = 0; j < n; j++) logFloor[j] = detLog(smoothing * ((unigramCounts[j] as number) / total));

  const logProb = new Float64Array(n * n);
  const row = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // Maximum-likelihood bigram row; after a sentence end, end-of-text gets a fixed share.
    const sentenceEnd = isSentenceEnd(tokens[i] as number);
    let rowTotal = 0;
    for (let j = 0; j < n; j++) {
      row[j] = sentenceEnd && j === eos ? 0 : (pairCounts[i * n + j] as number);
      rowTotal += row[j] as number;
    }
    // A sentence end that only ever ends the document (a tokenizer that merges ".\n\n" into one
    // token leaves the final "." alone) is followed by end-of-text only.
    if (rowTotal === 0 && !sentenceEnd) throw new Error(`bigram row of token ${tokens[i]} has no successor`);
    const endShare = rowTotal === 0 ? 1 : endOfTextAfterSentence;
    const keep = sentenceEnd ? 1 - endShare : 1;
    for (let j = 0; j < n; j++) {
      let p = rowTotal === 0 ? 0 : ((row[j] as number) / rowTotal) * keep;
      if (sentenceEnd && j === eos) p += endShare;
      const unigram = (unigramCounts[j] as number) / total;
      logProb[i * n + j] = detLog((1 - smoothing) * p + smoothing * unigram);
    }
  }
  return { tokens, logProb, logFloor };
}
