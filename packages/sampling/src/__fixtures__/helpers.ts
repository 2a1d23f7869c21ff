/** Small helpers shared by the tests (not part of the package build). */
import { expect } from 'vitest';
import { candidateDistribution, createSequenceState, defaultSamplingParams } from '../index.js';
import type { Rng, SamplingParams, SequenceState } from '../index.js';

/** Logits whose softmax is exactly `probs` (up to float32 rounding): ln p. */
export function logitsOf(probs: readonly number[]): Float32Array {
  return Float32Array.from(probs, (p) => (p === 0 ? -Infinity : Math.log(p)));
}

/** Reference softmax in float64 with Math.exp. */
export function softmax(logits: readonly number[]): number[] {
  const finite = logits.filter((v) => v > -Infinity);
  const max = Math.max(...finite);
  const e = logits.map((v) => (v > -Infinity ? Math.exp(v - max) : 0));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

/** Reference softmax restricted to `keep`, as a token -> probability record. */
export function renormalized(logits: readonly number[], keep: readonly number[]): Record<number, number> {
  const sub = softmax(keep.map((t) => logits[t]!));
  return Object.fromEntries(keep.map((t, i) => [t, sub[i]!]));
}

/** An Rng that returns the given values in turn (then repeats the last). */
export function fixedRng(values: readonly number[]): Rng {
  let i = 0;
  return {
    next: () => values[Math.min(i++, values.length - 1)]!,
    getState: () => [i],
    setState: (s) => {
      i = s[0]!;
    },
  };
}

export interface DistOptions {
  prompt?: number[];
  generated?: number[];
  seed?: number;
  rng?: Rng;
  state?: SequenceState;
}

/** The distribution the chain leaves, as a token -> probability record. */
export function dist(
  logits: Float32Array | readonly number[],
  overrides: Partial<SamplingParams>,
  options: DistOptions = {},
): Record<number, number> {
  const state = options.state ?? makeState(options);
  const l = logits instanceof Float32Array ? logits : Float32Array.from(logits);
  const out: Record<number, number> = {};
  for (const { token, probability } of candidateDistribution(l, state, defaultSamplingParams(overrides))) {
    out[token] = probability;
  }
  return out;
}

export function makeState(options: DistOptions = {}): SequenceState {
  const state = createSequenceState(options.prompt ?? [], options.seed ?? 1);
  for (const t of options.generated ?? []) state.tokens.push(t);
  if (options.rng) return { ...state, rng: options.rng };
  return state;
}

/** Asserts two token -> probability records have the same tokens and close probabilities. */
export function expectDist(actual: Record<number, number>, expected: Record<number, number>, digits = 6): void {
  const keys = (r: Record<number, number>): number[] => Object.keys(r).map(Number).sort((a, b) => a - b);
  expect(keys(actual)).toEqual(keys(expected));
  for (const [token, p] of Object.entries(expected)) expect(actual[Number(token)]).toBeCloseTo(p, digits);
}
