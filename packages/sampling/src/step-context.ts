/**
 * What every stage of one step receives besides the candidates: the parameters, the sequence's
 * state, the scratch memory, and per-step data that several stages share (computed lazily).
 */
import type { Candidates, Workspace } from './candidates.js';
import { clampLogit, countTokens, penaltyWindow } from './processors.js';
import type { LogitAccess, TokenCounts } from './processors.js';
import type { SamplingParams, SequenceState } from './types.js';

export class StepContext {
  private windowCounts: TokenCounts | undefined;
  private promptCounts: TokenCounts | undefined;

  constructor(
    readonly ws: Workspace,
    readonly state: SequenceState,
    readonly params: SamplingParams,
  ) {}

  /** The vocabulary size (the length of the model's logits). */
  get vocabSize(): number {
    return this.ws.vocabSize;
  }

  /** The last repetition_penalty_range tokens of the context (0: all of it). */
  windowTokens(): readonly number[] {
    return penaltyWindow(this.state.tokens, this.params.repetition_penalty_range);
  }

  /** Distinct tokens and counts of the repetition_penalty_range window. */
  window(): TokenCounts {
    this.windowCounts ??= countTokens(this.windowTokens(), this.ws.counts);
    return this.windowCounts;
  }

  /** Distinct tokens and counts of the prompt. */
  prompt(): TokenCounts {
    this.promptCounts ??= countTokens(this.state.promptTokens, this.ws.counts);
    return this.promptCounts;
  }
}

/**
 * Gives a processor access to the current logits by token id: the dense array directly, or,
 * once warpers made the set sparse, through a token -> position index (a token that is no
 * longer a candidate reads as -Infinity and ignores writes). Token ids outside the vocabulary
 * are ignored.
 */
export function withAccess(c: Candidates, run: (acc: LogitAccess) => void): void {
  if (c.dense) {
    c.materializeScale();
    c.invalidate();
    run(denseAccess(c.ws.work));
    return;
  }
  const ws = c.ws;
  const { posOf, ids } = ws;
  for (let i = 0; i < c.n; i++) posOf[ids[i]!] = i;
  try {
    run(sparseAccess(ws.vals, posOf));
  } finally {
    for (let i = 0; i < c.n; i++) posOf[ids[i]!] = -1;
  }
  // Edited logits may be -Infinity (bans) and are no longer in order.
  c.invalidate();
  dropRemoved(c);
}

function denseAccess(work: Float32Array): LogitAccess {
  const inVocab = (id: number): boolean => Number.isInteger(id) && id >= 0 && id < work.length;
  return {
    get: (id) => (inVocab(id) ? work[id]! : -Infinity),
    set: (id, v) => {
      if (inVocab(id) && work[id]! > -Infinity) work[id] = clampLogit(v);
    },
    ban: (id) => {
      if (inVocab(id)) work[id] = -Infinity;
    },
  };
}

function sparseAccess(vals: Float64Array, posOf: Int32Array): LogitAccess {
  const at = (id: number): number => (Number.isInteger(id) && id >= 0 && id < posOf.length ? posOf[id]! : -1);
  return {
    get: (id) => (at(id) >= 0 ? vals[at(id)]! : -Infinity),
    set: (id, v) => {
      if (at(id) >= 0) vals[at(id)] = clampLogit(v);
    },
    ban: (id) => {
      if (at(id) >= 0) vals[at(id)] = -Infinity;
    },
  };
}

/** Removes sparse candidates whose logit became -Infinity. */
function dropRemoved(c: Candidates): void {
  const { keep, vals } = c.ws;
  let removed = 0;
  for (let i = 0; i < c.n; i++) {
    keep[i] = vals[i]! > -Infinity ? 1 : 0;
    if (keep[i] === 0) removed++;
  }
  if (removed > 0) c.retainKept();
}
