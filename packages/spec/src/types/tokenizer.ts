/**
 * The tokenizer endpoints, named and shaped as text-generation-webui names them:
 * `POST /v1/internal/encode`, `POST /v1/internal/decode`, `POST /v1/internal/token-count`.
 * They use the tokenizer of the loaded model, so a client can build token-id prompts and
 * logit_bias keys, and count tokens against the context. (llama.cpp's equivalents are
 * `/tokenize` and `/detokenize` with `content` and `tokens`.)
 * See completion-request.ts for the generator tags.
 */

/**
 * Token ids.
 * @items.type integer
 * @items.minimum 0
 */
export type TokenIds = number[];

/** Body of `POST /v1/internal/encode`. */
export interface EncodeRequest {
  /** The text to tokenize. The BOS token is added as for a completion prompt with `add_bos_token: true`. */
  text: string;
}

/**
 * Response of `POST /v1/internal/encode`.
 * @additionalProperties true
 */
export interface EncodeResponse {
  /** The token ids of the text. */
  tokens: TokenIds;
  /**
   * Number of tokens (`tokens.length`).
   * @TJS-type integer
   * @minimum 0
   */
  length: number;
}

/** Body of `POST /v1/internal/decode`. */
export interface DecodeRequest {
  /** The token ids to turn back into text. Ids outside the vocabulary are rejected by the server. */
  tokens: TokenIds;
}

/**
 * Response of `POST /v1/internal/decode`.
 * @additionalProperties true
 */
export interface DecodeResponse {
  /** The decoded text. */
  text: string;
}

/** Body of `POST /v1/internal/token-count` (TGW reuses the encode request). */
export interface TokenCountRequest {
  /** The text whose tokens to count, tokenized as by `/v1/internal/encode`. */
  text: string;
}

/**
 * Response of `POST /v1/internal/token-count`.
 * @additionalProperties true
 */
export interface TokenCountResponse {
  /**
   * Number of tokens in the text.
   * @TJS-type integer
   * @minimum 0
   */
  length: number;
}
