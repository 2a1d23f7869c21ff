/**
 * The features of the compatibility matrix (one row each), in report order. Imports nothing.
 */

/** A feature: one row of the compatibility matrix. */
export interface FeatureDef {
  id: FeatureId;
  title: string;
  /** The OpenAI API (core) or a text-generation-webui extension. */
  group: 'openai' | 'tgw';
}

const FEATURE_LIST = [
  { id: 'completions', title: 'Response shape and usage', group: 'openai' },
  { id: 'models', title: 'GET /v1/models', group: 'openai' },
  { id: 'errors', title: 'Error envelope and status codes', group: 'openai' },
  { id: 'max_tokens', title: 'max_tokens', group: 'openai' },
  { id: 'stop', title: 'stop', group: 'openai' },
  { id: 'echo', title: 'echo', group: 'openai' },
  { id: 'logprobs', title: 'logprobs', group: 'openai' },
  { id: 'seed', title: 'seed and determinism', group: 'openai' },
  { id: 'streaming', title: 'Streaming (SSE)', group: 'openai' },
  { id: 'stream_options', title: 'stream_options.include_usage', group: 'openai' },
  { id: 'n', title: 'n', group: 'openai' },
  { id: 'best_of', title: 'best_of', group: 'openai' },
  { id: 'batch', title: 'Batch prompts (array of strings)', group: 'openai' },
  { id: 'token_prompts', title: 'Token-array prompts', group: 'openai' },
  { id: 'logit_bias', title: 'logit_bias', group: 'openai' },
  { id: 'suffix', title: 'suffix', group: 'openai' },
  { id: 'sampling', title: 'temperature, top_p, presence and frequency penalties', group: 'openai' },
  { id: 'top_k', title: 'top_k', group: 'tgw' },
  { id: 'min_p', title: 'min_p', group: 'tgw' },
  { id: 'typical_p', title: 'typical_p', group: 'tgw' },
  { id: 'tfs', title: 'tfs', group: 'tgw' },
  { id: 'top_a', title: 'top_a', group: 'tgw' },
  { id: 'epsilon_cutoff', title: 'epsilon_cutoff', group: 'tgw' },
  { id: 'eta_cutoff', title: 'eta_cutoff', group: 'tgw' },
  { id: 'top_n_sigma', title: 'top_n_sigma', group: 'tgw' },
  { id: 'xtc', title: 'xtc_threshold, xtc_probability', group: 'tgw' },
  { id: 'dynamic_temperature', title: 'dynamic_temperature, dynatemp_*', group: 'tgw' },
  { id: 'smoothing', title: 'smoothing_factor, smoothing_curve', group: 'tgw' },
  { id: 'mirostat', title: 'mirostat_mode, mirostat_tau, mirostat_eta', group: 'tgw' },
  { id: 'adaptive_p', title: 'adaptive-p (adaptive_target)', group: 'tgw' },
  { id: 'temperature_last', title: 'temperature_last', group: 'tgw' },
  { id: 'sampler_priority', title: 'sampler_priority', group: 'tgw' },
  { id: 'do_sample', title: 'do_sample', group: 'tgw' },
  { id: 'repetition_penalty', title: 'repetition_penalty, repetition_penalty_range', group: 'tgw' },
  { id: 'encoder_repetition_penalty', title: 'encoder_repetition_penalty', group: 'tgw' },
  { id: 'no_repeat_ngram', title: 'no_repeat_ngram_size', group: 'tgw' },
  { id: 'dry', title: 'DRY (dry_multiplier, dry_base, dry_allowed_length, dry_sequence_breakers)', group: 'tgw' },
  { id: 'custom_token_bans', title: 'custom_token_bans', group: 'tgw' },
  { id: 'ban_eos_token', title: 'ban_eos_token', group: 'tgw' },
  { id: 'auto_max_new_tokens', title: 'auto_max_new_tokens', group: 'tgw' },
  { id: 'truncation_length', title: 'truncation_length', group: 'tgw' },
  { id: 'add_bos_token', title: 'add_bos_token', group: 'tgw' },
  { id: 'skip_special_tokens', title: 'skip_special_tokens', group: 'tgw' },
  { id: 'grammar', title: 'grammar_string', group: 'tgw' },
  { id: 'guidance', title: 'guidance_scale, negative_prompt', group: 'tgw' },
  { id: 'contrastive_search', title: 'penalty_alpha (contrastive search)', group: 'tgw' },
  { id: 'prompt_lookup', title: 'prompt_lookup_num_tokens', group: 'tgw' },
  { id: 'max_tokens_second', title: 'max_tokens_second', group: 'tgw' },
  { id: 'preset', title: 'preset', group: 'tgw' },
  { id: 'clients', title: "Real clients' request bodies (SillyTavern)", group: 'tgw' },
  { id: 'internal_api', title: 'TGW internal API (health, model/info, logits, stop-generation)', group: 'tgw' },
  { id: 'wire', title: 'Every response and chunk matches the schema', group: 'openai' },
] as const satisfies readonly { id: string; title: string; group: 'openai' | 'tgw' }[];

/** A feature id; an unknown id in a check definition is a compile error. */
export type FeatureId = (typeof FEATURE_LIST)[number]['id'];

/** Every feature, in report order. */
export const FEATURES: readonly FeatureDef[] = FEATURE_LIST;
