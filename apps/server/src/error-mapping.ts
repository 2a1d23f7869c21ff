/**
 * The one mapping from what a handler, the queue or the engine throws to the ApiError the
 * client gets. Every failure path of the server goes through `toApiError`.
 */
import { EngineRequestError, EngineUnavailableError } from '@textgen-spec/engine';
import { ClientGone, RequestTimedOut } from './cancellation.js';
import { ApiError } from './errors.js';
import { QueueFullError } from './queue.js';

export interface ErrorMappingOptions {
  /** The request's abort signal: its reason (timeout, client gone) decides the status. */
  signal?: AbortSignal;
  /** What the server was doing, for the 500 message ("handling the request"). */
  during?: string;
}

/**
 * ApiError as it is; QueueFullError: 429 with Retry-After; EngineRequestError (a request
 * the model cannot honour): 400 naming its parameter; aborted by the request timeout: 504;
 * by a client that left: 499 (only shows in the log); EngineUnavailableError (the model's
 * worker stalled, died or is restarting): 503 with Retry-After; anything else: 500, the error kept as
 * `cause` for the log.
 */
export function toApiError(error: unknown, options: ErrorMappingOptions = {}): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof QueueFullError) {
    return new ApiError(429, error.message, {
      type: 'rate_limit_error',
      code: 'queue_full',
      headers: { 'Retry-After': String(error.retryAfterSeconds) },
    });
  }
  if (error instanceof EngineRequestError) {
    return new ApiError(400, error.message, { param: error.param, code: error.code });
  }
  if (error instanceof EngineUnavailableError) {
    return new ApiError(503, error.message, { code: error.code, headers: { 'Retry-After': '5' } });
  }
  const reason: unknown = options.signal?.aborted ? options.signal.reason : undefined;
  if (reason instanceof RequestTimedOut) {
    return new ApiError(
      504,
      `The completion did not finish within the server's request timeout of ${reason.timeoutMs / 1000} s (--request-timeout). Ask for fewer tokens or retry later.`,
      { code: 'request_timeout' },
    );
  }
  if (reason instanceof ClientGone) {
    // Nobody is listening; the status only shows in the log (as 499).
    return new ApiError(499, 'client disconnected', { code: 'client_disconnected' });
  }
  return new ApiError(500, `The server had an internal error while ${options.during ?? 'handling the request'}.`, {
    code: 'internal_error',
    cause: error,
  });
}

/** An error's stack (or message) for a log line. */
export function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
