/**
 * text-generation-webui's internal endpoints that clients use besides the tokenizer ones
 * (SillyTavern's connect check and Stop button among them), shaped as TGW shapes them:
 * `GET /v1/internal/health`, `GET /v1/internal/model/info`, `POST /v1/internal/stop-generation`,
 * `POST /v1/internal/logits`, `GET /v1/internal/model/list`, `POST /v1/internal/model/load`,
 * `POST /v1/internal/model/unload`. See completion-request.ts for the generator tags.
 */
import type { CompletionRequest } from './completion-request.js';

/**
 * Response of `GET /v1/internal/health`.
 * @additionalProperties true
 */
export interface HealthResponse {
  /** Always "ok" when the server answers. */
  status: 'ok';
}

/**
 * Response of `GET /v1/internal/model/info`: the loaded model.
 * @additionalProperties true
 */
export interface ModelInfoResponse {
  /** Name of the loaded model (TGW: its folder name; "None" when no model is loaded). */
  model_name: string;
  /** LoRA adapters applied (always empty on the reference server). */
  lora_names: string[];
  /** The loader in use (TGW: "llama.cpp", "Transformers"...; the reference server: "transformers.js"). */
  loader?: string;
}

/**
 * Response of `GET /v1/internal/model/list` (admin key): the models `model/load` can load.
 * @additionalProperties true
 */
export interface ModelNameList {
  model_names: string[];
}

/** Body of `POST /v1/internal/model/load` (admin key). */
export interface LoadModelRequest {
  /** One of the names `GET /v1/internal/model/list` returns. */
  model_name: string;
  /**
   * Loader settings (TGW: its loader flags, e.g. `{"n_gpu_layers": 12}`). The reference server
   * takes `dtype` and `device`; other keys are rejected.
   */
  args?: LoadModelArgs | null;
}

/** Loader settings of `model/load` that the reference server takes. */
export interface LoadModelArgs {
  /** Weight precision. */
  dtype?: 'auto' | 'fp32' | 'fp16' | 'q8' | 'q4';
  /** Where inference runs. */
  device?: 'cpu' | 'webgpu';
}

/**
 * Body of `POST /v1/internal/logits`: a prompt and TGW's generation options (every sampler
 * parameter of a completion request). Returns the probabilities of the next token.
 */
export interface LogitsRequest
  extends Omit<CompletionRequest, 'model' | 'prompt' | 'best_of' | 'echo' | 'logprobs' | 'n' | 'stream' | 'stream_options' | 'suffix'> {
  /** The text whose next token is predicted (TGW accepts only a string). */
  prompt: string;
  /** Unused, as in TGW; accepted so that clients can send it. */
  model?: string;
  /**
   * false: the model's own distribution (softmax of the raw logits). true: the distribution
   * left after the request's samplers (temperature, top_k, min_p...), as TGW computes it with
   * one generation step.
   * @default false
   */
  use_samplers?: boolean;
  /**
   * How many of the most likely tokens to return.
   * @TJS-type ["integer", "null"]
   * @minimum 1
   * @maximum 1000
   * @default 50
   */
  top_logits?: number | null;
}

/**
 * Response of `POST /v1/internal/logits`: token text -> probability, most likely first (as
 * TGW returns it: a plain object, not wrapped). Two tokens with the same text keep the more
 * likely one.
 * @additionalProperties {"type": "number", "minimum": 0, "maximum": 1}
 */
export interface LogitsResponse {
  [token: string]: number;
}
