/**
 * `POST /v1/internal/sampler-trace` (beyond TGW; the reference server and its playground): the
 * next token's distribution before the sampler chain and after each active stage, in the order
 * the server applies them, so that a client can see what each sampling parameter does.
 * See completion-request.ts for the generator tags.
 */
import type { CompletionRequest } from './completion-request.js';

/**
 * Body of `POST /v1/internal/sampler-trace`: a prompt and the sampling parameters of a
 * completion request (with their ranges, defaults and profile rules); the parameters that only
 * shape a completion's output (n, best_of, echo, logprobs, stream, suffix) are not accepted.
 * `model` is required as in a completion request: in the strict profile only.
 * @compat {"required": ["prompt"]}
 */
export interface SamplerTraceRequest
  extends Omit<CompletionRequest, 'prompt' | 'best_of' | 'echo' | 'logprobs' | 'n' | 'stream' | 'stream_options' | 'suffix'> {
  /** The text whose next token is traced. */
  prompt: string;
  /**
   * How many of the most likely tokens to list at each step.
   * @TJS-type ["integer", "null"]
   * @minimum 1
   * @maximum 100
   * @default 20
   */
  top_logits?: number | null;
}

/** One token of a step: id, text, probability in that step's (renormalized) distribution. */
export interface SamplerTraceToken {
  /** @TJS-type integer */
  token: number;
  text: string;
  /**
   * @minimum 0
   * @maximum 1
   */
  probability: number;
}

/** The distribution after one step of the chain. */
export interface SamplerTraceStep {
  /**
   * `logits` (the model's own distribution, the softmax of its logits), `mask` (after the
   * grammar of `grammar_string`), or the stage's sampler_priority name (`temperature`,
   * `top_k`, `min_p`, ...; also `suppress_tokens` and `logit_bias`).
   */
  stage: string;
  /**
   * How many tokens are still candidates.
   * @TJS-type integer
   * @minimum 0
   */
  candidates: number;
  /** The `top_logits` most likely candidates, most likely first (ties: lower token id). */
  top: SamplerTraceToken[];
}

/**
 * Response of `POST /v1/internal/sampler-trace`.
 * @additionalProperties true
 */
export interface SamplerTraceResponse {
  object: 'sampler_trace';
  /** The model that computed the logits. */
  model: string;
  /**
   * Tokens of the prompt as fed to the model.
   * @TJS-type integer
   * @minimum 0
   */
  prompt_tokens: number;
  /** Greedy parameters (`do_sample: false` or `temperature: 0`): the token is the most likely of the last step, and only the logit processors run. */
  greedy: boolean;
  /** `logits` first, then `mask` when a grammar is given, then one step per active stage in the order applied. A step that leaves no candidate is the last. */
  steps: SamplerTraceStep[];
}
