/**
 * The OpenAI error envelope: the body of every 4xx and 5xx response.
 * See completion-request.ts for the generator tags.
 */

/**
 * What went wrong. The strict profile requires all four fields, as OpenAI's spec does. The
 * compat profile also accepts an integer `code` (llama.cpp and vLLM send the HTTP status)
 * and a missing `param` (llama.cpp).
 * @additionalProperties true
 * @compat {"required": ["message", "type"]}
 */
export interface ErrorObject {
  /** A message a person can act on. */
  message: string;
  /** The error class, e.g. `invalid_request_error`, `authentication_error`, `server_error`. */
  type: string;
  /** The request parameter at fault (e.g. `temperature`), or `null`. */
  param: string | null;
  /**
   * A machine-readable code (e.g. `invalid_value`), or `null`.
   * @compat {"type": ["string", "integer", "null"]}
   */
  code: string | null;
}

/**
 * The body of an error response: `{"error": {"message", "type", "param", "code"}}`.
 * (FastAPI's `{"detail": ...}`, which TGW sends for validation errors, and vLLM's flat
 * envelope before 0.10.1 do not match.)
 * @additionalProperties true
 */
export interface ErrorResponse {
  error: ErrorObject;
}
