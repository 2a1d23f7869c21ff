/**
 * text-generation-webui's internal endpoints as clients use them (SillyTavern's connect check
 * calls model/info, its Stop button stop-generation): `GET /v1/internal/health`,
 * `GET /v1/internal/model/info`, `POST /v1/internal/stop-generation`, `POST /v1/internal/logits`.
 * The model-management ones (list, load, unload) are in model-admin-routes.ts.
 */
import { parseLogitsRequest } from '@textgen-spec/spec';
import type { HealthResponse, LogitsResponse, ModelInfoResponse } from '@textgen-spec/spec';
import { watchRequest } from './cancellation.js';
import { toApiError } from './error-mapping.js';
import { readValidated, sendJson } from './http.js';
import { reportingParser } from './ignored-fields.js';
import type { Release } from './queue.js';
import type { RequestContext } from './request-context.js';

/** The `loader` model/info reports. */
export const LOADER_NAME = 'transformers.js';

/** 200 `{"status":"ok"}` when the server answers (TGW's; /health also waits for the model). */
export async function internalHealth({ res }: RequestContext): Promise<void> {
  const body: HealthResponse = { status: 'ok' };
  sendJson(res, 200, body);
}

/** The loaded model's name, no LoRAs, and the loader; a 503 while a model loads. */
export async function modelInfo({ services, res }: RequestContext): Promise<void> {
  const body: ModelInfoResponse = { model_name: services.requireEngine().info.id, lora_names: [], loader: LOADER_NAME };
  sendJson(res, 200, body);
}

/**
 * Ends every running completion cleanly (each stream gets its last chunks and [DONE]; each
 * choice finishes with `stop`), as TGW's stop-generation does. Answers "OK" as TGW does.
 */
export async function stopGeneration(context: RequestContext): Promise<void> {
  const stopped = await context.services.requireEngine().stopAll();
  context.services.logger.info('stop-generation', { id: context.id, stopped });
  sendJson(context.res, 200, 'OK');
}

/**
 * The next token's probabilities after the prompt: the model's own, or after the request's
 * samplers (`use_samplers`). TGW's shape: a plain object, token text -> probability, most
 * likely first. Takes a completion slot like a completion.
 */
export async function logits(context: RequestContext): Promise<void> {
  const { services } = context;
  const engine = services.requireEngine();
  const parsed = await readValidated(context.req, context.res, services.config.maxBodyBytes, reportingParser(context, parseLogitsRequest));
  if (parsed === null) return;
  const request = services.presets.apply(parsed.request);
  const abort = watchRequest(context.res, services.config.requestTimeoutMs);
  let release: Release | undefined;
  try {
    release = await services.queue.acquire(abort.signal);
    const entries = await engine.nextTokenProbabilities(request, { useSamplers: parsed.use_samplers, top: parsed.top_logits, signal: abort.signal });
    const body: LogitsResponse = Object.create(null) as LogitsResponse;
    for (const { text, probability } of entries) if (!(text in body)) body[text] = probability;
    sendJson(context.res, 200, body);
  } catch (error) {
    throw toApiError(error, { signal: abort.signal, during: 'computing the logits' });
  } finally {
    abort.dispose();
    release?.();
  }
}
