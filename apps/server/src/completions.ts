/**
 * POST /v1/completions: validate, wait for a slot, run the engine, and hand the events to
 * completion-delivery.ts (one JSON response or an SSE stream).
 *
 * max_tokens_second: the events go through `paceEvents` (pacing.ts); a non-streamed response
 * is then sent when its last token would have been streamed.
 *
 * Cancellation: see cancellation.ts. Every failure becomes an HTTP error in error-mapping.ts.
 */
import { randomBytes } from 'node:crypto';
import type { CompletionEvent, Engine } from '@textgen-spec/engine';
import { parseCompletionRequest } from '@textgen-spec/spec';
import type { NormalizedCompletionRequest } from '@textgen-spec/spec';
import { watchRequest } from './cancellation.js';
import { respond, stream } from './completion-delivery.js';
import { ApiError } from './errors.js';
import { toApiError } from './error-mapping.js';
import type { ResponseContext } from './format.js';
import { readValidated } from './http.js';
import { reportIgnored, reportingParser } from './ignored-fields.js';
import { modelNotFound } from './info-routes.js';
import { paceEvents } from './pacing.js';
import type { Release } from './queue.js';
import type { RequestContext } from './request-context.js';

export async function handleCompletion(context: RequestContext): Promise<void> {
  const { services } = context;
  const engine = services.requireEngine();
  const request = await readCompletionRequest(context, engine);
  if (request === null) return;
  const abort = watchRequest(context.res, services.config.requestTimeoutMs);
  let release: Release | undefined;
  let delivering: Release | undefined;
  try {
    const queued = performance.now();
    release = await services.queue.acquire(abort.signal);
    context.queueMs = Math.round(performance.now() - queued);
    const responseContext: ResponseContext = {
      id: `cmpl-${randomBytes(12).toString('base64url')}`,
      created: Math.floor(Date.now() / 1000),
      // The compat profile lets `model` be omitted ("") or name any model: the served model answers.
      model: servedName(context, engine, request.model),
      systemFingerprint: services.systemFingerprint,
    };
    const slot = release;
    // A paced response gives its slot back when generation ends and holds a place in the line until delivered.
    const events = generate(engine, request, abort.signal, () => {
      slot();
      delivering = services.queue.holdDelivery();
    });
    if (request.stream) await stream(context, request, events, responseContext, abort.signal);
    else await respond(context, request, events, responseContext);
  } catch (error) {
    throw toApiError(error, { signal: abort.signal, during: 'generating the completion' });
  } finally {
    abort.dispose();
    release?.();
    delivering?.();
  }
}

/**
 * The validated request with its preset applied, or null when the spec's parser rejected it
 * (the envelope is sent). Throws the 4xx of a request the served model cannot take.
 */
async function readCompletionRequest(context: RequestContext, engine: Engine): Promise<NormalizedCompletionRequest | null> {
  const { services } = context;
  const parsed = await readValidated(context.req, context.res, services.config.maxBodyBytes, reportingParser(context, parseCompletionRequest));
  if (parsed === null) return null;
  // The preset's sampler values replace the request's; the engine never sees a preset name.
  const request = services.presets.apply(parsed);
  checkServable(context, engine, request);
  return request;
}

/**
 * The checks that need the served model, done before the request waits for a slot: its
 * name, and suffix (infilling). The engine refuses a suffix too (it is a library on its
 * own), but this check answers at once, even when the queue is full, and says how to fix it.
 */
function checkServable(context: RequestContext, engine: Engine, request: NormalizedCompletionRequest): void {
  if (request.model !== '' && !context.services.modelNames().includes(request.model)) {
    // TGW documents `model` as unused and serves the loaded model whatever the name; compat
    // does the same and reports the name as ignored. Strict answers as OpenAI: 404.
    if (context.services.config.profile === 'strict') throw modelNotFound(context.services, request.model);
    reportIgnored(context, ['model']);
  }
  if (request.suffix !== null && !engine.info.supportsInfill) {
    throw new ApiError(
      400,
      `suffix is not supported: the model '${engine.info.id}' cannot fill in the middle (it has no infilling tokens). Remove suffix or set it to null.`,
      { param: 'suffix', code: 'unsupported_parameter' },
    );
  }
}

/** The name the response's `model` gives: the requested one when served under it, else the served id. */
function servedName(context: RequestContext, engine: Engine, requested: string): string {
  return requested !== '' && context.services.modelNames().includes(requested) ? requested : engine.info.id;
}

/** The engine's events, paced when max_tokens_second is set (`release` then frees the slot when generation ends). */
function generate(engine: Engine, request: NormalizedCompletionRequest, signal: AbortSignal, release: Release): AsyncIterable<CompletionEvent> {
  const events = engine.complete(request, { signal });
  if (request.max_tokens_second <= 0) return events;
  // Generation runs ahead at full speed and gives its slot back when it ends; only the
  // delivery is paced, so other requests are not slowed.
  return paceEvents(events, {
    tokensPerSecond: request.max_tokens_second,
    signal,
    isPaced: generatedText(request),
    onSourceEnd: release,
  });
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
