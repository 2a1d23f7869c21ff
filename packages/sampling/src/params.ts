/**
 * Neutral sampling parameters: every sampler off (temperature 1, top_p 1, top_k 0...), do_sample
 * on, defaults of text-generation-webui v1.14 for the knobs that only matter once a sampler is
 * on (dry_base 1.75, mirostat_tau 5...). Convenient for tests, benchmarks and tools; the server
 * builds its params from the normalized request instead.
 */
import type { SamplingParams } from './types.js';

export function defaultSamplingParams(overrides: Partial<SamplingParams> = {}): SamplingParams {
  return {
    do_sample: true,
    temperature: 1,
    temperature_last: false,
    dynamic_temperature: false,
    dynatemp_low: 1,
    dynatemp_high: 1,
    dynatemp_exponent: 1,
    smoothing_factor: 0,
    smoothing_curve: 1,
    top_k: 0,
    top_p: 1,
    typical_p: 1,
    epsilon_cutoff: 0,
    eta_cutoff: 0,
    tfs: 1,
    top_a: 0,
    min_p: 0,
    mirostat_mode: 0,
    mirostat_tau: 5,
    mirostat_eta: 0.1,
    xtc_threshold: 0.1,
    xtc_probability: 0,
    top_n_sigma: 0,
    sampler_priority: null,
    repetition_penalty: 1,
    repetition_penalty_range: 1024,
    presence_penalty: 0,
    frequency_penalty: 0,
    encoder_repetition_penalty: 1,
    no_repeat_ngram_size: 0,
    dry_multiplier: 0,
    dry_base: 1.75,
    dry_allowed_length: 2,
    dry_sequence_breakers: [],
    logit_bias: {},
    logprobs: null,
    suppress_tokens: [],
    eos_token_ids: [],
    newline_token_ids: [],
    chosen_logprob: false,
    ...overrides,
  };
}
