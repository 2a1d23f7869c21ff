/**
 * The contract of the sampling package: one function per decoding step,
 * `(logits, sequence state, params) -> { token, logprobs }`.
 *
 * The package knows nothing about models or tokenizers: the engine tokenizes what needs
 * tokenizing (DRY sequence breakers) and merges the ban lists before calling in.
 */
import type { NormalizedCompletionRequest, SamplerName } from '@textgen-spec/spec';

/** The request fields the sampler chain reads, with the same names and units as the wire. */
export type SamplingRequestFields = Pick<
  NormalizedCompletionRequest,
  | 'do_sample'
  | 'temperature'
  | 'temperature_last'
  | 'dynamic_temperature'
  | 'dynatemp_low'
  | 'dynatemp_high'
  | 'dynatemp_exponent'
  | 'smoothing_factor'
  | 'smoothing_curve'
  | 'top_k'
  | 'top_p'
  | 'typical_p'
  | 'epsilon_cutoff'
  | 'eta_cutoff'
  | 'tfs'
  | 'top_a'
  | 'min_p'
  | 'mirostat_mode'
  | 'mirostat_tau'
  | 'mirostat_eta'
  | 'xtc_threshold'
  | 'xtc_probability'
  | 'top_n_sigma'
  | 'sampler_priority'
  | 'repetition_penalty'
  | 'repetition_penalty_range'
  | 'presence_penalty'
  | 'frequency_penalty'
  | 'encoder_repetition_penalty'
  | 'no_repeat_ngram_size'
  | 'dry_multiplier'
  | 'dry_base'
  | 'dry_allowed_length'
  | 'logit_bias'
  | 'logprobs'
>;

/** A name `sampler_priority` may hold: the spec's names, plus adaptive_p (TGW HEAD). */
export type SamplerStageName = SamplerName | 'adaptive_p';

/** Everything one step needs besides the logits and the sequence state. */
export interface SamplingParams extends Omit<SamplingRequestFields, 'sampler_priority'> {
  /** The warper order; null: `DEFAULT_WARPER_ORDER`. See `order.ts`. */
  sampler_priority: readonly SamplerStageName[] | null;
  /**
   * Adaptive-p (TGW HEAD): the target probability, in [0, 1]; 0 turns it off. Not a request field
   * of the spec yet: see `ADAPTIVE_P_PARAMS`.
   */
  adaptive_target: number;
  /** Adaptive-p: decay of the moving average of chosen-token probabilities, in [0, 0.99]. */
  adaptive_decay: number;
  /**
   * DRY sequence breakers as token-id sequences (the engine tokenizes each breaker string).
   * A breaker of several tokens is matched as a sequence.
   */
  dry_sequence_breakers: number[][];
  /** Token ids that may never be sampled: custom_token_bans, plus EOS when ban_eos_token. */
  suppress_tokens: number[];
  /** Token ids that end the sequence (so XTC can refuse to remove them, as TGW does). */
  eos_token_ids: number[];
  /** Token ids of newline tokens (XTC keeps them too). */
  newline_token_ids: number[];
  /**
   * Compute `StepResult.logprob` even when `logprobs` is null (best_of ranks candidates by their
   * mean token logprob). Absent or false: the raw logits are not softmaxed unless `logprobs` asks.
   */
  chosen_logprob?: boolean;
}

/** Deterministic pseudo-random source; see `rng.ts` for the algorithm. */
export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** The full internal state, to snapshot and restore (speculative decoding needs this). */
  getState(): number[];
  setState(state: readonly number[]): void;
}

/** Per-sequence state: n sequences in one batch never share any of it. */
export interface SequenceState {
  /** Tokens of the prompt as fed to the model (encoder_repetition_penalty reads these). */
  readonly promptTokens: readonly number[];
  /** The whole context so far: prompt tokens followed by every accepted token. */
  readonly tokens: number[];
  readonly rng: Rng;
  /** Mirostat's mu; undefined until the first mirostat step initialises it to 2 * tau. */
  mirostatMu: number | undefined;
  /** Adaptive-p's moving average; undefined until the first adaptive-p step initialises it. */
  adaptiveP: AdaptivePState | undefined;
}

/**
 * Adaptive-p's exponential moving average of the original probability of each chosen token:
 * average = weightedSum / totalWeight.
 */
export interface AdaptivePState {
  weightedSum: number;
  totalWeight: number;
}

export interface TokenLogprob {
  token: number;
  logprob: number;
}

export interface StepResult {
  token: number;
  /**
   * Log-probability of the chosen token at the capture point: log-softmax of the model's raw
   * logits, before any processor or warper (what vLLM and llama.cpp report). null unless
   * `params.logprobs` is not null or `params.chosen_logprob` is true: a full softmax of a 150k
   * vocabulary costs more than the whole default sampler chain, so it is only paid when asked.
   */
  logprob: number | null;
  /** The `params.logprobs` most likely tokens at the same capture point, best first; absent when logprobs is null. */
  top_logprobs?: TokenLogprob[];
}

/**
 * An extra mask applied before the chain (grammar, contrastive search candidates...).
 * It may set logits to -Infinity in place. If it leaves no finite logit, `sampleToken` throws
 * `NoCandidateError` (stage 'mask'). It must not advance any state of its own: on that error
 * path it is called a second time to find which step removed the last token.
 */
export type LogitsMask = (logits: Float32Array, state: SequenceState) => void;

export type { SamplerName };
