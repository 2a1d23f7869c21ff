/**
 * Neutral sampling parameters: every sampler off (temperature 1, top_p 1, top_k 0...), do_sample
 * on, defaults of text-generation-webui v1.14 for the knobs that only matter once a sampler is
 * on (dry_base 1.75, mirostat_tau 5...). Convenient for tests, benchmarks and tools; the server
 * builds its params from the normalized request instead.
 */
import type { NormalizedCompletionRequest } from '@textgen-spec/spec';
import type { SamplingParams } from './types.js';

/**
 * Adaptive-p's request parameters, as TGW HEAD defines them (`modules/presets.py`,
 * `modules/ui_parameters.py`): for the spec's schema, which does not carry them yet. Until it
 * does, `samplingParamsFromRequest` leaves adaptive-p off, and sampler_priority cannot name it.
 */
export const ADAPTIVE_P_PARAMS = {
  /** Target probability; 0 turns adaptive-p off. */
  adaptive_target: { default: 0, minimum: 0, maximum: 1 },
  /** Decay of the moving average (TGW clamps it to 0.99 when it applies it). */
  adaptive_decay: { default: 0.9, minimum: 0, maximum: 0.99 },
  /** Its name in sampler_priority, and where the default order puts it. */
  samplerName: 'adaptive_p',
  defaultPriorityAfter: 'min_p',
} as const;

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
    adaptive_target: ADAPTIVE_P_PARAMS.adaptive_target.default,
    adaptive_decay: ADAPTIVE_P_PARAMS.adaptive_decay.default,
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

/** What the sampler needs from the model's tokenizer to build parameters from a request. */
export interface ModelTokenInfo {
  /** The model's end-of-sequence token ids (ban_eos_token bans them; XTC never removes them). */
  eosTokenIds: readonly number[];
  /** Token ids that encode a newline (XTC never removes them). */
  newlineTokenIds: readonly number[];
  /**
   * `request.dry_sequence_breakers`, each tokenized as it reads after other text (for example
   * the tokens of `'a' + breaker` minus those of `'a'`, so SentencePiece adds no leading space).
   * A breaker of several tokens is matched as a sequence.
   */
  drySequenceBreakers: readonly (readonly number[])[];
}

/**
 * SamplingParams for a normalized request: the request's sampler fields as they are, plus
 * suppress_tokens = custom_token_bans (and the EOS ids when ban_eos_token), and the logprob of
 * each chosen token when best_of > n needs it to rank candidates.
 */
export function samplingParamsFromRequest(request: NormalizedCompletionRequest, model: ModelTokenInfo): SamplingParams {
  const suppress = new Set(request.custom_token_bans);
  if (request.ban_eos_token) for (const id of model.eosTokenIds) suppress.add(id);
  return defaultSamplingParams({
    do_sample: request.do_sample,
    temperature: request.temperature,
    temperature_last: request.temperature_last,
    dynamic_temperature: request.dynamic_temperature,
    dynatemp_low: request.dynatemp_low,
    dynatemp_high: request.dynatemp_high,
    dynatemp_exponent: request.dynatemp_exponent,
    smoothing_factor: request.smoothing_factor,
    smoothing_curve: request.smoothing_curve,
    top_k: request.top_k,
    top_p: request.top_p,
    typical_p: request.typical_p,
    epsilon_cutoff: request.epsilon_cutoff,
    eta_cutoff: request.eta_cutoff,
    tfs: request.tfs,
    top_a: request.top_a,
    min_p: request.min_p,
    mirostat_mode: request.mirostat_mode,
    mirostat_tau: request.mirostat_tau,
    mirostat_eta: request.mirostat_eta,
    xtc_threshold: request.xtc_threshold,
    xtc_probability: request.xtc_probability,
    top_n_sigma: request.top_n_sigma,
    sampler_priority: request.sampler_priority,
    repetition_penalty: request.repetition_penalty,
    repetition_penalty_range: request.repetition_penalty_range,
    presence_penalty: request.presence_penalty,
    frequency_penalty: request.frequency_penalty,
    encoder_repetition_penalty: request.encoder_repetition_penalty,
    no_repeat_ngram_size: request.no_repeat_ngram_size,
    dry_multiplier: request.dry_multiplier,
    dry_base: request.dry_base,
    dry_allowed_length: request.dry_allowed_length,
    logit_bias: request.logit_bias,
    logprobs: request.logprobs,
    dry_sequence_breakers: model.drySequenceBreakers.map((b) => [...b]),
    suppress_tokens: [...suppress],
    eos_token_ids: [...model.eosTokenIds],
    newline_token_ids: [...model.newlineTokenIds],
    chosen_logprob: request.best_of > request.n,
  });
}
