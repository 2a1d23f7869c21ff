import { describe, expect, it } from 'vitest';
import { dist, expectDist, logitsOf, makeState, softmax } from './__fixtures__/helpers.js';
import { defaultSamplingParams } from './params.js';
import { createRng } from './rng.js';
import {
  acceptToken,
  candidateDistribution,
  createSequenceState,
  NoCandidateError,
  processLogits,
  sampleToken,
} from './sample.js';
import { logprobsAt } from './logprobs.js';
import type { SamplingParams } from './types.js';

const P = [0.5, 0.25, 0.125, 0.0625, 0.0625];
const LP = logitsOf(P);

/** Deterministic pseudo-model logits for a vocabulary of `size`. */
function modelLogits(size: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: size }, () => (rng.next() - 0.5) * 8);
}

describe('greedy', () => {
  it('is the argmax of the processed logits, ties going to the lowest id', () => {
    const params = defaultSamplingParams({ do_sample: false });
    expect(sampleToken(new Float32Array([1, 3, 3, 2]), makeState(), params).token).toBe(1);
    // The repetition penalty on token 1 makes token 2 the argmax.
    const penalized = defaultSamplingParams({ do_sample: false, repetition_penalty: 2 });
    expect(sampleToken(new Float32Array([1, 3, 3, 2]), makeState({ prompt: [1] }), penalized).token).toBe(2);
  });

  it('is what temperature 0 means, and skips every warper', () => {
    const params = defaultSamplingParams({ temperature: 0, top_k: 1, min_p: 0.9, xtc_probability: 1 });
    const state = makeState();
    const before = state.rng.getState();
    expect(sampleToken(LP, state, params).token).toBe(0);
    expect(state.rng.getState()).toEqual(before); // no draw
  });

  it('still honours the mask and the bans', () => {
    const params = defaultSamplingParams({ do_sample: false, suppress_tokens: [0] });
    expect(sampleToken(LP, makeState(), params).token).toBe(1);
    const mask = (l: Float32Array): void => {
      l.fill(-Infinity, 0, 4);
    };
    expect(sampleToken(LP, makeState(), defaultSamplingParams({ do_sample: false }), mask).token).toBe(4);
  });

  it('reads plain greedy straight off the raw logits, with the same answer as the chain and the logits untouched', () => {
    const params = defaultSamplingParams({ do_sample: false, logprobs: 2 });
    const noop = (): void => {}; // a mask forces the copy-and-chain path
    for (let seed = 0; seed < 20; seed++) {
      const logits = modelLogits(1000, seed);
      const before = Float32Array.from(logits);
      const fast = sampleToken(logits, makeState(), params);
      expect(fast).toEqual(sampleToken(logits, makeState(), params, noop));
      expect(logits).toEqual(before);
    }
  });

  it('refuses logits that are all -Infinity, naming the model', () => {
    const logits = new Float32Array(4).fill(-Infinity);
    expect(() => sampleToken(logits, makeState(), defaultSamplingParams({ do_sample: false }))).toThrow(/every logit is -Infinity/);
  });
});

describe('sampleToken', () => {
  it('never modifies the caller logits', () => {
    const logits = modelLogits(500, 3);
    logits[7] = -Infinity;
    const copy = Float32Array.from(logits);
    const params = defaultSamplingParams({
      temperature: 0.7,
      dynamic_temperature: true,
      smoothing_factor: 0.3,
      top_k: 50,
      top_p: 0.9,
      min_p: 0.02,
      repetition_penalty: 1.3,
      presence_penalty: 0.5,
      dry_multiplier: 1,
      logit_bias: { 3: 5 },
      suppress_tokens: [2],
      logprobs: 5,
    });
    const state = makeState({ prompt: [1, 2, 3, 1, 2] });
    for (let i = 0; i < 5; i++) acceptToken(state, sampleToken(logits, state, params, (l) => void (l[9] = -Infinity)).token);
    expect(logits).toEqual(copy);
  });

  it('never picks a token at -Infinity, and picks the only finite one', () => {
    const logits = new Float32Array([-Infinity, 2, -Infinity, 1]);
    const state = makeState();
    for (let i = 0; i < 50; i++) expect([1, 3]).toContain(sampleToken(logits, state, defaultSamplingParams()).token);
    const one = new Float32Array([-Infinity, -Infinity, 0.5, -Infinity]);
    for (const p of [defaultSamplingParams(), defaultSamplingParams({ top_p: 0.5, typical_p: 0.5, tfs: 0.5, xtc_probability: 1, top_n_sigma: 1, mirostat_mode: 1 })]) {
      expect(sampleToken(one, state, p).token).toBe(2);
    }
  });

  it('samples the token a mask leaves alone, greedy or not', () => {
    const mask = (l: Float32Array): void => {
      for (let i = 0; i < l.length; i++) if (i !== 3) l[i] = -Infinity;
    };
    const state = makeState();
    for (const p of [defaultSamplingParams(), defaultSamplingParams({ do_sample: false }), defaultSamplingParams({ top_k: 2, min_p: 0.5 })]) {
      expect(sampleToken(LP, state, p, mask).token).toBe(3);
    }
  });

  it('throws NoCandidateError naming the parameter when nothing is left to sample', () => {
    const caught = (fn: () => unknown): NoCandidateError => {
      try {
        fn();
      } catch (error) {
        if (error instanceof NoCandidateError) return error;
        throw error;
      }
      throw new Error('no error');
    };
    const bans = defaultSamplingParams({ suppress_tokens: [0, 1, 2, 3, 4], top_k: 2 });
    expect(caught(() => sampleToken(LP, makeState(), bans)).param).toBe('custom_token_bans');
    expect(caught(() => sampleToken(LP, makeState(), { ...bans, do_sample: false })).param).toBe('custom_token_bans');
    // no_repeat_ngram placed after top_k by sampler_priority bans the only token top_k kept.
    const moved = defaultSamplingParams({ top_k: 1, no_repeat_ngram_size: 1, sampler_priority: ['top_k', 'no_repeat_ngram'] });
    const error = caught(() => sampleToken(LP, makeState({ prompt: [0] }), moved));
    expect(error.stage).toBe('no_repeat_ngram');
    expect(error.param).toBe('no_repeat_ngram_size');
    const mask = (l: Float32Array): void => void l.fill(-Infinity);
    expect(caught(() => sampleToken(LP, makeState(), defaultSamplingParams(), mask)).stage).toBe('mask');
    expect(caught(() => candidateDistribution(LP, makeState(), defaultSamplingParams({ do_sample: false }), mask)).stage).toBe('mask');
  });

  it('draws in proportion to the probabilities (2000 draws, 5 tokens)', () => {
    const state = makeState({ seed: 11 });
    const counts = [0, 0, 0, 0, 0];
    for (let i = 0; i < 2000; i++) counts[sampleToken(LP, state, defaultSamplingParams()).token]!++;
    // Binomial standard deviation is at most sqrt(2000 * .25) = 22; allow 4 sigma.
    counts.forEach((c, i) => expect(Math.abs(c - 2000 * P[i]!)).toBeLessThan(90));
  });

  it('does not append the token: acceptToken does', () => {
    const state = createSequenceState([4, 5], 1);
    const { token } = sampleToken(LP, state, defaultSamplingParams());
    expect(state.tokens).toEqual([4, 5]);
    acceptToken(state, token);
    expect(state.tokens).toEqual([4, 5, token]);
    expect(state.promptTokens).toEqual([4, 5]);
  });
});

describe('logprobs', () => {
  it('are the log-softmax of the raw logits, before any processor or warper', () => {
    const logits = new Float32Array([1, 2, 3, 0]);
    const lsm = softmax([1, 2, 3, 0]).map(Math.log);
    const params = defaultSamplingParams({ logprobs: 2, temperature: 0.3, repetition_penalty: 3, top_k: 1 });
    const result = sampleToken(logits, makeState({ prompt: [2] }), params);
    // The penalty makes token 1 the only candidate, but the logprobs are the raw ones.
    expect(result.token).toBe(1);
    expect(result.logprob).toBeCloseTo(lsm[1]!, 6);
    expect(result.top_logprobs).toHaveLength(2);
    expect(result.top_logprobs![0]!.token).toBe(2);
    expect(result.top_logprobs![0]!.logprob).toBeCloseTo(lsm[2]!, 6);
    expect(result.top_logprobs![1]!.token).toBe(1);
  });

  it('are absent unless asked for; chosen_logprob asks for the chosen token only', () => {
    expect(sampleToken(LP, makeState(), defaultSamplingParams())).toEqual({ token: expect.any(Number), logprob: null });
    const only = sampleToken(LP, makeState(), defaultSamplingParams({ chosen_logprob: true, do_sample: false }));
    expect(only.logprob).toBeCloseTo(Math.log(0.5), 6);
    expect(only.top_logprobs).toBeUndefined();
    const zero = sampleToken(LP, makeState(), defaultSamplingParams({ logprobs: 0, do_sample: false }));
    expect(zero.top_logprobs).toEqual([]);
  });

  it('list at most 20 candidates, best first, ties by lower id', () => {
    const logits = new Float32Array(30).fill(0);
    logits[25] = 1;
    const r = sampleToken(logits, makeState(), defaultSamplingParams({ logprobs: 50, do_sample: false }));
    expect(r.top_logprobs!.map((t) => t.token)).toEqual([25, ...Array.from({ length: 19 }, (_, i) => i)]);
  });

  it('logprobsAt gives the logprob of any token and the top candidates (echo)', () => {
    const r = logprobsAt(new Float32Array([0, Math.log(3)]), 0, 1);
    expect(r.logprob).toBeCloseTo(Math.log(0.25), 6);
    expect(r.top_logprobs).toEqual([{ token: 1, logprob: expect.closeTo(Math.log(0.75), 6) }]);
    expect(() => logprobsAt(new Float32Array(2), 2, 0)).toThrow(RangeError);
  });
});

describe('determinism', () => {
  const params = defaultSamplingParams({ temperature: 0.8, top_k: 40, top_p: 0.95, repetition_penalty: 1.1 });
  const run = (seed: number): number[] => {
    const state = createSequenceState([1, 2, 3], seed);
    const tokens: number[] = [];
    for (let step = 0; step < 16; step++) {
      const token = sampleToken(modelLogits(256, step), state, params).token;
      acceptToken(state, token);
      tokens.push(token);
    }
    return tokens;
  };

  it('gives a fixed token sequence for a fixed seed (pinned)', () => {
    expect(run(1234)).toEqual(PINNED_1234);
    expect(run(-7)).toEqual(PINNED_MINUS_7);
  });

  it('does not depend on other sequences sampled in between (batch composition)', () => {
    const alone = run(99);
    const a = createSequenceState([1, 2, 3], 99);
    const b = createSequenceState([1, 2, 3], 5);
    const interleaved: number[] = [];
    for (let step = 0; step < 16; step++) {
      const logits = modelLogits(256, step);
      const t = sampleToken(logits, a, params).token;
      acceptToken(a, t);
      interleaved.push(t);
      acceptToken(b, sampleToken(logits, b, { ...params, top_k: 3 }).token);
    }
    expect(interleaved).toEqual(alone);
  });

  it('can rewind a step: restoring the Rng state and mu reproduces the token', () => {
    const state = createSequenceState([1], 8);
    const mirostat = defaultSamplingParams({ mirostat_mode: 2, mirostat_tau: 3 });
    const logits = modelLogits(64, 1);
    const rngState = state.rng.getState();
    const mu = state.mirostatMu;
    const first = sampleToken(logits, state, mirostat).token;
    const muAfter = state.mirostatMu;
    state.rng.setState(rngState);
    state.mirostatMu = mu;
    expect(sampleToken(logits, state, mirostat).token).toBe(first);
    expect(state.mirostatMu).toBe(muAfter);
  });
});

/** Every sampler at a non-neutral value; `name` chooses which one. */
function samplerParams(name: string, rng: () => number): Partial<SamplingParams> {
  switch (name) {
    case 'top_k':
      return { top_k: 1 + Math.floor(rng() * 10) };
    case 'top_p':
      return { top_p: 0.05 + rng() * 0.9 };
    case 'typical_p':
      return { typical_p: 0.05 + rng() * 0.9 };
    case 'min_p':
      return { min_p: rng() };
    case 'top_a':
      return { top_a: rng() };
    case 'epsilon_cutoff':
      return { epsilon_cutoff: rng() * 3000 };
    case 'eta_cutoff':
      return { eta_cutoff: rng() * 3000 };
    case 'tfs':
      return { tfs: rng() };
    case 'top_n_sigma':
      return { top_n_sigma: rng() * 3 };
    case 'xtc':
      return { xtc_probability: 1, xtc_threshold: rng() * 0.3 };
    case 'temperature':
      return { temperature: 0.1 + rng() * 2 };
    case 'dynamic_temperature':
      return { dynamic_temperature: true, dynatemp_low: 0.1 + rng(), dynatemp_high: 1 + rng() * 2, dynatemp_exponent: 0.5 + rng() };
    case 'quadratic_sampling':
      return { smoothing_factor: rng() * 2, smoothing_curve: 1 + rng() * 2 };
    default:
      throw new Error(name);
  }
}

const TRUNCATIONS_KEEPING_TOP = ['top_k', 'top_p', 'min_p', 'top_a', 'epsilon_cutoff', 'eta_cutoff', 'tfs', 'top_n_sigma'];
const ALL = [...TRUNCATIONS_KEEPING_TOP, 'typical_p', 'xtc', 'temperature', 'dynamic_temperature', 'quadratic_sampling'];

/** Random logits: some ties, some -Infinity, spread and vocabulary size vary. */
function randomLogits(rng: () => number): number[] {
  const size = 2 + Math.floor(rng() * 60);
  const spread = 0.5 + rng() * 8;
  const logits = Array.from({ length: size }, () => Math.round((rng() - 0.5) * spread * 4) / 4);
  for (let i = 0; i < size; i++) if (rng() < 0.1) logits[i] = -Infinity;
  if (logits.every((l) => l === -Infinity)) logits[0] = 0;
  return logits;
}

describe('properties over random inputs (seeded)', () => {
  const rngSource = createRng(31337);
  const rng = (): number => rngSource.next();

  it('probabilities sum to 1 and removed tokens never come back', () => {
    for (let trial = 0; trial < 400; trial++) {
      const logits = randomLogits(rng);
      const names = ALL.filter(() => rng() < 0.3);
      const params = Object.assign({}, ...names.map((n) => samplerParams(n, rng))) as Partial<SamplingParams>;
      const d = dist(logits, params, { seed: trial });
      const total = Object.values(d).reduce((a, b) => a + b, 0);
      expect(total).toBeCloseTo(1, 9);
      expect(Object.keys(d).length).toBeGreaterThan(0);
      for (const token of Object.keys(d)) expect(logits[Number(token)]).toBeGreaterThan(-Infinity);
    }
  });

  it('the most likely token survives every truncation that promises it', () => {
    for (let trial = 0; trial < 400; trial++) {
      const logits = randomLogits(rng);
      const top = logits.indexOf(Math.max(...logits));
      const name = TRUNCATIONS_KEEPING_TOP[trial % TRUNCATIONS_KEEPING_TOP.length]!;
      const d = dist(logits, samplerParams(name, rng));
      expect(d[top], `${name} on ${JSON.stringify(logits)}`).toBeGreaterThan(0);
    }
  });

  it('a chain equals its samplers applied one after the other, in sampler_priority order', () => {
    for (let trial = 0; trial < 300; trial++) {
      const logits = randomLogits(rng);
      const a = ALL[Math.floor(rng() * ALL.length)]!;
      let b = ALL[Math.floor(rng() * ALL.length)]!;
      if (b === a) b = a === 'top_k' ? 'min_p' : 'top_k';
      const pa = samplerParams(a, rng);
      const pb = samplerParams(b, rng);
      const order = [a, b] as SamplingParams['sampler_priority'];
      const chained = dist(logits, { ...pa, ...pb, sampler_priority: order }, { seed: trial });
      // Apply a, then feed its distribution (as log-probabilities) to b alone.
      const afterA = dist(logits, pa, { seed: trial });
      const asLogits = logits.map((_, t) => (afterA[t] ? Math.log(afterA[t]) : -Infinity));
      const stepwise = dist(asLogits, pb, { seed: trial + 100_000 });
      // XTC draws from the Rng: both paths make that draw with probability 1, so it acts in both.
      expectDist(chained, stepwise, 6);
    }
  });

  it('an explicit sampler_priority equal to the default order changes nothing', () => {
    for (let trial = 0; trial < 100; trial++) {
      const logits = randomLogits(rng);
      const names = ALL.filter(() => rng() < 0.4);
      const params = Object.assign({}, ...names.map((n) => samplerParams(n, rng))) as Partial<SamplingParams>;
      const implicit = dist(logits, params, { seed: trial });
      const explicit = dist(logits, {
        ...params,
        sampler_priority: ['temperature', 'dynamic_temperature', 'quadratic_sampling', 'top_k', 'top_p', 'typical_p', 'epsilon_cutoff', 'eta_cutoff', 'tfs', 'top_a', 'min_p', 'mirostat', 'top_n_sigma', 'xtc'],
      }, { seed: trial });
      expectDist(explicit, implicit, 12);
    }
  });
});

describe('candidateDistribution', () => {
  it('lists the distribution the draw uses, most likely first', () => {
    const d = candidateDistribution(LP, makeState(), defaultSamplingParams({ top_k: 3 }));
    expect(d.map((x) => x.token)).toEqual([0, 1, 2]);
    expect(d[0]!.probability).toBeCloseTo(4 / 7, 6);
    expect(candidateDistribution(LP, makeState(), defaultSamplingParams({ do_sample: false }))).toEqual([{ token: 0, probability: 1 }]);
  });

  it('works on a full-size vocabulary without truncation', () => {
    const logits = modelLogits(50_257, 4);
    const d = candidateDistribution(logits, makeState(), defaultSamplingParams({ temperature: 0.5 }));
    expect(d).toHaveLength(50_257);
    expectDist({ 0: d[0]!.probability }, { 0: softmax([...logits].map((l) => l / 0.5))[d[0]!.token]! }, 9);
  });
});

// Pinned outputs: any change to the Rng, its seeding, the draw or these samplers changes them.
const PINNED_1234 = [133, 98, 145, 52, 242, 47, 12, 210, 86, 175, 97, 18, 194, 121, 7, 117];
const PINNED_MINUS_7 = [231, 155, 50, 227, 115, 229, 69, 19, 46, 151, 26, 253, 223, 161, 10, 113];

describe('processLogits', () => {
  it('applies the mask and the processors, not the warpers, and draws nothing', () => {
    const logits = new Float32Array([1, 3, -2, 2]);
    const state = makeState({ prompt: [1] });
    const before = state.rng.getState();
    const params = defaultSamplingParams({ repetition_penalty: 2, logit_bias: { 2: 1 }, top_k: 1, temperature: 0.5 });
    const out = processLogits(logits, state, params, (l) => {
      l[3] = -Infinity;
    });
    // Token 1 is penalized (3 / 2), token 2 biased (-2 + 1), token 3 masked; top_k and temperature ignored.
    expect([...out]).toEqual([1, 1.5, -1, -Infinity]);
    expect([...logits]).toEqual([1, 3, -2, 2]);
    expect(state.rng.getState()).toEqual(before);
  });

  it('throws NoCandidateError when nothing is left', () => {
    expect(() =>
      processLogits(new Float32Array([0, 0]), makeState(), defaultSamplingParams({ suppress_tokens: [0, 1] })),
    ).toThrow(NoCandidateError);
  });
});
