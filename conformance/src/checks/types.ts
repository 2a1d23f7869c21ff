/**
 * What a check is: a stable id, a level, the feature it belongs to, documentation (what it
 * sends, what it expects, why, and where that comes from) and the code that runs it.
 */
import type { CheckContext } from './context.js';

/**
 * - MUST: the OpenAI specification says so.
 * - SHOULD: what the major servers (vLLM, llama.cpp, TGW) and their test suites agree on.
 * - EXT: a text-generation-webui extension parameter does what TGW documents.
 * - INFO: a fact worth reporting; never fails a run (a deviation is a warning).
 */
export type Level = 'MUST' | 'SHOULD' | 'EXT' | 'INFO';

export const LEVELS: readonly Level[] = ['MUST', 'SHOULD', 'EXT', 'INFO'];

/** `strict` holds a server to OpenAI's limits; `compat` accepts what real servers accept. */
export type Profile = 'strict' | 'compat';

/**
 * - pass: the server behaves as required.
 * - fail: it does not (a MUST, SHOULD or EXT requirement is broken).
 * - warn: an INFO-level deviation, or a check that could not decide; never fails a run.
 * - unsupported: the server rejected an optional feature cleanly (4xx with an error envelope).
 * - skip: the check could not apply (a precondition is missing, e.g. no tokenizer endpoint).
 * - error: the runner itself broke; reported, and it fails the run.
 */
export type Verdict = 'pass' | 'fail' | 'warn' | 'unsupported' | 'skip' | 'error';

export const VERDICTS: readonly Verdict[] = ['pass', 'fail', 'warn', 'unsupported', 'skip', 'error'];

/** A check definition. Checks are code; see registry.ts for the list. */
export interface CheckDef {
  /** Stable id, `<area>.<name>` in kebab-case, e.g. `stop.earliest-match`. Never reused. */
  id: string;
  /** One line: what the server must do. */
  title: string;
  level: Level;
  /** The level holds only in the strict profile; in compat the check is INFO. */
  strictOnly?: boolean;
  /** Feature (one row of the compatibility matrix), see FEATURES. */
  feature: string;
  /** Extra selectors for --only/--skip, e.g. "stream", "tokenizer". */
  tags?: string[];
  /**
   * The feature is optional: when the server rejects the check's request cleanly (4xx and
   * an OpenAI error envelope) the verdict is `unsupported` instead of `fail`.
   */
  optional?: boolean;
  /** What the check sends (docs). */
  sends: string;
  /** What it expects back (docs). */
  expects: string;
  /** Why: the spec sentence, the issue or the pain point behind it. */
  source: string;
  /**
   * Runs after every other check of the run (the wire.* checks, which report what the
   * others received). Such checks ignore --only but honour --skip.
   */
  runsLast?: boolean;
  /** Runs the check; resolves to an optional note (pass) or throws an Outcome. */
  run(ctx: CheckContext): Promise<string | void>;
}

/** Ends a check with a verdict other than pass. */
export class Outcome extends Error {
  constructor(
    readonly verdict: Exclude<Verdict, 'pass' | 'error'>,
    message: string,
  ) {
    super(message);
    this.name = 'Outcome';
  }
}

/**
 * A clean refusal: a 4xx with an OpenAI error envelope. It is a failure for a core feature
 * and `unsupported` for an optional one; shared oracles raise it so that each check that
 * uses them decides by its own `optional` flag.
 */
export class Declined extends Outcome {
  constructor(
    message: string,
    /** The text used when the refusal counts as `unsupported`. */
    readonly declined: string,
  ) {
    super('fail', message);
    this.name = 'Declined';
  }
}

/** The server broke the requirement. */
export function fail(message: string): never {
  throw new Outcome('fail', message);
}

/** The check does not apply here (a precondition is missing). */
export function skip(reason: string): never {
  throw new Outcome('skip', reason);
}

/** The server cleanly declined an optional feature. */
export function unsupported(message: string): never {
  throw new Outcome('unsupported', message);
}

/** A deviation worth reporting that does not break a requirement, or an inconclusive check. */
export function warn(message: string): never {
  throw new Outcome('warn', message);
}

/** Fails with `message` unless `condition` holds. */
export function check(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) fail(typeof message === 'function' ? message() : message);
}

/** A feature: one row of the compatibility matrix. */
export interface FeatureDef {
  id: string;
  title: string;
  /** The OpenAI API (core) or a text-generation-webui extension. */
  group: 'openai' | 'tgw';
}

/** Every feature, in report order. */
export const FEATURES: readonly FeatureDef[] = [
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
  { id: 'wire', title: 'Every response and chunk matches the schema', group: 'openai' },
];
