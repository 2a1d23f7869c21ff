/**
 * POST /v1/completions: validate, wait for a slot, run the engine, and answer with one JSON
 * response or an SSE stream.
 *
 * max_tokens_second: the events go through `paceEvents` (pacing.ts); a non-streamed response
 * is then sent when its last token would have been streamed.
 *
 * Cancellation: the request owns an AbortController. It aborts when the client disconnects
 * (while queued or generating, streaming or not) or when --request-timeout passes; the queue
 * drops an aborted waiter and the engine stops within one decoding step.
 */
import { randomBytes } from 'node:crypto';
import { EngineRequestError } from '@textgen-spec/engine';
import type { CompletionEvent, Engine } from '@textgen-spec/engine';
import { parseCompletionRequest } from '@textgen-spec/spec';
import type { NormalizedCompletionRequest } from '@textgen-spec/spec';
import { ApiError } from './errors.js';
import { CompletionCollector, eventChunk, usageChunk } from './format.js';
import type { ResponseContext, StreamShape } from './format.js';
import { readJsonBody, sendJson } from './http.js';
import { paceEvents } from './pacing.js';
import { QueueFullError } from './queue.js';
import type { Release } from './queue.js';
import { modelNotFound } from './routes.js';
import type { RequestContext } from './routes.js';
import { SseStream } from './sse.js';

/** Why a request's AbortController fired. */
class ClientGone extends Error {
  constructor() {
    super('client disconnected');
    this.name = 'ClientGone';
  }
}

class RequestTimedOut extends Error {
  constructor(readonly timeoutMs: number) {
    super('request timed out');
    this.name = 'RequestTimedOut';
  }
}

export async function handleCompletion(context: RequestContext): Promise<void> {
  const { server, req, res } = context;
  const engine = server.requireEngine();
  const body = await readJsonBody(req, server.config.maxBodyBytes);
  const parsed = parseCompletionRequest(body, { profile: server.config.profile });
  if (!parsed.ok) {
    sendJson(res, parsed.status, parsed.error);
    return;
  }
  // The preset's sampler values replace the request's; the engine never sees a preset name.
  const request = server.presets.apply(parsed.value);
  checkServable(context, engine, request);

  const abort = new AbortController();
  const onClose = (): void => {
    if (!res.writableFinished) abort.abort(new ClientGone());
  };
  res.once('close', onClose);
  const timeoutMs = server.config.requestTimeoutMs;
  const timer = timeoutMs > 0 ? setTimeout(() => abort.abort(new RequestTimedOut(timeoutMs)), timeoutMs) : undefined;

  let release: Release | undefined;
  try {
    const queued = performance.now();
    release = await server.queue.acquire(abort.signal);
    context.queueMs = Math.round(performance.now() - queued);
    const responseContext: ResponseContext = {
      id: `cmpl-${randomBytes(12).toString('base64url')}`,
      created: Math.floor(Date.now() / 1000),
      // The compat profile lets `model` be omitted (""): the served model answers.
      model: request.model === '' ? engine.info.id : request.model,
      systemFingerprint: server.systemFingerprint,
    };
    let events = engine.complete(request, { signal: abort.signal });
    if (request.max_tokens_second > 0) {
      // Generation runs ahead at full speed and gives its slot back when it ends; only the
      // delivery is paced, so other requests are not slowed.
      events = paceEvents(events, {
        tokensPerSecond: request.max_tokens_second,
        signal: abort.signal,
        isPaced: generatedText(request),
        onSourceEnd: release,
      });
    }
    if (request.stream) await stream(context, request, events, responseContext, abort.signal);
    else await respond(context, request, events, responseContext);
  } catch (error) {
    throw toApiError(error, abort.signal);
  } finally {
    clearTimeout(timer);
    res.off('close', onClose);
    release?.();
  }
}

/** Which text events are generated tokens: with echo, each choice's first text event is the prompt. */
function generatedText(request: NormalizedCompletionRequest): (event: Extract<CompletionEvent, { type: 'text' }>) => boolean {
  if (!request.echo) return () => true;
  const echoed = new Set<number>();
  return (event) => {
    if (echoed.has(event.index)) return true;
    echoed.add(event.index);
    return false;
  };
}

/** The checks that need the served model: its name, suffix (infilling). */
function checkServable(context: RequestContext, engine: Engine, request: NormalizedCompletionRequest): void {
  if (request.model !== '' && !context.server.modelNames().includes(request.model)) {
    throw modelNotFound(context.server, request.model);
  }
  if (request.suffix !== null && !engine.info.supportsInfill) {
    throw new ApiError(
      400,
      `suffix is not supported: the model '${engine.info.id}' cannot fill in the middle (it has no infilling tokens). Remove suffix or set it to null.`,
      { param: 'suffix', code: 'unsupported_parameter' },
    );
  }
}

async function respond(
  context: RequestContext,
  request: NormalizedCompletionRequest,
  events: AsyncIterable<CompletionEvent>,
  responseContext: ResponseContext,
): Promise<void> {
  const collector = new CompletionCollector(request.prompts.length * request.n, request.logprobs !== null);
  for await (const event of events) {
    collector.add(event);
    if (event.type === 'done') countTokens(context, event);
  }
  sendJson(context.res, 200, collector.toResponse(responseContext));
}

/**
 * Streams the events as SSE. The status line waits for the first event, so an error the
 * engine raises before producing anything (a bad parameter) is still a proper 4xx; after
 * that, an error is an `{"error":...}` event followed by `[DONE]`.
 */
async function stream(
  context: RequestContext,
  request: NormalizedCompletionRequest,
  events: AsyncIterable<CompletionEvent>,
  responseContext: ResponseContext,
  signal: AbortSignal,
): Promise<void> {
  const shape: StreamShape = {
    includeUsage: request.stream_options?.include_usage === true,
    logprobsRequested: request.logprobs !== null,
  };
  const iterator = events[Symbol.asyncIterator]();
  let next = await iterator.next();
  const sse = new SseStream(context.res);
  sse.open();
  try {
    for (; !next.done; next = await iterator.next()) {
      const event = next.value;
      const chunk = eventChunk(responseContext, shape, event);
      if (chunk !== null) await sse.send(chunk);
      if (event.type === 'done') {
        countTokens(context, event);
        if (shape.includeUsage) await sse.send(usageChunk(responseContext, event.usage));
      }
      if (!sse.writable) break;
    }
  } catch (error) {
    if (signal.reason instanceof ClientGone || !sse.writable) return;
    const apiError = toApiError(error, signal);
    if (apiError.status >= 500) {
      context.server.logger.error('completion failed mid-stream', { id: context.id, error: describeError(error) });
    }
    await sse.send(apiError.toBody());
  } finally {
    if (next.done !== true) await iterator.return?.();
  }
  sse.done();
}

function countTokens(context: RequestContext, event: Extract<CompletionEvent, { type: 'done' }>): void {
  context.promptTokens = event.usage.prompt_tokens;
  context.completionTokens = event.usage.completion_tokens;
}

/** Maps what the queue or engine threw to the error the client gets. */
function toApiError(error: unknown, signal: AbortSignal): ApiError {
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
  if (signal.aborted && signal.reason instanceof RequestTimedOut) {
    return new ApiError(
      504,
      `The completion did not finish within the server's request timeout of ${signal.reason.timeoutMs / 1000} s (--request-timeout). Ask for fewer tokens or retry later.`,
      { code: 'request_timeout' },
    );
  }
  if (signal.aborted && signal.reason instanceof ClientGone) {
    // Nobody is listening; the status only shows in the log (as 499).
    return new ApiError(499, 'client disconnected', { code: 'client_disconnected' });
  }
  return new ApiError(500, 'The server had an internal error while generating the completion.', {
    code: 'internal_error',
    cause: error,
  });
}

function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
