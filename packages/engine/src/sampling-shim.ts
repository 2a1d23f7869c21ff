/**
 * TEMPORARY stand-in for @textgen-spec/sampling while that package is being written:
 * greedy and plain temperature sampling with the same function names. Deleted when the
 * real package is merged.
 */
import type { LogitsMask, Rng, SamplingParams, SequenceState, StepResult, TokenLogprob } from '@textgen-spec/sampling';

function mulberry32(seed: number): Rng {
  let s = seed >>> 0;
  return {
    next() {
      s = (s + 0x6d2b79f5) | 0;
      let t = Math.imul(s ^ (s >>> 15), 1 | s);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
    getState: () => [s],
    setState: (st) => {
      s = st[0]! | 0;
    },
  };
}

export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31) + 1;
}

export function createSequenceState(promptTokens: readonly number[], seed: number): SequenceState {
  return { promptTokens: [...promptTokens], tokens: [...promptTokens], rng: mulberry32(seed), mirostatMu: undefined };
}

export function acceptToken(state: SequenceState, token: number): void {
  state.tokens.push(token);
}

export function sampleToken(logits: Float32Array, state: SequenceState, params: SamplingParams, mask?: LogitsMask): StepResult {
  const work = Float32Array.from(logits);
  if (mask) mask(work, state);
  for (const t of params.suppress_tokens) work[t] = -Infinity;
  for (const [k, v] of Object.entries(params.logit_bias)) work[Number(k)] = work[Number(k)]! + v;
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! - max);
  const lse = max + Math.log(sum);
  let token = 0;
  const greedy = !params.do_sample || params.temperature === 0;
  if (greedy) {
    let best = -Infinity;
    for (let i = 0; i < work.length; i++) if (work[i]! > best) { best = work[i]!; token = i; }
  } else {
    let wmax = -Infinity;
    for (let i = 0; i < work.length; i++) if (work[i]! > wmax) wmax = work[i]!;
    const probs = new Float64Array(work.length);
    let z = 0;
    for (let i = 0; i < work.length; i++) { probs[i] = Math.exp((work[i]! - wmax) / params.temperature); z += probs[i]!; }
    let u = state.rng.next() * z;
    token = work.length - 1;
    for (let i = 0; i < work.length; i++) { u -= probs[i]!; if (u <= 0) { token = i; break; } }
  }
  const result: StepResult = { token, logprob: logits[token]! - lse };
  if (params.logprobs !== null) {
    const top: TokenLogprob[] = [];
    for (let i = 0; i < logits.length; i++) {
      const lp = logits[i]! - lse;
      if (top.length < params.logprobs || lp > top[top.length - 1]!.logprob) {
        top.push({ token: i, logprob: lp });
        top.sort((a, b) => b.logprob - a.logprob);
        if (top.length > params.logprobs) top.pop();
      }
    }
    result.top_logprobs = top;
  }
  return result;
}
