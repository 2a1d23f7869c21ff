/**
 * One decoding step: `sampleToken(logits, state, params, mask) -> { token, logprob, top_logprobs }`.
 *
 * The step, in order (see `order.ts` for which stages run and in which order):
 * 1. The logits are copied into scratch memory (the caller's array is never modified) and the
 *    mask, if any, removes tokens.
 * 2. Logprobs, when asked for, are the log-softmax of the caller's raw logits (computed from the
 *    untouched array once the token is known).
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
import { isGreedy, isProcessor, resolveSamplerOrder } from './order.js';
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
  clampLogit,
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

/** Where the last candidate disappeared: a stage, the mask, or the model's logits themselves. */
export type EmptyingStage = StageName | 'mask' | 'logits';

/** The request parameter to name in a 400 when a stage leaves nothing to sample. */
const STAGE_PARAMS: Partial<Record<EmptyingStage, string>> = {
  suppress_tokens: 'custom_token_bans',
  logit_bias: 'logit_bias',
  no_repeat_ngram: 'no_repeat_ngram_size',
  dry: 'dry_multiplier',
  repetition_penalty: 'repetition_penalty',
  presence_penalty: 'presence_penalty',
  frequency_penalty: 'frequency_penalty',
  encoder_repetition_penalty: 'encoder_repetition_penalty',
};

/**
 * Thrown when nothing is left to sample: bans (custom_token_bans, ban_eos_token, logit_bias,
 * no_repeat_ngram_size, possibly placed after truncations by sampler_priority) or the mask
 * removed every candidate. A request problem, not a server fault.
 */
export class NoCandidateError extends Error {
  /** The stage after which no candidate was left, when known. */
  readonly stage: EmptyingStage | null;
  /** The request parameter responsible (null for the mask, the model's logits, or unknown). */
  readonly param: string | null;

  constructor(stage: EmptyingStage | null = null) {
    const where =
      stage === null
        ? 'the mask or the bans'
        : stage === 'mask'
          ? 'the mask (grammar)'
          : stage === 'logits'
            ? 'the model (every logit is -Infinity)'
            : `${STAGE_PARAMS[stage] ?? stage}${stage === 'suppress_tokens' ? ' / ban_eos_token' : ''}`;
    super(`no token can be sampled: ${where} removed every remaining token`);
    this.name = 'NoCandidateError';
    this.stage = stage;
    this.param = stage === null ? null : (STAGE_PARAMS[stage] ?? null);
  }
}

/**
 * Finds which step removed the last token when the dense phase ended with nothing left: replays
 * the mask and the processors (deterministic, no random draws) on a scratch copy.
 */
function diagnoseEmpty(logits: Float32Array, state: SequenceState, params: SamplingParams, mask?: LogitsMask): NoCandidateError {
  const ws = new Workspace(logits.length);
  const allRemoved = (): boolean => ws.work.every((v) => !(v > -Infinity));
  ws.work.set(logits);
  if (allRemoved()) return new NoCandidateError('logits');
  if (mask) {
    mask(ws.work, state);
    if (allRemoved()) return new NoCandidateError('mask');
  }
  const c = new Candidates(ws);
  const context = new StepContext(ws, state, params);
  for (const stage of resolveSamplerOrder(params)) {
    if (!isProcessor(stage)) continue;
    runStage(stage, c, context);
    if (allRemoved()) return new NoCandidateError(stage);
  }
  return new NoCandidateError(null);
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

  const token = plainGreedy(params, mask) ? argmaxOfRaw(logits) : sampleWithChain(logits, state, params, mask);
  if (!wantLogprob) return { token, logprob: null };
  const captured = logprobsAt(logits, token, topCount);
  const result: StepResult = { token, logprob: captured.logprob };
  if (wantTop) result.top_logprobs = captured.top_logprobs;
  return result;
}

/** Greedy with no mask and no active processor: the chain would only copy the logits and take their argmax. */
function plainGreedy(params: SamplingParams, mask: LogitsMask | undefined): boolean {
  return mask === undefined && isGreedy(params) && resolveSamplerOrder(params).length === 0;
}

/** The argmax of the raw logits, read in place (ties: the lowest id). */
function argmaxOfRaw(logits: Float32Array): number {
  const best = argmaxOrNegative(logits);
  if (best < 0) throw new NoCandidateError('logits');
  return best;
}

/** Runs the mask and the chain on a scratch copy of the logits and returns the chosen token. */
function sampleWithChain(logits: Float32Array, state: SequenceState, params: SamplingParams, mask: LogitsMask | undefined): number {
  const ws = acquireWorkspace(logits.length);
  try {
    ws.work.set(logits);
    if (mask) mask(ws.work, state);
    return runChain(ws, state, params, logits, mask);
  } finally {
    releaseWorkspace(ws);
  }
}

/** Runs processors and warpers on `ws.work` and returns the chosen token id. */
function runChain(
  ws: Workspace,
  state: SequenceState,
  params: SamplingParams,
  logits: Float32Array,
  mask: LogitsMask | undefined,
): number {
  const c = narrow(ws, state, params, logits, mask);
  if (isGreedy(params)) {
    const best = argmaxOrNegative(ws.work);
    if (best < 0) throw diagnoseEmpty(logits, state, params, mask);
    return best;
  }
  if (c.dense && c.maxValue() === -Infinity) throw diagnoseEmpty(logits, state, params, mask);
  return c.draw(state.rng.next());
}

/** Runs every stage of the chain; returns what is left to draw from. */
function narrow(
  ws: Workspace,
  state: SequenceState,
  params: SamplingParams,
  logits: Float32Array,
  mask: LogitsMask | undefined,
): Candidates {
  const c = new Candidates(ws);
  const context = new StepContext(ws, state, params);
  for (const stage of resolveSamplerOrder(params)) {
    runStage(stage, c, context);
    if (!c.dense && c.n === 0) {
      // Warpers always keep a token and processors never leave the dense form, so either this
      // processor (placed after a truncation by sampler_priority) removed the last candidate, or
      // nothing was left when the first warper compacted the set.
      throw isProcessor(stage) ? new NoCandidateError(stage) : diagnoseEmpty(logits, state, params, mask);
    }
  }
  return c;
}

/** A token and its probability in the distribution the final draw uses. */
export interface TokenProbability {
  token: number;
  probability: number;
}

/**
 * The distribution `sampleToken` would draw from at this step, most likely first (ties: lower
 * token id): the same chain without the final draw. Greedy parameters give the argmax with
 * probability 1. Like `sampleToken` it advances the Rng for XTC and mirostat and updates
 * mirostat's mu, so call it on a copy of the state to inspect without side effects. Meant for
 * tests, tools and debugging; it lists every remaining candidate.
 */
export function candidateDistribution(
  logits: Float32Array,
  state: SequenceState,
  params: SamplingParams,
  mask?: LogitsMask,
): TokenProbability[] {
  if (logits.length === 0) throw new RangeError('logits are empty');
  const ws = acquireWorkspace(logits.length);
  try {
    ws.work.set(logits);
    if (mask) mask(ws.work, state);
    const c = narrow(ws, state, params, logits, mask);
    const greedy = isGreedy(params) ? argmaxOrNegative(ws.work) : 0;
    c.toSparse();
    if (greedy < 0 || c.n === 0) throw diagnoseEmpty(logits, state, params, mask);
    if (isGreedy(params)) return [{ token: greedy, probability: 1 }];
    c.softmax();
    const out: TokenProbability[] = [];
    for (let i = 0; i < c.n; i++) out.push({ token: ws.ids[i]!, probability: ws.probs[i]! });
    out.sort((a, b) => b.probability - a.probability || a.token - b.token);
    return out;
  } finally {
    releaseWorkspace(ws);
  }
}

/**
 * The logits after the mask and the logit processors (penalties, bans, logit_bias, DRY), before
 * any warper, as a new array indexed by token id: what greedy decoding takes the argmax of, and
 * what contrastive search ranks its `top_k` candidates by (Hugging Face applies the logits
 * processors, never the warpers, in that mode). Warper parameters are ignored; no random number
 * is drawn. Throws NoCandidateError when nothing is left.
 */
export function processLogits(
  logits: Float32Array,
  state: SequenceState,
  params: SamplingParams,
  mask?: LogitsMask,
): Float32Array {
  if (logits.length === 0) throw new RangeError('logits are empty');
  const processorsOnly: SamplingParams = isGreedy(params) ? params : { ...params, do_sample: false };
  const ws = acquireWorkspace(logits.length);
  try {
    ws.work.set(logits);
    if (mask) mask(ws.work, state);
    // Greedy parameters run the processors only, which leave the set dense and materialized.
    narrow(ws, state, processorsOnly, logits, mask);
    if (argmaxOrNegative(ws.work) < 0) throw diagnoseEmpty(logits, state, processorsOnly, mask);
    return ws.work.slice();
  } finally {
    releaseWorkspace(ws);
  }
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
    c.invalidate();
    const work = ws.work;
    run({
      get: (id) => (inVocab(id) ? work[id]! : -Infinity),
      set: (id, v) => {
        if (inVocab(id) && work[id]! > -Infinity) work[id] = clampLogit(v);
      },
      ban: (id) => {
        if (inVocab(id)) work[id] = -Infinity;
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
        if (inVocab(id) && posOf[id]! >= 0) vals[posOf[id]!] = clampLogit(v);
      },
      ban: (id) => {
        if (inVocab(id) && posOf[id]! >= 0) vals[posOf[id]!] = -Infinity;
      },
    });
  } finally {
    for (let i = 0; i < c.n; i++) posOf[ids[i]!] = -1;
  }
  // Edited logits may be -Infinity (bans) and are no longer in order.
  c.invalidate();
  const keep = ws.keep;
  let removed = 0;
  for (let i = 0; i < c.n; i++) {
    keep[i] = ws.vals[i]! > -Infinity ? 1 : 0;
    if (keep[i] === 0) removed++;
  }
  if (removed > 0) c.retainKept();
}

/** Index of the largest value; ties go to the lowest index. Throws if every value is -Infinity. */
export function argmax(values: Float32Array): number {
  const best = argmaxOrNegative(values);
  if (best < 0) throw new NoCandidateError();
  return best;
}

/** Index of the largest value (ties: lowest index), or -1 when every value is -Infinity. */
function argmaxOrNegative(values: Float32Array): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (values[i]! > bestValue) {
      bestValue = values[i]!;
      best = i;
    }
  }
  return best;
}
