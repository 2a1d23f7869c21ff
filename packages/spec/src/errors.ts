import type { ErrorResponse } from './types/error-response.js';

export interface ErrorResponseOptions {
  /** Error class; defaults to `invalid_request_error`. */
  type?: string;
  /** The request parameter at fault; defaults to `null`. */
  param?: string | null;
  /** A machine-readable code; defaults to `null`. */
  code?: string | null;
}

/** Builds the OpenAI error envelope `{"error": {"message", "type", "param", "code"}}`. */
export function errorResponse(message: string, options: ErrorResponseOptions = {}): ErrorResponse {
  return {
    error: {
      message,
      type: options.type ?? 'invalid_request_error',
      param: options.param ?? null,
      code: options.code ?? null,
    },
  };
}

/** A failed parse: the HTTP status (4xx) and the error envelope to answer. */
export type ParseFailure = { ok: false; status: number; error: ErrorResponse };

/**
 * The outcome of parsing a request body: the typed value, or a 400 with the error envelope.
 * `ignored` lists the top-level fields the parser dropped as unknown (`unknownFields:
 * 'ignore'`), in body order; absent or empty when none were.
 * The one definition: other packages import it rather than declare their own.
 */
export type ParseResult<T> = { ok: true; value: T; ignored?: readonly string[] } | ParseFailure;

/** A failed `ParseResult` with status 400. */
export function invalid(message: string, param: string | null, code = 'invalid_value'): ParseFailure {
  return { ok: false, status: 400, error: errorResponse(message, { param, code }) };
}
