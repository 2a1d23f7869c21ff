/**
 * One decoding step: `sampleToken(logits, state, params, mask) -> { token, logprob, top_logprobs }`.
 *
 * The step, in order (see `order.ts` for which stages run and in which order):
 * 1. Logprobs are captured from the model's raw logits (log-softmax before anything else).
 * 2. The logits are copied into scratch memory (the caller's array is never modified) and the
 *    mask, if any, removes tokens.
 * 3. Logit processors, then warpers, as `resolveSamplerOrder` lists them.
 * 4. Greedy: argmax (ties: lowest token id), no softmax. Otherwise one uniform draw u from the
 *    sequence's Rng picks the token: candidates are walked in increasing token id order and the
 *    first one whose cumulative probability exceeds u is chosen.
 *
 * Random draws per sampled step: XTC draws one when active, mirostat draws one, and the final
 * pick draws one. A greedy step draws none.
 */
import { Candidates, Workspace } from './candidates.js';
import { logprobsAt } from './logprobs.js';
import { isGreedy, resolveSamplerOrder } from './order.js';
import type { StageName } from './order.js';
import {
  applyDry,
  applyEncoderRepetitionPenalty,
  applyFrequencyPenalty,
  applyLogitBias,
  applyNoRepeatNgram,
  applyPresencePenalty,
  applyRepetitionPenalty,
  applySuppressTokens,
  countTokens,
  penaltyWindow,
} from './processors.js';
import type { LogitAccess, TokenCounts } from './processors.js';
import { createRng } from './rng.js';
import type { LogitsMask, SamplingParams, SequenceState, StepResult } from './types.js';
import {
  applyDynamicTemperature,
  applyEpsilon,
  applyEta,
  applyMinP,
  applyMirostat,
  applyQuadratic,
  applyTemperature,
  applyTfs,
  applyTopA,
  applyTopK,
  applyTopNSigma,
  applyTopP,
  applyTypicalP,
  applyXtc,
} from './warpers.js';

/** Most top candidates reported per position (OpenAI allows 5, vLLM 20). */
export const MAX_TOP_LOGPROBS = 20;

/**
 * Scratch memory is shared by every sequence of the same vocabulary size: a step is synchronous,
 * so one workspace serves them all (n x best_of sequences each holding ~8 MB would add up). A
 * step that starts while another is running (a mask that samples) gets a temporary workspace.
 */
let sharedWorkspace: Workspace | null = null;
let workspaceBusy = false;

function acquireWorkspace(vocabSize: number): Workspace {
  if (workspaceBusy) return new Workspace(vocabSize);
  if (sharedWorkspace === null || sharedWorkspace.vocabSize !== vocabSize) {
    sharedWorkspace = new Workspace(vocabSize);
  }
  workspaceBusy = true;
  return sharedWorkspace;
}

function releaseWorkspace(ws: Workspace): void {
  if (ws === sharedWorkspace) workspaceBusy = false;
}

/** A new sequence: its context starts as the prompt, its Rng from `seed`, mirostat's mu unset. */
export function createSequenceState(promptTokens: readonly number[], seed: number): SequenceState {
  return {
    promptTokens: [...promptTokens],
    tokens: [...promptTokens],
    rng: createRng(seed),
    mirostatMu: undefined,
  };
}

/** Appends the token the engine kept to the sequence's context (penalties and DRY read it). */
export function acceptToken(state: SequenceState, token: number): void {
  state.tokens.push(token);
}

/** Thrown when the mask and processors leave no token that can be sampled. */
export class NoCandidateError extends Error {
  constructor() {
    super('every token was removed (mask, custom_token_bans, logit_bias or no_repeat_ngram_size): nothing to sample');
    this.name = 'NoCandidateError';
  }
}

/**
 * Samples the next token. Reads `logits` without modifying them; advances `state.rng` and
 * mirostat's `state.mirostatMu`; does not append the token (call `acceptToken`).
 *
 * `logprob` and `top_logprobs` are computed when `params.logprobs` is not null (top_logprobs
 * holds min(logprobs, 20) entries) or, for `logprob` alone, when `params.chosen_logprob` is set;
 * otherwise `logprob` is null and no softmax of the raw logits is computed.
 */
export function sampleToken(
  logits: Float32Array,
  state: SequenceState,
  params: SamplingParams,
  mask?: LogitsMask,
): StepResult {
  const vocabSize = logits.length;
  if (vocabSize === 0) throw new RangeError('logits are empty');

  const wantTop = params.logprobs !== null;
  const wantLogprob = wantTop || params.chosen_logprob === true;
  const topCount = wantTop ? Math.max(0, Math.min(params.logprobs ?? 0, MAX_TOP_LOGPROBS)) : 0;

  const ws = acquireWorkspace(vocabSize);
  try {
    ws.work.set(logits);
    if (mask) mask(ws.work, state);

    const token = runChain(ws, state, params);

    if (!wantLogprob) return { token, logprob: null };
    const captured = logprobsAt(logits, token, topCount);
    const result: StepResult = { token, logprob: captured.logprob };
    if (wantTop) result.top_logprobs = captured.top_logprobs;
    return result;
  } finally {
    releaseWorkspace(ws);
  }
}

/** Runs processors and warpers on `ws.work` and returns the chosen token id. */
function runChain(ws: Workspace, state: SequenceState, params: SamplingParams): number {
  const stages = resolveSamplerOrder(params);
  const greedy = isGreedy(params);
  const c = new Candidates(ws);
  const context = new StepContext(ws, state, params);

  for (const stage of stages) runStage(stage, c, context);

  if (greedy) return argmax(ws.work);
  if (c.count() === 0) throw new NoCandidateError();
  return c.draw(state.rng.next());
}

/** Lazily computed per-step data shared by several stages. */
class StepContext {
  private windowCounts: TokenCounts | undefined;
  private promptCounts: TokenCounts | undefined;

  constructor(
    readonly ws: Workspace,
    readonly state: SequenceState,
    readonly params: SamplingParams,
  ) {}

  /** Distinct tokens and counts of the repetition_penalty_range window. */
  window(): TokenCounts {
    this.windowCounts ??= countTokens(
      penaltyWindow(this.state.tokens, this.params.repetition_penalty_range),
      this.ws.counts,
    );
    return this.windowCounts;
  }

  prompt(): TokenCounts {
    this.promptCounts ??= countTokens(this.state.promptTokens, this.ws.counts);
    return this.promptCounts;
  }
}

function runStage(stage: StageName, c: Candidates, ctx: StepContext): void {
  const p = ctx.params;
  switch (stage) {
    case 'encoder_repetition_penalty':
      return withAccess(c, (acc) => applyEncoderRepetitionPenalty(acc, ctx.prompt(), p.encoder_repetition_penalty));
    case 'repetition_penalty':
      return withAccess(c, (acc) => applyRepetitionPenalty(acc, ctx.window(), p.repetition_penalty));
    case 'presence_penalty':
      return withAccess(c, (acc) => applyPresencePenalty(acc, ctx.window(), p.presence_penalty));
    case 'frequency_penalty':
      return withAccess(c, (acc) => applyFrequencyPenalty(acc, ctx.window(), p.frequency_penalty));
    case 'no_repeat_ngram':
      return withAccess(c, (acc) => applyNoRepeatNgram(acc, ctx.state.tokens, p.no_repeat_ngram_size));
    case 'suppress_tokens':
      return withAccess(c, (acc) => applySuppressTokens(acc, p.suppress_tokens));
    case 'logit_bias':
      return withAccess(c, (acc) => applyLogitBias(acc, p.logit_bias));
    case 'dry':
      return withAccess(c, (acc) =>
        applyDry(acc, penaltyWindow(ctx.state.tokens, p.repetition_penalty_range), {
          multiplier: p.dry_multiplier,
          base: p.dry_base,
          allowedLength: p.dry_allowed_length,
          breakers: p.dry_sequence_breakers,
        }),
      );
    case 'temperature':
      return applyTemperature(c, p.temperature);
    case 'dynamic_temperature':
      return applyDynamicTemperature(c, p);
    case 'quadratic_sampling':
      return applyQuadratic(c, p);
    case 'top_k':
      return applyTopK(c, p.top_k);
    case 'top_p':
      return applyTopP(c, p.top_p);
    case 'typical_p':
      return applyTypicalP(c, p.typical_p);
    case 'epsilon_cutoff':
      return applyEpsilon(c, p.epsilon_cutoff);
    case 'eta_cutoff':
      return applyEta(c, p.eta_cutoff);
    case 'tfs':
      return applyTfs(c, p.tfs);
    case 'top_a':
      return applyTopA(c, p.top_a);
    case 'min_p':
      return applyMinP(c, p.min_p);
    case 'mirostat':
      return applyMirostat(c, p, ctx.state, ctx.ws.vocabSize);
    case 'top_n_sigma':
      return applyTopNSigma(c, p.top_n_sigma);
    case 'xtc':
      return applyXtc(c, p, ctx.state);
  }
}

/**
 * Gives a processor access to the current logits by token id: the dense array directly, or,
 * once warpers made the set sparse, through a token -> position index (a token that is no
 * longer a candidate reads as -Infinity and ignores writes). Token ids outside the vocabulary
 * are ignored.
 */
function withAccess(c: Candidates, run: (acc: LogitAccess) => void): void {
  const ws = c.ws;
  const size = ws.vocabSize;
  const inVocab = (id: number): boolean => Number.isInteger(id) && id >= 0 && id < size;
  if (c.dense) {
    c.materializeScale();
    const work = ws.work;
    run({
      get: (id) => (inVocab(id) ? work[id]! : -Infinity),
      set: (id, v) => {
        if (inVocab(id)) work[id] = v;
      },
    });
    return;
  }
  const { posOf, ids } = ws;
  for (let i = 0; i < c.n; i++) posOf[ids[i]!] = i;
  try {
    const vals = ws.vals;
    run({
      get: (id) => (inVocab(id) && posOf[id]! >= 0 ? vals[posOf[id]!]! : -Infinity),
      set: (id, v) => {
        if (inVocab(id) && posOf[id]! >= 0) vals[posOf[id]!] = v;
      },
    });
  } finally {
    for (let i = 0; i < c.n; i++) posOf[ids[i]!] = -1;
  }
  // Edited logits may be -Infinity (bans) and are no longer in order.
  const keep = new Uint8Array(c.n);
  let removed = 0;
  for (let i = 0; i < c.n; i++) {
    keep[i] = ws.vals[i]! > -Infinity ? 1 : 0;
    if (keep[i] === 0) removed++;
  }
  if (removed > 0) c.retain(keep);
  if (c.n > 1) c.sorted = false;
}

/** Index of the largest value; ties go to the lowest index. Throws if every value is -Infinity. */
export function argmax(values: Float32Array): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (values[i]! > bestValue) {
      bestValue = values[i]!;
      best = i;
    }
  }
  if (best < 0) throw new NoCandidateError();
  return best;
}
