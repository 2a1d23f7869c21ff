/**
 * Contrastive search in the decode loop (penalty_alpha; the ranking is in contrastive.ts). Each
 * step feeds every sequence's top_k candidates as rows of one batch, asks for their last hidden
 * states, and keeps the row of the chosen candidate: its logits and cache are the next step's.
 */
import { NoCandidateError, processLogits } from '@textgen-spec/sampling';
import { nextBatch, type Batch, type RowPick } from './batch.js';
import { HiddenContext, selectContrastive, topCandidates, type ContrastiveCandidate } from './contrastive.js';
import { gatherRows, type ForwardResult, type RowSource } from './model-runner.js';
import type { PrefillResult } from './prefill.js';
import { noCandidateError, type RequestRun } from './request-run.js';
import type { Sequence } from './sequence.js';

/** Readies a sequence for its first step: the prefill's last logits and every prompt position's hidden state. */
export function startContrastive(seq: Sequence, prefillResult: PrefillResult): void {
  seq.pending = prefillResult.lastLogits.slice();
  seq.hidden = new HiddenContext();
  const hidden = prefillResult.hidden!;
  const length = seq.promptTokens.length;
  const size = hidden.length / length;
  for (let t = 0; t < length; t++) seq.hidden.push(hidden.subarray(t * size, (t + 1) * size));
}

/** Each row's top_k candidates from its processed pending logits; disposes the batch's cache on error. */
function candidateGroups(run: RequestRun, current: Batch): ContrastiveCandidate[][] {
  const { plan } = run;
  try {
    return current.rows.map(({ seq }) => {
      try {
        return topCandidates(processLogits(seq.pending!, seq.state, plan.sampling, seq.mask), plan.contrastive!.topK);
      } catch (error) {
        throw error instanceof NoCandidateError ? noCandidateError(error, plan) : error;
      }
    });
  } catch (error) {
    current.cache.dispose();
    throw error;
  }
}

/**
 * One contrastive-search step over `current` (whose cache it takes over): the candidate with the
 * best contrastive score is kept, with its logits, hidden state and cache row.
 */
export async function contrastiveStep(run: RequestRun, current: Batch): Promise<Batch | null> {
  const { runner } = run.ctx;
  const vocab = runner.spec.vocabSize;
  const { rows, padLeft } = current;
  const groups = candidateGroups(run, current);
  const sources: RowSource[] = [];
  const tokens: number[][] = [];
  const positions: number[] = [];
  groups.forEach((candidates, i) => {
    for (const c of candidates) {
      sources.push({ cache: current.cache, row: i, padLeft: padLeft[i]! });
      tokens.push([c.token]);
      // The sequence's last token is already in the cache: candidates come after it.
      positions.push(rows[i]!.seq.nextPosition + 1);
    }
  });
  const expanded = gatherRows(runner, sources);
  current.cache.dispose();
  let result: ForwardResult;
  try {
    result = await runner.forward({ tokens, padLeft: expanded.padLeft, positions, cache: expanded.cache, logits: 'last', hidden: true });
  } finally {
    expanded.cache.dispose();
  }
  const hidden = result.hidden!;
  const size = hidden.length / tokens.length;
  const hiddenAt = (row: number): Float32Array => hidden.subarray(row * size, (row + 1) * size);
  const chosen: (RowPick | null)[] = [];
  let first = 0;
  try {
    groups.forEach((candidates, i) => {
      const seq = rows[i]!.seq;
      const similarities = candidates.map((_, c) => seq.hidden!.maxSimilarity(hiddenAt(first + c)));
      const pick = first + selectContrastive(candidates, similarities, run.plan.contrastive!.alpha);
      const token = tokens[pick]![0]!;
      const captured = run.captureLogprobs(seq.pending!, token);
      seq.hidden!.push(hiddenAt(pick));
      seq.pending = result.logits.slice(pick * vocab, (pick + 1) * vocab);
      run.accept(seq, token, captured);
      first += candidates.length;
      chosen.push(seq.finished === null ? { index: pick, trim: 0 } : null);
    });
  } catch (error) {
    result.cache.dispose();
    throw error;
  }
  const expandedRows = groups.flatMap((candidates, i) => candidates.map(() => rows[i]!));
  return nextBatch(runner, result.cache, expandedRows, expanded.padLeft, chosen);
}
