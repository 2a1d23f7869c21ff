/**
 * `POST /v1/internal/sampler-trace` (beyond TGW): the next token's distribution before the
 * sampler chain and after each active stage, in the order the server applies them. The body is
 * parsed like a completion's sampling parameters (presets applied, the model name checked) and
 * takes a slot of the queue like a completion: it runs the model once over the prompt.
 */
import type { SamplerTraceResponse } from '@textgen-spec/spec';
import { parseSamplerTraceRequest } from '@textgen-spec/spec';
import { watchRequest } from './cancellation.js';
import { toApiError } from './error-mapping.js';
import { readValidated, sendJson } from './http.js';
import { modelNotFound } from './info-routes.js';
import type { Release } from './queue.js';
import type { RequestContext } from './request-context.js';

export async function samplerTrace(context: RequestContext): Promise<void> {
  const { services } = context;
  const engine = services.requireEngine();
  const parsed = await readValidated(context.req, context.res, services.config.maxBodyBytes, (body) =>
    parseSamplerTraceRequest(body, { profile: services.config.profile }),
  );
  if (parsed === null) return;
  const request = services.presets.apply(parsed.request);
  if (request.model !== '' && !services.modelNames().includes(request.model)) throw modelNotFound(services, request.model);
  const abort = watchRequest(context.res, services.config.requestTimeoutMs);
  let release: Release | undefined;
  try {
    release = await services.queue.acquire(abort.signal);
    const trace = await engine.samplerTrace(request, { top: parsed.topLogits, signal: abort.signal });
    context.promptTokens = trace.promptTokens;
    const body: SamplerTraceResponse = {
      object: 'sampler_trace',
      model: request.model === '' ? engine.info.id : request.model,
      prompt_tokens: trace.promptTokens,
      greedy: trace.greedy,
      steps: trace.steps,
    };
    sendJson(context.res, 200, body);
  } catch (error) {
    throw toApiError(error, { signal: abort.signal, during: 'tracing the sampler chain' });
  } finally {
    abort.dispose();
    release?.();
  }
}
