/**
 * The wire shape of `GET /v1/internal/presets` (beyond TGW, which has no way to list its
 * presets over the API): the server-side presets a request may name in `preset`, with the
 * values each one applies. See completion-request.ts for the generator tags.
 */
import type { CompletionRequest } from './completion-request.js';

/**
 * The request parameters a preset sets: the keys of text-generation-webui v1.14's
 * `default_preset()` (`modules/presets.py`). Applying a preset overwrites every one of them:
 * with the preset's value, or with the default when the preset does not name it.
 */
export type PresetParameter =
  | 'temperature'
  | 'temperature_last'
  | 'dynamic_temperature'
  | 'dynatemp_low'
  | 'dynatemp_high'
  | 'dynatemp_exponent'
  | 'smoothing_factor'
  | 'smoothing_curve'
  | 'top_p'
  | 'min_p'
  | 'top_k'
  | 'repetition_penalty'
  | 'presence_penalty'
  | 'frequency_penalty'
  | 'repetition_penalty_range'
  | 'typical_p'
  | 'tfs'
  | 'top_a'
  | 'epsilon_cutoff'
  | 'eta_cutoff'
  | 'guidance_scale'
  | 'penalty_alpha'
  | 'mirostat_mode'
  | 'mirostat_tau'
  | 'mirostat_eta'
  | 'do_sample'
  | 'encoder_repetition_penalty'
  | 'no_repeat_ngram_size'
  | 'dry_multiplier'
  | 'dry_base'
  | 'dry_allowed_length'
  | 'dry_sequence_breakers'
  | 'sampler_priority';

/** Sampler parameter values, each in a form `POST /v1/completions` accepts. */
export type PresetValues = Pick<CompletionRequest, PresetParameter>;

/**
 * One server-side preset.
 * @additionalProperties true
 */
export interface Preset {
  /** Always `preset`. */
  object: 'preset';
  /** The name a request sends as `preset` (the file name without `.yaml`). */
  name: string;
  /** The values the preset names. */
  values: PresetValues;
  /**
   * Everything a request that names the preset gets: `values`, plus the default of every
   * other preset parameter (a preset resets the sampler parameters it does not name).
   */
  applies: PresetValues;
}

/**
 * The response of `GET /v1/internal/presets`, sorted by name.
 * @additionalProperties true
 */
export interface PresetList {
  /** Always `list`. */
  object: 'list';
  /** The presets. */
  data: Preset[];
}
