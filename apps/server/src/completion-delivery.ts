/**
 * Delivers a completion's engine events: collected into one JSON response, or streamed as
 * SSE. Both record the token counts on the request context for the log line.
 */
import type { CompletionEvent } from '@textgen-spec/engine';
import type { NormalizedCompletionRequest } from '@textgen-spec/spec';
import { ClientGone } from './cancellation.js';
import { describeError, toApiError } from './error-mapping.js';
import { CompletionCollector, eventChunk, usageChunk } from './format.js';
import type { ResponseContext, StreamShape } from './format.js';
import { sendJson } from './http.js';
import type { RequestContext } from './request-context.js';
import { SseStream } from './sse.js';

/** Collects every event, then sends the `text_completion` response. */
export async function respond(
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
export async function stream(
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
  const sse = new SseStream(context.res, context.services.config.writeTimeoutMs);
  sse.open();
  // Time to first token for the log line: the first generated text sent. With echo, each
  // choice's first text event is its prompt, not generated text.
  const echoed = new Set<number>();
  const isGenerated = (event: CompletionEvent): boolean => {
    if (event.type !== 'text') return false;
    if (request.echo && !echoed.has(event.index)) {
      echoed.add(event.index);
      return false;
    }
    return event.text !== '';
  };
  try {
    for (; !next.done; next = await iterator.next()) {
      const first = context.ttftMs === undefined && isGenerated(next.value);
      await sendEvent(context, sse, responseContext, shape, next.value);
      if (first) context.ttftMs = performance.now() - context.arrivedAt;
      if (!sse.writable) break;
    }
  } catch (error) {
    if (signal.reason instanceof ClientGone || !sse.writable) return;
    const apiError = toApiError(error, { signal, during: 'generating the completion' });
    if (apiError.status >= 500) {
      context.services.logger.error('completion failed mid-stream', { id: context.id, error: describeError(error) });
    }
    await sse.send(apiError.toBody());
  } finally {
    if (next.done !== true) await iterator.return?.();
  }
  sse.done();
}

/** Sends one event's chunk; the `done` event sends the usage chunk when include_usage is set. */
async function sendEvent(
  context: RequestContext,
  sse: SseStream,
  responseContext: ResponseContext,
  shape: StreamShape,
  event: CompletionEvent,
): Promise<void> {
  const chunk = eventChunk(responseContext, shape, event);
  if (chunk !== null) await sse.send(chunk);
  if (event.type === 'done') {
    countTokens(context, event);
    if (shape.includeUsage) await sse.send(usageChunk(responseContext, event.usage));
  }
}

function countTokens(context: RequestContext, event: Extract<CompletionEvent, { type: 'done' }>): void {
  context.promptTokens = event.usage.prompt_tokens;
  context.completionTokens = event.usage.completion_tokens;
}
