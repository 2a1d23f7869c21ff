/**
 * Neutral sampling parameters: every sampler off (temperature 1, top_p 1, top_k 0...), do_sample
 * on, defaults of text-generation-webui v1.14 for the knobs that only matter once a sampler is
 * on (dry_base 1.75, mirostat_tau 5...). Convenient for tests, benchmarks and tools; the server
 * builds its params from the normalized request instead.
 */
import type { NormalizedCompletionRequest } from '@textgen-spec/spec';
import { STAGES } from './stages.js';
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
 * The request fields copied as they are (same names and units): the parameters of every stage
 * in the stage table that the request carries, and the fields that decide the order and the
 * output. Derived from the table, so a new stage's request fields are copied without a change here.
 */
const COPIED_FIELDS: readonly (keyof SamplingParams)[] = [
  ...new Set<keyof SamplingParams>(['do_sample', 'temperature_last', 'sampler_priority', 'logprobs', ...STAGES.flatMap((s) => s.params)]),
];

/**
 * SamplingParams for a normalized request: the request's sampler fields as they are, plus
 * suppress_tokens = custom_token_bans (and the EOS ids when ban_eos_token), the model's token ids
 * (DRY breakers, EOS, newline), and the logprob of each chosen token when best_of > n needs it to
 * rank candidates.
 */
export function samplingParamsFromRequest(request: NormalizedCompletionRequest, model: ModelTokenInfo): SamplingParams {
  const fields = request as unknown as Record<string, unknown>;
  const copied: Record<string, unknown> = {};
  for (const key of COPIED_FIELDS) if (key in fields) copied[key] = fields[key];
  const suppress = new Set(request.custom_token_bans);
  if (request.ban_eos_token) for (const id of model.eosTokenIds) suppress.add(id);
  return defaultSamplingParams({
    ...(copied as Partial<SamplingParams>),
    dry_sequence_breakers: model.drySequenceBreakers.map((b) => [...b]),
    suppress_tokens: [...suppress],
    eos_token_ids: [...model.eosTokenIds],
    newline_token_ids: [...model.newlineTokenIds],
    chosen_logprob: request.best_of > request.n,
  });
}
