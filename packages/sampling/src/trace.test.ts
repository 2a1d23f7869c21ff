import { describe, expect, it } from 'vitest';
import { logitsOf, makeState } from './__fixtures__/helpers.js';
import { defaultSamplingParams } from './params.js';
import { createRng } from './rng.js';
import { candidateDistribution, createSequenceState } from './sample.js';
import { traceSamplerChain } from './trace.js';

const P = [0.4, 0.25, 0.15, 0.1, 0.06, 0.04];
const LP = logitsOf(P);

/** Deterministic pseudo-model logits for a vocabulary of `size`. */
function modelLogits(size: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: size }, () => (rng.next() - 0.5) * 8);
}

describe('traceSamplerChain', () => {
  it('starts with the softmax of the raw logits, then one step per active stage in the chain order', () => {
    const trace = traceSamplerChain(LP, makeState(), defaultSamplingParams({ top_k: 4, min_p: 0.3 }), 10);
    expect(trace.greedy).toBe(false);
    expect(trace.steps.map((s) => s.stage)).toEqual(['logits', 'top_k', 'min_p']);
    const [raw, topK, minP] = trace.steps;
    expect(raw!.candidates).toBe(6);
    raw!.top.forEach((t, i) => expect(t.probability).toBeCloseTo(P[i]!, 6));
    expect(topK!.top.map((t) => t.token)).toEqual([0, 1, 2, 3]);
    expect(topK!.top[0]!.probability).toBeCloseTo(0.4 / 0.9, 6);
    // min_p 0.3 of the top probability 0.4: 0.12 and above survive.
    expect(minP!.candidates).toBe(3);
    expect(minP!.top.map((t) => t.token)).toEqual([0, 1, 2]);
    expect(minP!.top.reduce((s, t) => s + t.probability, 0)).toBeCloseTo(1, 9);
  });

  it('follows sampler_priority: the same stages in another order leave another set', () => {
    const params = defaultSamplingParams({ top_k: 2, top_p: 0.5 });
    const byDefault = traceSamplerChain(LP, makeState(), params, 10);
    expect(byDefault.steps.map((s) => s.stage)).toEqual(['logits', 'top_k', 'top_p']);
    const reordered = traceSamplerChain(LP, makeState(), { ...params, sampler_priority: ['top_p', 'top_k'] }, 10);
    expect(reordered.steps.map((s) => s.stage)).toEqual(['logits', 'top_p', 'top_k']);
    // top_k 2 then top_p 0.5 of {0.4/0.65, 0.25/0.65}: token 0 alone reaches 0.5.
    expect(byDefault.steps.at(-1)!.top.map((t) => t.token)).toEqual([0]);
    // top_p 0.5 first keeps {0, 1} (0.4 + 0.25 >= 0.5), then top_k 2 keeps both.
    expect(reordered.steps.at(-1)!.top.map((t) => t.token)).toEqual([0, 1]);
  });

  it('ends with the distribution candidateDistribution gives, on a large vocabulary and a long chain', () => {
    const logits = modelLogits(5000, 7);
    const params = defaultSamplingParams({
      temperature: 0.7,
      top_k: 200,
      top_p: 0.9,
      min_p: 0.02,
      repetition_penalty: 1.3,
      xtc_probability: 0.5,
      xtc_threshold: 0.05,
    });
    const prompt = [3, 17, 99, 4000];
    const trace = traceSamplerChain(logits, createSequenceState(prompt, 42), params, 1000);
    const expected = candidateDistribution(logits, createSequenceState(prompt, 42), params);
    const last = trace.steps.at(-1)!;
    expect(last.candidates).toBe(expected.length);
    expect(last.top.map((t) => t.token)).toEqual(expected.map((t) => t.token));
    last.top.forEach((t, i) => expect(t.probability).toBeCloseTo(expected[i]!.probability, 12));
    for (let i = 1; i < trace.steps.length; i++) {
      expect(trace.steps[i]!.candidates).toBeLessThanOrEqual(trace.steps[i - 1]!.candidates);
    }
  });

  it('leaves the sequence state as it was (random draws of XTC and mirostat included)', () => {
    const state = makeState({ seed: 5 });
    const before = state.rng.getState();
    const params = defaultSamplingParams({ xtc_probability: 1, xtc_threshold: 0.1, mirostat_mode: 2 });
    const trace = traceSamplerChain(LP, state, params, 3);
    expect(trace.steps.map((s) => s.stage)).toEqual(['logits', 'mirostat', 'xtc']);
    expect(trace.steps[0]!.top).toHaveLength(3);
    expect(state.rng.getState()).toEqual(before);
    expect(state.mirostatMu).toBeUndefined();
  });

  it('greedy parameters trace the processors only', () => {
    const trace = traceSamplerChain(LP, makeState({ prompt: [0] }), defaultSamplingParams({ do_sample: false, top_k: 1, repetition_penalty: 3 }), 2);
    expect(trace.greedy).toBe(true);
    expect(trace.steps.map((s) => s.stage)).toEqual(['logits', 'repetition_penalty']);
    expect(trace.steps[1]!.top[0]!.token).toBe(1); // token 0 was penalized below token 1
  });

  it('shows the grammar mask as its own step, and stops at a step that leaves nothing', () => {
    const mask = (work: Float32Array) => work.fill(-Infinity, 0, 2);
    const masked = traceSamplerChain(LP, makeState(), defaultSamplingParams({ top_k: 1 }), 5, mask);
    expect(masked.steps.map((s) => [s.stage, s.candidates])).toEqual([
      ['logits', 6],
      ['mask', 4],
      ['top_k', 1],
    ]);
    expect(masked.steps[2]!.top[0]!.token).toBe(2);
    const banned = traceSamplerChain(LP, makeState(), defaultSamplingParams({ suppress_tokens: [0, 1, 2, 3, 4, 5], top_k: 2 }), 5);
    expect(banned.steps.map((s) => [s.stage, s.candidates])).toEqual([
      ['logits', 6],
      ['suppress_tokens', 0],
    ]);
  });
});
