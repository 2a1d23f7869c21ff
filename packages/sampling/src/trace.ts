/**
 * The sampler chain stage by stage, for tools that show what each parameter does (the server's
 * `POST /v1/internal/sampler-trace`, the playground): the distribution before the chain, then
 * after each active stage in the order `sampleToken` runs them.
 *
 * Each step is computed by running the chain from the start up to that stage on a fresh copy
 * of the logits, with the sequence's random state restored before each run: every step is
 * exactly what the chain truncated there would leave (stages that draw random numbers, XTC,
 * mirostat and adaptive-p, draw the same numbers in every run), and the last step is the
 * distribution `candidateDistribution` returns. Costs one chain run per stage (quadratic in the
 * number of active stages, at most about 20); meant for inspection, not for decoding. The
 * caller's logits and state are left unchanged.
 */
import { Candidates, Workspace } from './candidates.js';
import { isGreedy, resolveSamplerOrder } from './order.js';
import type { StageName } from './order.js';
import type { TokenProbability } from './sample.js';
import { stage } from './stages.js';
import { StepContext } from './step-context.js';
import type { LogitsMask, SamplingParams, SequenceState } from './types.js';

/** The distribution after one step of the chain. */
export interface TraceStep {
  /** 'logits': the model's own distribution; 'mask': after the grammar mask; else the stage. */
  stage: StageName | 'logits' | 'mask';
  /** How many tokens are still candidates (probability > 0). */
  candidates: number;
  /** The most likely candidates, most likely first (ties: lower id), probabilities renormalized. */
  top: TokenProbability[];
}

export interface SamplerTrace {
  /** Greedy parameters (do_sample false or temperature 0): the final pick is the most likely token. */
  greedy: boolean;
  /** 'logits' first, then 'mask' when a mask is given, then one step per active stage. */
  steps: TraceStep[];
}

/**
 * Traces the chain on `logits` for the sequence `state` and `params`, listing the `topN` most
 * likely candidates of each step. Stops after a step that leaves no candidate.
 */
export function traceSamplerChain(
  logits: Float32Array,
  state: SequenceState,
  params: SamplingParams,
  topN: number,
  mask?: LogitsMask,
): SamplerTrace {
  if (logits.length === 0) throw new RangeError('logits are empty');
  const order = resolveSamplerOrder(params);
  const ws = new Workspace(logits.length);
  const saved = saveState(state);
  const steps: TraceStep[] = [];
  try {
    const labels: TraceStep['stage'][] = ['logits', ...(mask ? (['mask'] as const) : []), ...order];
    for (let k = 0; k < labels.length; k++) {
      restoreState(state, saved);
      ws.work.set(logits);
      const c = new Candidates(ws);
      if (mask && k > 0) mask(ws.work, state);
      const context = new StepContext(ws, state, params);
      for (const name of order.slice(0, Math.max(0, k - (mask ? 1 : 0)))) stage(name).run(c, context);
      const step = snapshot(c, labels[k]!, topN);
      steps.push(step);
      if (step.candidates === 0) break;
    }
  } finally {
    restoreState(state, saved);
  }
  return { greedy: isGreedy(params), steps };
}

type SavedState = Pick<SequenceState, 'mirostatMu' | 'adaptiveP'> & { rng: number[] };

function saveState(state: SequenceState): SavedState {
  return { rng: state.rng.getState(), mirostatMu: state.mirostatMu, adaptiveP: state.adaptiveP && { ...state.adaptiveP } };
}

function restoreState(state: SequenceState, saved: SavedState): void {
  state.rng.setState(saved.rng);
  state.mirostatMu = saved.mirostatMu;
  state.adaptiveP = saved.adaptiveP && { ...saved.adaptiveP };
}

/** The candidates' softmax: their count and the `topN` most likely. */
function snapshot(c: Candidates, label: TraceStep['stage'], topN: number): TraceStep {
  c.toSparse();
  if (c.n === 0 || c.maxValue() === -Infinity) return { stage: label, candidates: 0, top: [] };
  c.softmax();
  const { ids, probs } = c.ws;
  const top: TokenProbability[] = [];
  let candidates = 0;
  for (let i = 0; i < c.n; i++) {
    const probability = probs[i]!;
    if (!(probability > 0)) continue;
    candidates++;
    insertTop(top, { token: ids[i]!, probability }, topN);
  }
  return { stage: label, candidates, top };
}

const better = (a: TokenProbability, b: TokenProbability): boolean =>
  a.probability > b.probability || (a.probability === b.probability && a.token < b.token);

/** Inserts `entry` into `top` (sorted best first) when it ranks among the best `limit`. */
function insertTop(top: TokenProbability[], entry: TokenProbability, limit: number): void {
  if (limit <= 0) return;
  if (top.length === limit && !better(entry, top[limit - 1]!)) return;
  let i = top.length;
  while (i > 0 && better(entry, top[i - 1]!)) i--;
  top.splice(i, 0, entry);
  if (top.length > limit) top.pop();
}
