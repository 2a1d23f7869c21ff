import { describe, expect, it } from 'vitest';
import { dist, expectDist, fixedRng, logitsOf, makeState, renormalized, softmax } from './__fixtures__/helpers.js';
import { candidateDistribution } from './sample.js';
import { defaultSamplingParams } from './params.js';

// Probabilities 1/2, 1/4, 1/8, 1/16, 1/16: most formulas come out in round numbers.
const P = [0.5, 0.25, 0.125, 0.0625, 0.0625];
const LP = logitsOf(P);
const LPN = [...LP];
const keep = (...tokens: number[]): Record<number, number> => renormalized(LPN, tokens);

describe('temperature', () => {
  it('divides the logits by T', () => {
    expectDist(dist([1, 2, 3], { temperature: 2 }), Object.fromEntries(softmax([0.5, 1, 1.5]).map((p, i) => [i, p])));
    expectDist(dist([1, 2, 3], { temperature: 0.25 }), Object.fromEntries(softmax([4, 8, 12]).map((p, i) => [i, p])));
  });
});

describe('dynamic_temperature', () => {
  it('uses T = low + (high - low) * (H / ln n)^exponent', () => {
    const logits = [2, 1, 0, -1];
    const p = softmax(logits);
    const entropy = -p.reduce((s, q) => s + q * Math.log(q), 0);
    const t = 0.5 + (1.5 - 0.5) * (entropy / Math.log(4)) ** 2;
    expectDist(
      dist(logits, { dynamic_temperature: true, dynatemp_low: 0.5, dynatemp_high: 1.5, dynatemp_exponent: 2 }),
      Object.fromEntries(softmax(logits.map((l) => l / t)).map((q, i) => [i, q])),
    );
  });

  it('counts only finite logits in the maximum entropy', () => {
    const logits = [2, 1, -Infinity, 0];
    const p = softmax([2, 1, 0]);
    const entropy = -p.reduce((s, q) => s + q * Math.log(q), 0);
    const t = 0.2 + 1.8 * (entropy / Math.log(3));
    const expected = softmax([2 / t, 1 / t, 0 / t]);
    expectDist(dist(logits, { dynamic_temperature: true, dynatemp_low: 0.2, dynatemp_high: 2 }), {
      0: expected[0]!,
      1: expected[1]!,
      3: expected[2]!,
    });
  });

  it('stacks with plain temperature (both are samplers of their own)', () => {
    const logits = [2, 0];
    const scaled = logits.map((l) => l / 2);
    const q = softmax(scaled);
    const entropy = -q.reduce((s, x) => s + x * Math.log(x), 0);
    const t = 1 + (3 - 1) * (entropy / Math.log(2));
    expectDist(
      dist(logits, { temperature: 2, dynamic_temperature: true, dynatemp_low: 1, dynatemp_high: 3 }),
      Object.fromEntries(softmax(scaled.map((l) => l / t)).map((x, i) => [i, x])),
    );
  });
});

describe('limits', () => {
  it('a temperature so small that logits / T overflows keeps the top token(s), not NaN', () => {
    expectDist(dist([1, 3, 3, 2], { temperature: 5e-324 }), { 1: 0.5, 2: 0.5 });
    expectDist(dist([1, 3, 3, 2], { temperature: 1e-3, top_k: 2 }), { 1: 0.5, 2: 0.5 });
  });

  it('a dynamic temperature of 0 keeps the top token, of infinity makes candidates uniform', () => {
    expectDist(dist([1, 3, 2], { dynamic_temperature: true, dynatemp_low: 0, dynatemp_high: 0 }), { 1: 1 });
    // (H / Hmax)^exponent overflows with a very negative exponent: T = infinity.
    expectDist(
      dist([5, 0, -Infinity, 0], { dynamic_temperature: true, dynatemp_low: 1, dynatemp_high: 2, dynatemp_exponent: -1e6 }),
      { 0: 1 / 3, 1: 1 / 3, 3: 1 / 3 },
    );
    // high == low: T = low whatever the power does.
    expectDist(
      dist([1, 0], { dynamic_temperature: true, dynatemp_low: 2, dynatemp_high: 2, dynatemp_exponent: -1e6 }),
      Object.fromEntries(softmax([0.5, 0]).map((p, i) => [i, p])),
    );
  });
});

describe('quadratic_sampling', () => {
  it('maps d = logit - max to max - f*d^2 with smoothing_curve 1', () => {
    expectDist(dist([3, 2, 0], { smoothing_factor: 0.5 }), Object.fromEntries(softmax([3, 2.5, -1.5]).map((p, i) => [i, p])));
  });

  it('maps d to -k*f*d^2 + s*f*d^3 + max with k = (3 - c)/2, s = (c - 1)/2', () => {
    // c = 2: k = s = 0.5, f = 0.5; d = -1 -> 2.5, d = -3 -> 3 - 2.25 - 6.75 = -6.
    expectDist(
      dist([3, 2, 0], { smoothing_factor: 0.5, smoothing_curve: 2 }),
      Object.fromEntries(softmax([3, 2.5, -6]).map((p, i) => [i, p])),
    );
  });

  it('leaves removed tokens removed, whatever the curve, also before a truncation', () => {
    for (const smoothing_curve of [0.5, 1, 2, 4]) {
      const logits = [3, -Infinity, 0, 1, -Infinity];
      expect(Object.keys(dist(logits, { smoothing_factor: 0.5, smoothing_curve }))).toEqual(['0', '2', '3']);
      expect(Object.keys(dist(logits, { smoothing_factor: 0.5, smoothing_curve, top_k: 4 }))).toEqual(['0', '2', '3']);
    }
  });
});

describe('quadratic_sampling before top_k (applied lazily to the survivors)', () => {
  it('gives the same distribution as applying it to every token first', () => {
    const logits = Float32Array.from({ length: 3000 }, (_, i) => Math.sin(i * 7.77) * 6 + (i % 97 === 0 ? -Infinity : 0));
    for (const smoothing_curve of [0.5, 1, 2, 3, 4]) {
      const base = { smoothing_factor: 0.4, smoothing_curve, top_k: 25, temperature: 0.8 };
      const lazy = dist(logits, base);
      // A neutral dynamic temperature between the two forces the transform onto every token.
      const eager = dist(logits, {
        ...base,
        dynamic_temperature: true,
        sampler_priority: ['temperature', 'quadratic_sampling', 'dynamic_temperature', 'top_k'],
      });
      expectDist(lazy, eager, 12);
    }
  });
});

describe('top_k', () => {
  it('keeps the k most likely tokens', () => {
    expectDist(dist(LP, { top_k: 2 }), keep(0, 1));
    expectDist(dist(LP, { top_k: 1 }), keep(0));
  });

  it('keeps every token tied with the k-th', () => {
    expectDist(dist([3, 2, 2, 2, 1], { top_k: 2 }), renormalized([3, 2, 2, 2, 1], [0, 1, 2, 3]));
  });

  it('handles large k (selection kept in id order) followed by other truncations', () => {
    const logits = Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i * 12.9898) * 4);
    const ranked = [...logits.keys()].sort((a, b) => logits[b]! - logits[a]! || a - b);
    const d = dist(logits, { top_k: 2000 });
    expect(Object.keys(d).map(Number).sort((a, b) => a - b)).toEqual(ranked.slice(0, 2000).sort((a, b) => a - b));
    const both = dist(logits, { top_k: 2000, top_p: 0.5 });
    // top_p on the renormalized top 2000: the shortest best-first prefix holding half of it.
    const top = ranked.slice(0, 2000);
    const p = softmax(top.map((t) => logits[t]!));
    let mass = 0;
    let n = 0;
    while (mass < 0.5) mass += p[n++]!;
    expect(Object.keys(both).map(Number).sort((a, b) => a - b)).toEqual(top.slice(0, n).sort((a, b) => a - b));
  });

  it('is a no-op when k is larger than the vocabulary', () => {
    expectDist(dist(LP, { top_k: 50 }), keep(0, 1, 2, 3, 4));
  });
});

describe('top_p', () => {
  it('keeps the smallest prefix whose mass reaches top_p', () => {
    // Mass before each token in sorted order: 0, .5, .75, .875, .9375.
    expectDist(dist(LP, { top_p: 0.8 }), keep(0, 1, 2));
    expectDist(dist(LP, { top_p: 0.7 }), keep(0, 1));
    expectDist(dist(LP, { top_p: 0.3 }), keep(0));
    expectDist(dist(LP, { top_p: 0.99 }), keep(0, 1, 2, 3, 4));
  });

  it('breaks ties by the lower token id', () => {
    // Four equal tokens, top_p 0.5: the two lowest ids.
    expectDist(dist([0, 0, 0, 0], { top_p: 0.5 }), { 0: 0.5, 1: 0.5 });
  });

  it('finds the nucleus of a large flat distribution (band search beyond the first band)', () => {
    const logits = Float32Array.from({ length: 5000 }, (_, i) => -i / 1000); // spans 5 nats
    const d = dist(logits, { top_p: 0.95 });
    const p = softmax([...logits]);
    let mass = 0;
    let n = 0;
    while (mass < 0.95) mass += p[n++]!;
    expect(Object.keys(d)).toHaveLength(n);
  });
});

describe('typical_p', () => {
  // H = 1.875 ln 2; scores |-ln p - H| = (0.875, 0.125, 1.125, 2.125, 2.125) ln 2, so the
  // order is 1, 0, 2, 3, 4 with cumulative mass 0.25, 0.75, 0.875, 0.9375, 1.
  it('keeps the tokens whose score is at most the score where the mass is reached', () => {
    expectDist(dist(LP, { typical_p: 0.5 }), keep(0, 1));
    expectDist(dist(LP, { typical_p: 0.8 }), keep(0, 1, 2));
    expectDist(dist(LP, { typical_p: 0.9 }), keep(0, 1, 2, 3, 4)); // 3 and 4 tie
  });

  it('can drop the most likely token', () => {
    expectDist(dist(LP, { typical_p: 0.2 }), keep(1));
  });

  it('keeps the most typical token at typical_p 0', () => {
    expectDist(dist(LP, { typical_p: 0 }), keep(1));
  });
});

describe('epsilon_cutoff', () => {
  it('removes p < epsilon * 1e-4, keeping the most likely token', () => {
    expectDist(dist(LP, { epsilon_cutoff: 1000 }), keep(0, 1, 2));
    expectDist(dist(LP, { epsilon_cutoff: 9000 }), keep(0));
    expectDist(dist([1, 1, 0], { epsilon_cutoff: 9000 }), renormalized([1, 1, 0], [0, 1]));
  });
});

describe('eta_cutoff', () => {
  it('removes p < min(eta, sqrt(eta) * exp(-H)), eta in units of 1e-4', () => {
    // eta = 0.2: sqrt(0.2) * 2^-1.875 = 0.1219 < 0.2, so the 1/8 token stays.
    const eta = 0.2;
    const threshold = Math.min(eta, Math.sqrt(eta) * Math.exp(-1.875 * Math.LN2));
    expect(threshold).toBeCloseTo(0.1219, 4);
    expectDist(dist(LP, { eta_cutoff: 2000 }), keep(0, 1, 2));
    expectDist(dist(LP, { eta_cutoff: 5000 }), keep(0, 1)); // sqrt(.5) * .2726 = .193
  });

  it('uses eta itself when it is the smaller bound (peaked distribution)', () => {
    // H = 0.428: sqrt(.025) * e^-H = .103 > .025, so the cut is .025 and tokens 1, 2 stay.
    const peaked = [0.9, 0.05, 0.03, 0.02];
    const l = [...logitsOf(peaked)];
    const entropy = -peaked.reduce((a, p) => a + p * Math.log(p), 0);
    expect(Math.sqrt(0.025) * Math.exp(-entropy)).toBeGreaterThan(0.1);
    expectDist(dist(l, { eta_cutoff: 250 }), renormalized(l, [0, 1, 2]));
  });
});

describe('tfs', () => {
  // Sorted p: second differences |.125|, |.0625|, |.0625| normalized: .5, .25, .25; cdf .5, .75, 1.
  it('keeps the first token, then tokens while the shifted cdf <= z, and drops the last', () => {
    expectDist(dist(LP, { tfs: 0.6 }), keep(0, 1));
    expectDist(dist(LP, { tfs: 0.8 }), keep(0, 1, 2));
    expectDist(dist(LP, { tfs: 0.4 }), keep(0));
    expectDist(dist(LP, { tfs: 0.99 }), keep(0, 1, 2));
  });

  it('always removes the least likely token, even when all second differences are 0', () => {
    expectDist(dist([0, 0, 0], { tfs: 0.99 }), { 0: 0.5, 1: 0.5 });
    expectDist(dist([1, 0], { tfs: 0.99 }), { 0: 1 });
  });
});

describe('top_a', () => {
  it('removes p < top_a * pmax^2', () => {
    expectDist(dist(LP, { top_a: 0.45 }), keep(0, 1, 2)); // 0.1125
    expectDist(dist(LP, { top_a: 0.9 }), keep(0, 1)); // 0.225
    expectDist(dist(LP, { top_a: 0.2 }), keep(0, 1, 2, 3, 4)); // 0.05
  });
});

describe('min_p', () => {
  it('removes p < min_p * pmax', () => {
    expectDist(dist(LP, { min_p: 0.3 }), keep(0, 1));
    expectDist(dist(LP, { min_p: 0.2 }), keep(0, 1, 2));
    expectDist(dist(LP, { min_p: 1 }), keep(0));
  });
});

describe('top_n_sigma', () => {
  it('keeps logits >= max - n * std (n - 1 denominator) of the finite logits', () => {
    // logits 3, 2, 1, 0, -1: mean 1, std sqrt(10 / 4) = 1.581.
    const logits = [3, 2, 1, 0, -1, -Infinity];
    expectDist(dist(logits, { top_n_sigma: 1 }), renormalized(logits, [0, 1]));
    expectDist(dist(logits, { top_n_sigma: 2 }), renormalized(logits, [0, 1, 2, 3]));
  });
});

describe('xtc', () => {
  it('removes every token at or above the threshold except the least likely of them', () => {
    const d = dist(LP, { xtc_probability: 1, xtc_threshold: 0.1 });
    expectDist(d, keep(2, 3, 4));
  });

  it('does nothing when fewer than two tokens reach the threshold', () => {
    expectDist(dist(LP, { xtc_probability: 1, xtc_threshold: 0.3 }), keep(0, 1, 2, 3, 4));
  });

  it('does nothing when it would remove an EOS or newline token', () => {
    expectDist(dist(LP, { xtc_probability: 1, xtc_threshold: 0.1, eos_token_ids: [1] }), keep(0, 1, 2, 3, 4));
    expectDist(dist(LP, { xtc_probability: 1, xtc_threshold: 0.1, newline_token_ids: [0] }), keep(0, 1, 2, 3, 4));
    // An EOS token that is the one kept is fine.
    expectDist(dist(LP, { xtc_probability: 1, xtc_threshold: 0.1, eos_token_ids: [2] }), keep(2, 3, 4));
  });

  it('acts only when its draw is below xtc_probability', () => {
    const params = { xtc_probability: 0.5, xtc_threshold: 0.1 };
    expectDist(dist(LP, params, { rng: fixedRng([0.49]) }), keep(2, 3, 4));
    expectDist(dist(LP, params, { rng: fixedRng([0.5]) }), keep(0, 1, 2, 3, 4));
  });
});

describe('mirostat', () => {
  it('mode 2 keeps surprise <= mu (mu starts at 2 tau), draws, and updates mu', () => {
    // tau 1.1: mu = 2.2, keep p >= 2^-2.2 = 0.218: tokens 0 and 1 renormalized to 2/3, 1/3.
    const params = defaultSamplingParams({ mirostat_mode: 2, mirostat_tau: 1.1, mirostat_eta: 0.1 });
    const state = makeState({ rng: fixedRng([0.5]) });
    expect(candidateDistribution(LP, state, params)).toEqual([{ token: 0, probability: 1 }]); // 0.5 < 2/3
    expect(state.mirostatMu).toBeCloseTo(2.2 - 0.1 * (-Math.log2(2 / 3) - 1.1), 6);

    const second = makeState({ rng: fixedRng([0.7]) });
    expect(candidateDistribution(LP, second, params)).toEqual([{ token: 1, probability: 1 }]);
    expect(second.mirostatMu).toBeCloseTo(2.2 - 0.1 * (-Math.log2(1 / 3) - 1.1), 6);
  });

  it('mode 2 reads mu from the sequence state', () => {
    const state = makeState({ rng: fixedRng([0.99]) });
    state.mirostatMu = 3.5; // keep p >= 2^-3.5 = 0.088: tokens 0, 1, 2
    const d = candidateDistribution(LP, state, defaultSamplingParams({ mirostat_mode: 2, mirostat_tau: 1 }));
    expect(d).toEqual([{ token: 2, probability: 1 }]); // the last of 4/7, 2/7, 1/7
    expect(state.mirostatMu).toBeCloseTo(3.5 - 0.1 * (-Math.log2(1 / 7) - 1), 6);
  });

  it('mode 1 keeps the top k from the Zipf estimate, with N the vocabulary size', () => {
    const tau = 1.25;
    const mu = 2 * tau;
    // s = sum t_i b_i / sum t_i^2 over i = 0..3, t_i = ln((i+2)/(i+1)), b_i = ln(p_i / p_(i+1)).
    let tb = 0;
    let tt = 0;
    for (let i = 0; i < 4; i++) {
      const t = Math.log((i + 2) / (i + 1));
      tb += t * Math.log(P[i]! / P[i + 1]!);
      tt += t * t;
    }
    const s = tb / tt;
    const eps = s - 1;
    const k = Math.floor(((eps * 2 ** mu) / (1 - 5 ** -eps)) ** (1 / s));
    expect(k).toBe(3);
    for (const [u, token] of [
      [0.1, 0],
      [0.6, 1],
      [0.9, 2],
    ] as const) {
      const state = makeState({ rng: fixedRng([u]) });
      const d = candidateDistribution(LP, state, defaultSamplingParams({ mirostat_mode: 1, mirostat_tau: tau }));
      expect(d).toEqual([{ token, probability: 1 }]);
      const chosen = [4 / 7, 2 / 7, 1 / 7][token]!;
      expect(state.mirostatMu).toBeCloseTo(mu - 0.1 * (-Math.log2(chosen) - tau), 6);
    }
  });
});

describe('a chain of warpers', () => {
  it('applies each warper to what the previous one left, in sampler_priority order', () => {
    // top_k 3 then top_p .6: of (4/7, 2/7, 1/7), the first two.
    expectDist(dist(LP, { top_k: 3, top_p: 0.6 }), keep(0, 1));
    // top_p .6 first keeps (0, 1); then min_p .6 on (2/3, 1/3) keeps token 0 only.
    expectDist(dist(LP, { top_p: 0.6, min_p: 0.6 }), keep(0));
    // The same samplers, min_p first: .6 * .5 = .3 keeps token 0 only, then top_p: token 0.
    expectDist(dist(LP, { top_p: 0.6, min_p: 0.6, sampler_priority: ['min_p', 'top_p'] }), keep(0));
  });

  it('temperature first or last changes what min_p keeps', () => {
    // Temperature 3 first flattens the distribution, so min_p .6 keeps three tokens, not two.
    const first = dist(LP, { temperature: 3, min_p: 0.6 });
    const last = dist(LP, { temperature: 3, min_p: 0.6, temperature_last: true });
    const flat = softmax(LPN.map((l) => l / 3));
    const keptFirst = flat.flatMap((p, i) => (p >= 0.6 * flat[0]! ? [i] : []));
    expect(keptFirst).toEqual([0, 1, 2]);
    expect(Object.keys(first).map(Number)).toEqual(keptFirst);
    // Last: min_p .6 on the original distribution keeps token 0 only (.25 < .3).
    expectDist(last, { 0: 1 });
  });
});

describe('issue 11: TGW v1.14 semantics', () => {
  it('tfs counts removed tokens as zeros and drops the last position of the vocabulary, not the last survivor', () => {
    // TGW keeps {0: 0.731, 1: 0.269}: d2 = [0.265, 0.065] over p = [0.665, 0.245, 0.090, 0].
    expectDist(dist([2, 1, 0, -Infinity], { tfs: 0.95 }), renormalized([2, 1, 0], [0, 1]));
    // The same after top_k 3 removed the fourth token.
    expectDist(dist([2, 1, 0, -1], { top_k: 3, tfs: 0.95 }), renormalized([2, 1, 0], [0, 1]));
    // With nothing removed, the last token of the vocabulary goes: one d2 term, cdf [1] > 0.99.
    expectDist(dist([2, 1, 0], { tfs: 0.99 }), { 0: 1 });
  });

  it('mirostat 2 keeps exactly one token when even the best exceeds mu: the lowest id of tied maxima', () => {
    const state = makeState({ rng: fixedRng([0.99]) });
    state.mirostatMu = 0.5; // 2^-0.5 = 0.71 > 0.25 = p of each tied maximum
    const d = candidateDistribution(Float32Array.from([1, 3, 3, 3, 3]), state, defaultSamplingParams({ mirostat_mode: 2 }));
    expect(d).toEqual([{ token: 1, probability: 1 }]);
    expect(state.mirostatMu).toBeCloseTo(0.5 - 0.1 * (0 - 5), 9); // surprise 0: the survivor has p = 1
  });

  it('adaptive-p draws from its transformed distribution and carries its moving average across steps', () => {
    const logits = logitsOf([0.5, 0.3, 0.15, 0.05]);
    const params = defaultSamplingParams({ adaptive_target: 0.3, adaptive_decay: 0.9 });
    const state = makeState({ rng: fixedRng([0.5]) });
    // Equilibrium start: average = target, adapted target = 0.3; x = |p - 0.3| / 0.3.
    const transformed = [0.5, 0.3, 0.15, 0.05].map((p) => {
      const x = Math.abs(p - 0.3) / 0.3;
      return 5 - (10 * x * x) / (1 + x);
    });
    const q = softmax(transformed);
    // u = 0.5 walks the candidates in id order: the first whose cumulative probability exceeds 0.5.
    let cum = 0;
    const expected = q.findIndex((p) => (cum += p) > 0.5);
    const first = candidateDistribution(logits, state, params);
    expect(first).toEqual([{ token: expected, probability: 1 }]);
    const p = [0.5, 0.3, 0.15, 0.05][expected]!;
    expect(state.adaptiveP!.weightedSum).toBeCloseTo(p + 0.9 * (0.3 / 0.1), 6);
    expect(state.adaptiveP!.totalWeight).toBeCloseTo(1 + 0.9 * 10, 9);
    // The next step starts from that state (u = 0.999 picks the last token, p = 0.05).
    const before = { ...state.adaptiveP! };
    const next = { ...state, rng: fixedRng([0.999]) };
    expect(candidateDistribution(logits, next, params)).toEqual([{ token: 3, probability: 1 }]);
    expect(next.adaptiveP!.weightedSum).toBeCloseTo(0.05 + 0.9 * before.weightedSum, 6);
    expect(next.adaptiveP!.totalWeight).toBeCloseTo(1 + 0.9 * before.totalWeight, 9);
  });

  it('adaptive-p at decay 1 behaves as TGW: decay is capped at 0.99', () => {
    const state = makeState({ rng: fixedRng([0.2]) });
    candidateDistribution(logitsOf([0.6, 0.4]), state, defaultSamplingParams({ adaptive_target: 0.5, adaptive_decay: 1 }));
    expect(state.adaptiveP!.totalWeight).toBeCloseTo(1 + 0.99 * 100, 6);
  });
});
