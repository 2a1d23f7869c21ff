/**
 * Errors the server answers with, and the OpenAI error envelope they turn into:
 * `{"error":{"message","type","param","code"}}`.
 */
import { errorResponse } from '@textgen-spec/spec';
import type { ErrorResponse } from '@textgen-spec/spec';

/** The `type` values this server puts in an error envelope. */
export type ApiErrorType =
  | 'invalid_request_error'
  | 'rate_limit_error'
  | 'timeout_error'
  | 'unavailable_error'
  | 'server_error';

export interface ApiErrorOptions {
  type?: ApiErrorType;
  param?: string | null;
  code?: string | null;
  /** Extra response headers (Retry-After, Allow, WWW-Authenticate...). */
  headers?: Record<string, string>;
  /** The underlying failure (logged for 5xx, never sent to the client). */
  cause?: unknown;
}

/** An error with an HTTP status; the router turns it into an OpenAI error envelope. */
export class ApiError extends Error {
  readonly status: number;
  readonly type: ApiErrorType;
  readonly param: string | null;
  readonly code: string | null;
  readonly headers: Record<string, string>;

  constructor(status: number, message: string, options: ApiErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiError';
    this.status = status;
    this.type = options.type ?? defaultType(status);
    this.param = options.param ?? null;
    this.code = options.code ?? null;
    this.headers = options.headers ?? {};
  }

  /** The JSON body: `{"error":{"message","type","param","code"}}`. */
  toBody(): ErrorResponse {
    return errorResponse(this.message, { type: this.type, param: this.param, code: this.code });
  }
}

/** OpenAI itself answers 401 (invalid_api_key) and 404 (model_not_found) as invalid_request_error. */
function defaultType(status: number): ApiErrorType {
  if (status === 429) return 'rate_limit_error';
  if (status === 503) return 'unavailable_error';
  if (status === 504) return 'timeout_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}
