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
 * Random draws per sampled step: XTC draws one when active, mirostat and adaptive-p one each
 * when active, and the final pick draws one. A greedy step draws none.
 */
import { Candidates, Workspace } from './candidates.js';
import { logprobsAt } from './logprobs.js';
import { isGreedy, isProcessor, resolveSamplerOrder } from './order.js';
import type { StageName } from './order.js';
import { createRng } from './rng.js';
import { stage } from './stages.js';
import { StepContext } from './step-context.js';
import type { LogitsMask, SamplingParams, SequenceState, StepResult } from './types.js';

/** Most top candidates reported per position (OpenAI allows 5, vLLM 20). */
export const MAX_TOP_LOGPROBS = 20;

/**
 * Module-level on purpose: scratch memory is shared by every sequence of the same vocabulary
 * size. A step is synchronous, so one workspace serves them all (n x best_of sequences each
 * holding ~8 MB, or one per engine, would add up); it carries nothing from one step to the next
 * (every step overwrites what it reads). `workspaceBusy` guards re-entry: a step that starts
 * while another is running (a mask that samples) gets a temporary workspace.
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

/** A new sequence: its context starts as the prompt, its Rng from `seed`, mirostat's and adaptive-p's state unset. */
export function createSequenceState(promptTokens: readonly number[], seed: number): SequenceState {
  return {
    promptTokens: [...promptTokens],
    tokens: [...promptTokens],
    rng: createRng(seed),
    mirostatMu: undefined,
    adaptiveP: undefined,
  };
}

/** Appends the token the engine kept to the sequence's context (penalties and DRY read it). */
export function acceptToken(state: SequenceState, token: number): void {
  state.tokens.push(token);
}

/** Where the last candidate disappeared: a stage, the mask, or the model's logits themselves. */
export type EmptyingStage = StageName | 'mask' | 'logits';

/** The request parameter to name in a 400 when a stage leaves nothing to sample (processors only). */
function errorParam(where: EmptyingStage): string | null {
  if (where === 'mask' || where === 'logits' || !isProcessor(where)) return null;
  return stage(where).errorParam;
}

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
            : `${errorParam(stage) ?? stage}${stage === 'suppress_tokens' ? ' / ban_eos_token' : ''}`;
    super(`no token can be sampled: ${where} removed every remaining token`);
    this.name = 'NoCandidateError';
    this.stage = stage;
    this.param = stage === null ? null : errorParam(stage);
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
  for (const name of resolveSamplerOrder(params)) {
    if (!isProcessor(name)) continue;
    stage(name).run(c, context);
    if (allRemoved()) return new NoCandidateError(name);
  }
  return new NoCandidateError(null);
}

/**
 * Samples the next token. Reads `logits` without modifying them; advances `state.rng`,
 * mirostat's `state.mirostatMu` and adaptive-p's `state.adaptiveP`; does not append the token
 * (call `acceptToken`).
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
  for (const name of resolveSamplerOrder(params)) {
    stage(name).run(c, context);
    if (!c.dense && c.n === 0) {
      // Warpers always keep a token and processors never leave the dense form, so either this
      // processor (placed after a truncation by sampler_priority) removed the last candidate, or
      // nothing was left when the first warper compacted the set.
      throw isProcessor(name) ? new NoCandidateError(name) : diagnoseEmpty(logits, state, params, mask);
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
 * probability 1. Like `sampleToken` it advances the Rng for XTC, mirostat and adaptive-p and
 * updates their state, so call it on a copy of the state to inspect without side effects. Meant for
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
