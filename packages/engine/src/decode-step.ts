/**
 * One decoding step of sampled (or greedy) sequences: one batched forward pass that feeds each
 * row its last token (plus, with prompt lookup, a draft copied from its context), then sampling
 * and draft verification row by row.
 *
 * Prompt lookup: tokens are sampled position by position exactly as plain decoding would sample
 * them, and verification stops at the first sampled token that differs from the draft (that
 * token is kept: it was sampled in the right context). Every random draw therefore belongs to a
 * kept token, so the Rng and mirostat's mu advance as in plain decoding and need no snapshot;
 * the cache positions of rejected draft tokens are rolled back (`trim`).
 */
import { nextBatch, type Batch, type BatchRow } from './batch.js';
import type { ForwardResult } from './model-runner.js';
import { PREFILL_CHUNK } from './prefill.js';
import { lookupDraft } from './prompt-lookup.js';
import type { GenerationContext } from './generation-plan.js';

/** What each row is fed in one step: `width` tokens per row (its last token, then its draft). */
interface StepFeed {
  tokens: number[][];
  drafts: number[][];
  positions: number[];
  width: number;
}

/**
 * Every row is fed the same number of tokens: shorter drafts are padded with filler that is
 * never read and always rolled back. No row may go past the last position, and a step feeds at
 * most PREFILL_CHUNK positions in all (bounding the logits it returns). Shorter drafts only
 * cost speed: the tokens are the same.
 */
function stepFeed(ctx: GenerationContext, rows: readonly BatchRow[]): StepFeed {
  const positions = rows.map((r) => (r.uncond ? r.seq.uncondPosition : r.seq.nextPosition));
  let drafts = rows.map((r) => {
    const lookup = r.run.plan.promptLookup;
    return r.uncond || lookup === 0
      ? []
      : lookupDraft(r.seq.state.tokens, Math.min(lookup, r.seq.maxNewTokens - r.seq.generated - 1), ctx.eosTokenIds);
  });
  let width = 1 + Math.max(0, ...drafts.map((d) => d.length));
  if (width > 1) {
    width = Math.min(width, Math.max(1, Math.floor(PREFILL_CHUNK / rows.length)), ...positions.map((at) => ctx.contextLength - at));
    drafts = drafts.map((d) => d.slice(0, width - 1));
  }
  const tokens = rows.map((r, i) => {
    const fed = [r.seq.lastToken, ...drafts[i]!];
    while (fed.length < width) fed.push(r.seq.lastToken);
    return fed;
  });
  return { tokens, drafts, positions, width };
}

/**
 * Runs one step over `current` (whose cache it takes over) and returns the batch of the rows
 * still running (null when none is), with rejected draft positions rolled back. The rows may
 * belong to several requests: a request whose sampling fails (a 400 such as no_candidates) is
 * failed alone (RequestRun.fail) and its rows leave; the others go on.
 */
export async function decodeStep(ctx: GenerationContext, current: Batch): Promise<Batch | null> {
  const { runner } = ctx;
  const vocab = runner.spec.vocabSize;
  const { rows, padLeft } = current;
  const { tokens, drafts, positions, width } = stepFeed(ctx, rows);
  let result: ForwardResult;
  try {
    result = await runner.forward({ tokens, padLeft, positions, cache: current.cache, logits: width > 1 ? 'all' : 'last' });
  } finally {
    current.cache.dispose();
  }
  const logitsAt = (row: number, at: number): Float32Array =>
    result.logits.subarray((row * width + at) * vocab, (row * width + at + 1) * vocab);

  // Fed positions each row keeps in its cache: the last token and the accepted draft tokens.
  const kept = rows.map(() => width);
  rows.forEach((r, i) => {
    if (r.uncond || !r.run.decoding) return;
    const seq = r.seq;
    const draft = drafts[i]!;
    // Guidance puts a sequence's unconditional row right after its own.
    const uncond = r.run.plan.guidance ? logitsAt(i + 1, 0) : null;
    try {
      for (let at = 0; ; at++) {
        r.run.sampleNext(seq, logitsAt(i, at), uncond);
        kept[i] = at + 1;
        if (seq.finished !== null || at >= draft.length || seq.lastToken !== draft[at]) break;
      }
    } catch (error) {
      r.run.fail(error);
    }
  });
  const picks = rows.map((r, i) => (r.seq.finished === null && r.run.decoding ? { index: i, trim: width - kept[i]! } : null));
  return nextBatch(runner, result.cache, rows, padLeft, picks);
}
