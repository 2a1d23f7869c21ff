import { SAMPLER_NAMES } from '@textgen-spec/spec';
import { describe, expect, it } from 'vitest';
import { makeState } from './__fixtures__/helpers.js';
import { defaultSamplingParams } from './params.js';
import { createRng } from './rng.js';
import { acceptToken, NoCandidateError, sampleToken } from './sample.js';
import type { SamplingParams } from './types.js';

/**
 * Extreme but valid parameters (the ranges the spec accepts) must never produce NaN, a removed
 * token or an exception: the server would answer a 500.
 */
describe('robustness under extreme parameters (seeded fuzz, 600 cases)', () => {
  it('always returns a token that was a candidate', () => {
    const rng = createRng(4242);
    const r = (): number => rng.next();
    const pick = <T>(values: readonly T[]): T => values[Math.floor(r() * values.length)]!;
    const unit = [0, 1e-300, 1e-9, 0.001, 0.1, 0.5, 0.9, 0.999999, 1];
    const positive = [1e-300, 1e-9, 0.01, 0.5, 1, 2, 10, 1e9, 1e300];
    const any = [-1e300, -5, -1, 0, 0.5, 1, 3, 1e300];
    for (let trial = 0; trial < 600; trial++) {
      const size = 1 + Math.floor(r() * (r() < 0.9 ? 40 : 3000));
      const logits = Float32Array.from({ length: size }, () => (r() < 0.1 ? -Infinity : (r() - 0.5) * pick([0, 1, 20, 1e6])));
      if (!logits.some((l) => l > -Infinity)) logits[0] = 0;
      const params: SamplingParams = defaultSamplingParams({
        temperature: pick([0, ...positive]),
        top_k: pick([0, 1, 2, 5, 1000]),
        top_p: pick(unit),
        min_p: pick(unit),
        typical_p: pick(unit),
        tfs: pick(unit),
        top_a: pick(unit),
        epsilon_cutoff: pick([0, 1, 3, 9, 9999]),
        eta_cutoff: pick([0, 1, 3, 20, 9999]),
        smoothing_factor: pick([0, ...positive]),
        smoothing_curve: pick(any),
        dynamic_temperature: r() < 0.3,
        dynatemp_low: pick([0, ...positive]),
        dynatemp_high: pick([0, ...positive]),
        dynatemp_exponent: pick(any),
        mirostat_mode: pick([0, 1, 2] as const),
        mirostat_tau: pick([0, ...positive]),
        mirostat_eta: pick([0, ...positive]),
        xtc_probability: pick(unit),
        xtc_threshold: pick(unit),
        top_n_sigma: pick([0, ...positive]),
        repetition_penalty: pick(positive),
        presence_penalty: pick([-2, 0, 2]),
        frequency_penalty: pick([-2, 0, 2]),
        encoder_repetition_penalty: pick(positive),
        no_repeat_ngram_size: pick([0, 1, 2, 3]),
        dry_multiplier: pick([0, 0.8, 1e9]),
        dry_base: pick([1, 1.75, 1e9]),
        dry_allowed_length: pick([0, 1, 2, 5]),
        dry_sequence_breakers: pick([[], [[0]], [[1, 2]]]),
        temperature_last: r() < 0.5,
        sampler_priority: r() < 0.5 ? null : [...SAMPLER_NAMES].filter(() => r() < 0.5).sort(() => r() - 0.5),
        logprobs: pick([null, 0, 5, 20]),
      });
      const state = makeState({ prompt: Array.from({ length: 8 }, () => Math.floor(r() * size)), seed: trial });
      for (let step = 0; step < 3; step++) {
        const context = JSON.stringify({ logits: [...logits], params, tokens: state.tokens });
        let result;
        try {
          result = sampleToken(logits, state, params);
        } catch (error) {
          // Only a ban (no_repeat_ngram_size here) may leave nothing, and the error says so.
          expect(error, context).toBeInstanceOf(NoCandidateError);
          expect((error as NoCandidateError).param, context).toBe('no_repeat_ngram_size');
          break;
        }
        expect(Number.isInteger(result.token) && result.token >= 0 && result.token < size, context).toBe(true);
        expect(logits[result.token], context).toBeGreaterThan(-Infinity);
        if (params.logprobs !== null) expect(Number.isNaN(result.logprob), context).toBe(false);
        if (state.mirostatMu !== undefined) expect(Number.isNaN(state.mirostatMu), context).toBe(false);
        acceptToken(state, result.token);
      }
    }
  });
});
