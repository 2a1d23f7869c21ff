/**
 * The wire shape of what `POST /v1/completions` returns: the JSON response, and the chunks of
 * a streamed response.
 *
 * Response objects allow extra properties: real servers add fields (`stop_reason`,
 * `timings`, `system_fingerprint`, `prompt_logprobs`, ...) and clients must tolerate them.
 * See completion-request.ts for the generator tags.
 */

/** Why generation stopped: a stop sequence or end of sequence, the token limit, or a filter. */
export type FinishReason = 'stop' | 'length' | 'content_filter';

/**
 * Character offsets of the tokens.
 * @items.type integer
 * @items.minimum 0
 */
export type TextOffsetList = number[];

/**
 * The most likely tokens at one position: token text -> log probability.
 * @additionalProperties true
 */
export interface TopLogprobs {
  [token: string]: number;
}

/**
 * The legacy logprobs object of a completion choice. The four arrays run in parallel, one
 * entry per token (prompt tokens first when `echo` is set). OpenAI's spec does not mark
 * entries nullable, but with `echo` the first prompt token has no logprob, so real servers
 * (OpenAI included) send `null` there. The strict profile requires all four arrays; the
 * compat profile requires none (TGW v1.14 sent only `top_logprobs`).
 * @additionalProperties true
 * @compat {"required": null}
 */
export interface Logprobs {
  /** The tokens, as text. Concatenated, they give the choice's text. */
  tokens: string[];
  /** Log probability of each token (natural log, <= 0); `null` where there is none. */
  token_logprobs: (number | null)[];
  /**
   * For each position, the `logprobs` most likely tokens (and the sampled one) with their
   * log probabilities; `null` where there are none. Tokens that decode to the same text
   * share one key.
   */
  top_logprobs: (TopLogprobs | null)[];
  /**
   * Character offset of each token in the text. With `echo`, offsets count from the start
   * of the prompt (0); without it, servers differ: vLLM and TGW count from the start of the
   * completion, OpenAI from the start of the prompt.
   */
  text_offset: TextOffsetList;
}

/**
 * Token counts of a request.
 * @additionalProperties true
 */
export interface Usage {
  /**
   * Tokens in the prompt(s), counted once per prompt (not per choice).
   * @TJS-type integer
   * @minimum 0
   */
  prompt_tokens: number;
  /**
   * Tokens generated, over all returned choices.
   * @TJS-type integer
   * @minimum 0
   */
  completion_tokens: number;
  /**
   * `prompt_tokens + completion_tokens`.
   * @TJS-type integer
   * @minimum 0
   */
  total_tokens: number;
}

/**
 * One choice of a (non-streamed) completion.
 * @additionalProperties true
 */
export interface CompletionChoice {
  /** The generated text (preceded by the prompt with `echo`). */
  text: string;
  /**
   * Index of the choice: choices of prompt `i` have indices `i*n` to `i*n + n - 1`.
   * @TJS-type integer
   * @minimum 0
   */
  index: number;
  /** The logprobs object when the request set `logprobs`, otherwise `null`. */
  logprobs: Logprobs | null;
  /** `stop` (stop sequence or end of sequence), `length` (max_tokens or context), or `content_filter`. */
  finish_reason: FinishReason;
}

/**
 * The response of `POST /v1/completions` without `stream`.
 * @additionalProperties true
 */
export interface CompletionResponse {
  /** Unique id of the completion (e.g. `cmpl-...`). */
  id: string;
  /** Always `text_completion`. */
  object: 'text_completion';
  /**
   * Unix time in seconds when the completion was created.
   * @TJS-type integer
   * @minimum 0
   */
  created: number;
  /** The model that produced the completion. */
  model: string;
  /**
   * The choices, ordered by `index`.
   * @minItems 1
   */
  choices: CompletionChoice[];
  /** Identifies the backend configuration; may be absent or null. */
  system_fingerprint?: string | null;
  /** Token counts of the whole request (all prompts and choices). */
  usage?: Usage;
}

/**
 * One choice in a chunk of a streamed completion: the text generated since the previous
 * chunk for that choice.
 * @additionalProperties true
 */
export interface CompletionChunkChoice {
  /** New text for this choice (may be empty). */
  text: string;
  /**
   * Index of the choice the text belongs to.
   * @TJS-type integer
   * @minimum 0
   */
  index: number;
  /** The logprobs of exactly the tokens of this chunk, when requested; otherwise `null`. */
  logprobs: Logprobs | null;
  /** `null` until the choice ends; set on exactly one chunk per choice. */
  finish_reason: FinishReason | null;
}

/**
 * One server-sent event of a streamed completion (`data: <chunk>`); the stream ends with
 * `data: [DONE]`. Chunks share `id`, `created` and `model`.
 * @additionalProperties true
 */
export interface CompletionChunk {
  /** Same id on every chunk of a stream. */
  id: string;
  /** Always `text_completion`, as in the non-streamed response (TGW v1.14 sent `text_completion.chunk`). */
  object: 'text_completion';
  /**
   * Unix time in seconds; the same on every chunk.
   * @TJS-type integer
   * @minimum 0
   */
  created: number;
  /** The model that produces the completion. */
  model: string;
  /** The choices with new text; empty on the usage chunk of `stream_options.include_usage`. */
  choices: CompletionChunkChoice[];
  /** Identifies the backend configuration; may be absent or null. */
  system_fingerprint?: string | null;
  /**
   * `null` on every chunk but the last one when `stream_options.include_usage` is set; that
   * last chunk has `choices: []` and the usage of the whole request.
   */
  usage?: Usage | null;
}
