/**
 * Request ids and the one log line per request (never the prompt or the completion).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Logger } from './logger.js';
import type { RequestContext } from './request-context.js';

/** The client's X-Request-Id when it is a short token, else a new `req_...` id. */
export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  if (typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given)) return given;
  return `req_${randomBytes(9).toString('base64url')}`;
}

/** Logs the finished (or abandoned) request; `started` is its performance.now() on arrival. */
export function logRequest(logger: Logger, context: RequestContext, started: number): void {
  const { req, res } = context;
  // 499: the client closed the connection before the response was complete (nginx's code).
  const status = res.writableFinished ? res.statusCode : 499;
  logger.info('request', {
    id: context.id,
    method: req.method,
    path: context.path,
    status,
    prompt_tokens: context.promptTokens,
    completion_tokens: context.completionTokens,
    queue_ms: context.queueMs,
    ttft_ms: context.ttftMs === undefined ? undefined : Math.round(context.ttftMs * 10) / 10,
    ignored_fields: context.ignoredFields?.join(','),
    duration_ms: Math.round(performance.now() - started),
  });
}
