/**
 * The parameters a server-side preset sets (see types/presets.ts), as a runtime list.
 */
import type { PresetParameter } from './types/presets.js';

const LIST = [
  'temperature',
  'temperature_last',
  'dynamic_temperature',
  'dynatemp_low',
  'dynatemp_high',
  'dynatemp_exponent',
  'smoothing_factor',
  'smoothing_curve',
  'top_p',
  'min_p',
  'top_k',
  'repetition_penalty',
  'presence_penalty',
  'frequency_penalty',
  'repetition_penalty_range',
  'typical_p',
  'tfs',
  'top_a',
  'epsilon_cutoff',
  'eta_cutoff',
  'guidance_scale',
  'penalty_alpha',
  'mirostat_mode',
  'mirostat_tau',
  'mirostat_eta',
  'do_sample',
  'encoder_repetition_penalty',
  'no_repeat_ngram_size',
  'dry_multiplier',
  'dry_base',
  'dry_allowed_length',
  'dry_sequence_breakers',
  'sampler_priority',
] as const satisfies readonly PresetParameter[];

/**
 * Every `PresetParameter`, in the order of text-generation-webui v1.14's `default_preset()`.
 * A preset overwrites each of these in a request, and nothing else.
 */
export const PRESET_PARAMETERS: readonly PresetParameter[] = Object.freeze([...LIST]);

// Every PresetParameter is listed: this line stops compiling when one is missing.
type Missing = Exclude<PresetParameter, (typeof LIST)[number]>;
const complete: [Missing] extends [never] ? true : Missing = true;
void complete;
