/**
 * The normalized completion request: what a validator returns after it has checked a wire
 * request (`CompletionRequest`) and applied every default. Every field is present, every
 * alternative wire form is resolved to one canonical form, and every value is in range.
 *
 * This is the contract between the spec package and everything downstream (sampling,
 * engine, server): downstream code never looks at the raw JSON body.
 *
 * Field names are the wire names (snake_case), so a reader can map each one back to the
 * reference in docs/api.md without a translation table.
 */

/** One prompt after normalization: text, or token ids (already checked to be integers >= 0). */
export type NormalizedPrompt = string | number[];

/**
 * Names accepted in `sampler_priority`. The first twelve are text-generation-webui v1.14's
 * warpers (its default order); the rest are later TGW names (HEAD), which let a request
 * place a logit processor inside the warper order.
 */
export type SamplerName =
  | 'temperature'
  | 'dynamic_temperature'
  | 'quadratic_sampling'
  | 'top_k'
  | 'top_p'
  | 'typical_p'
  | 'epsilon_cutoff'
  | 'eta_cutoff'
  | 'tfs'
  | 'top_a'
  | 'min_p'
  | 'mirostat'
  | 'xtc'
  | 'top_n_sigma'
  | 'repetition_penalty'
  | 'presence_penalty'
  | 'frequency_penalty'
  | 'dry'
  | 'encoder_repetition_penalty'
  | 'no_repeat_ngram';

/** TGW v1.14's default warper order (`modules/presets.py`), plus the later warpers at the end. */
export const DEFAULT_SAMPLER_PRIORITY: readonly SamplerName[] = [
  'temperature',
  'dynamic_temperature',
  'quadratic_sampling',
  'top_k',
  'top_p',
  'typical_p',
  'epsilon_cutoff',
  'eta_cutoff',
  'tfs',
  'top_a',
  'min_p',
  'mirostat',
  'top_n_sigma',
  'xtc',
];

/**
 * A name `sampler_priority` accepts: the sampler chain's names plus `adaptive_p` (TGW HEAD's
 * adaptive-p sampler, a stage of the sampling package that runs after min_p in its default
 * order; left out of DEFAULT_SAMPLER_PRIORITY, which is TGW v1.14's list plus later warpers).
 */
export type SamplerPriorityName = SamplerName | 'adaptive_p';

/** The sampler chain's names (every `SamplerName`); see SAMPLER_PRIORITY_NAMES for the wire. */
export const SAMPLER_NAMES: readonly SamplerName[] = [
  ...DEFAULT_SAMPLER_PRIORITY,
  'repetition_penalty',
  'presence_penalty',
  'frequency_penalty',
  'dry',
  'encoder_repetition_penalty',
  'no_repeat_ngram',
];

/** Every name `sampler_priority` accepts on the wire: the chain's names plus `adaptive_p`. */
export const SAMPLER_PRIORITY_NAMES: readonly SamplerPriorityName[] = [...SAMPLER_NAMES, 'adaptive_p'];

export interface NormalizedStreamOptions {
  include_usage: boolean;
}

/**
 * A completion request with every default applied. Produced by `parseCompletionRequest`
 * (validators) and consumed by the engine and server.
 */
export interface NormalizedCompletionRequest {
  // ---- OpenAI parameters -------------------------------------------------------------
  /** The requested model id; "" when the request left it out (compat profile): the server's default model. */
  model: string;
  /** All four wire forms resolved to a list: one entry per prompt. Never empty. */
  prompts: NormalizedPrompt[];
  /** Candidates generated per prompt; the best `n` by mean token logprob are returned. >= n. */
  best_of: number;
  echo: boolean;
  frequency_penalty: number;
  /** Token id -> additive bias. Empty object when absent. */
  logit_bias: Record<number, number>;
  /** Number of top alternatives per position; null = no logprobs object. */
  logprobs: number | null;
  /** Maximum new tokens per choice (null on the wire resolves to the default, 16). */
  max_tokens: number;
  n: number;
  presence_penalty: number;
  /** null = no seed given (or -1): the engine picks a random one. */
  seed: number | null;
  /** Stop strings, empty strings removed, duplicates kept once. */
  stop: string[];
  stream: boolean;
  /** null when absent (or when not streaming). */
  stream_options: NormalizedStreamOptions | null;
  suffix: string | null;
  temperature: number;
  top_p: number;
  user: string | null;

  // ---- text-generation-webui extensions ----------------------------------------------
  min_p: number;
  /** 0 = disabled. */
  top_k: number;
  typical_p: number;
  tfs: number;
  top_a: number;
  /**
   * Explicit order requested, or null for the default order. Names are validated and
   * de-duplicated; the sampling package decides where unlisted samplers go.
   */
  sampler_priority: SamplerPriorityName[] | null;
  /** Preset name, applied by the server before the request reaches the engine. */
  preset: string | null;
  dynamic_temperature: boolean;
  dynatemp_low: number;
  dynatemp_high: number;
  dynatemp_exponent: number;
  smoothing_factor: number;
  smoothing_curve: number;
  repetition_penalty: number;
  /** Window in tokens for repetition/presence/frequency penalties and DRY; 0 = whole context. */
  repetition_penalty_range: number;
  /** In units of 1e-4, as TGW (3 means 0.0003). */
  epsilon_cutoff: number;
  /** In units of 1e-4, as TGW. */
  eta_cutoff: number;
  guidance_scale: number;
  negative_prompt: string;
  penalty_alpha: number;
  mirostat_mode: 0 | 1 | 2;
  mirostat_tau: number;
  mirostat_eta: number;
  temperature_last: boolean;
  do_sample: boolean;
  encoder_repetition_penalty: number;
  no_repeat_ngram_size: number;
  dry_multiplier: number;
  dry_base: number;
  dry_allowed_length: number;
  /** Breaker strings, from either wire form (TGW's string of quoted strings, or an array). */
  dry_sequence_breakers: string[];
  /** 0 = the model's context length. */
  truncation_length: number;
  /** 0 = unthrottled. */
  max_tokens_second: number;
  prompt_lookup_num_tokens: number;
  /** Token ids, from TGW's "1,2,3" string or an array. */
  custom_token_bans: number[];
  auto_max_new_tokens: boolean;
  ban_eos_token: boolean;
  add_bos_token: boolean;
  skip_special_tokens: boolean;
  /** GBNF grammar text; empty string = no grammar. */
  grammar_string: string;
  xtc_threshold: number;
  xtc_probability: number;
  /** 0 (or negative) = disabled. */
  top_n_sigma: number;
  /** Adaptive-p target probability; 0 = disabled. */
  adaptive_target: number;
  /** Adaptive-p moving-average decay, 0 to 0.99. */
  adaptive_decay: number;
}
