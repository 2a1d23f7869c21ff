/**
 * The route table and the small handlers: health, models, tokenizer endpoints.
 * POST /v1/completions is in completions.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EngineRequestError } from '@textgen-spec/engine';
import type { Engine } from '@textgen-spec/engine';
import { getOpenApiDocument, parseDecodeRequest, parseEncodeRequest, parseTokenCountRequest } from '@textgen-spec/spec';
import type { Model, ModelList, PresetList } from '@textgen-spec/spec';
import { handleCompletion } from './completions.js';
import { ApiError } from './errors.js';
import { readJsonBody, sendJson } from './http.js';
import type { TextgenServer } from './server.js';

/** One request as the handlers see it; handlers fill in the token counts for the log line. */
export interface RequestContext {
  server: TextgenServer;
  req: IncomingMessage;
  res: ServerResponse;
  /** Request id (X-Request-Id). */
  id: string;
  path: string;
  promptTokens: number | undefined;
  completionTokens: number | undefined;
  /** Milliseconds a completion waited for a slot. */
  queueMs: number | undefined;
}

export interface Route {
  method: 'GET' | 'POST';
  /** Exact path, or a prefix when it ends with '/' (the rest is a parameter). */
  path: string;
  /** Whether the API key is required (everything but /health and /openapi.json). */
  auth: boolean;
  handle(context: RequestContext): Promise<void>;
}

export const ROUTES: readonly Route[] = [
  { method: 'GET', path: '/health', auth: false, handle: health },
  { method: 'GET', path: '/v1/models', auth: true, handle: listModels },
  { method: 'GET', path: '/v1/models/', auth: true, handle: getModel },
  { method: 'POST', path: '/v1/completions', auth: true, handle: handleCompletion },
  { method: 'POST', path: '/v1/internal/encode', auth: true, handle: encode },
  { method: 'POST', path: '/v1/internal/decode', auth: true, handle: decode },
  { method: 'POST', path: '/v1/internal/token-count', auth: true, handle: tokenCount },
  { method: 'GET', path: '/v1/internal/presets', auth: true, handle: listPresets },
  { method: 'GET', path: '/openapi.json', auth: false, handle: openApi },
];

/** The spec's OpenAPI document of the profile this server validates with (answers while the model loads). */
async function openApi({ server, res }: RequestContext): Promise<void> {
  sendJson(res, 200, getOpenApiDocument(server.config.profile));
}

/** 200 `{"status":"ok"}` once the model is loaded; a 503 envelope before (or if it failed). */
async function health({ server, res }: RequestContext): Promise<void> {
  server.requireEngine();
  sendJson(res, 200, { status: 'ok' });
}

function modelObject(server: TextgenServer, id: string): Model & { context_length: number } {
  const model = server.model;
  const engine = server.requireEngine();
  const info = engine.info;
  return {
    id,
    object: 'model',
    created: model.status === 'ready' ? model.loadedAt : 0,
    owned_by: 'textgen-spec',
    context_length: info.contextLength,
  };
}

async function listModels({ server, res }: RequestContext): Promise<void> {
  const body: ModelList = { object: 'list', data: server.modelNames().map((name) => modelObject(server, name)) };
  sendJson(res, 200, body);
}

async function getModel({ server, res, path }: RequestContext): Promise<void> {
  let id: string;
  try {
    id = decodeURIComponent(path.slice('/v1/models/'.length));
  } catch {
    throw new ApiError(400, 'The model id in the path is not valid percent-encoding.', { param: 'model' });
  }
  if (!server.modelNames().includes(id)) throw modelNotFound(server, id);
  sendJson(res, 200, modelObject(server, id));
}

/** The 404 for a `model` this server does not serve; the message names the served id. */
export function modelNotFound(server: TextgenServer, requested: string): ApiError {
  const [served, ...aliases] = server.modelNames();
  const also = aliases.length > 0 ? ` (also accepted: ${aliases.map((a) => `'${a}'`).join(', ')})` : '';
  return new ApiError(404, `The model '${requested}' does not exist on this server. It serves '${served}'${also}.`, {
    param: 'model',
    code: 'model_not_found',
  });
}

type ParseResult<T> = { ok: true; value: T } | { ok: false; status: number; error: unknown };

/** Reads the body, validates it with `parse`, and answers the envelope on a validation error. */
async function readValidated<T>(context: RequestContext, parse: (body: unknown) => ParseResult<T>): Promise<T | null> {
  const body = await readJsonBody(context.req, context.server.config.maxBodyBytes);
  const parsed = parse(body);
  if (!parsed.ok) {
    sendJson(context.res, parsed.status, parsed.error);
    return null;
  }
  return parsed.value;
}

/** Runs a tokenizer call; the engine's EngineRequestError (e.g. an id outside the vocabulary) is a 400. */
function tokenizerCall<T>(engine: Engine, call: (engine: Engine) => T): T {
  try {
    return call(engine);
  } catch (error) {
    if (error instanceof EngineRequestError) throw new ApiError(400, error.message, { param: error.param, code: error.code });
    throw error;
  }
}

/** The presets a request may name in `preset`, with their values (beyond TGW; answers while the model loads). */
async function listPresets({ server, res }: RequestContext): Promise<void> {
  const body: PresetList = server.presets.list();
  sendJson(res, 200, body);
}

/** TGW's tokenizer endpoints: the text is tokenized as a completion prompt (BOS added when the model uses one). */
async function encode(context: RequestContext): Promise<void> {
  const engine = context.server.requireEngine();
  const request = await readValidated(context, (body) => parseEncodeRequest(body));
  if (request === null) return;
  const tokens = tokenizerCall(engine, (e) => e.encode(request.text, { addBos: true }));
  sendJson(context.res, 200, { tokens, length: tokens.length });
}

async function decode(context: RequestContext): Promise<void> {
  const engine = context.server.requireEngine();
  const request = await readValidated(context, (body) => parseDecodeRequest(body));
  if (request === null) return;
  const text = tokenizerCall(engine, (e) => e.decode(request.tokens, { skipSpecialTokens: true }));
  sendJson(context.res, 200, { text });
}

async function tokenCount(context: RequestContext): Promise<void> {
  const engine = context.server.requireEngine();
  const request = await readValidated(context, (body) => parseTokenCountRequest(body));
  if (request === null) return;
  const tokens = tokenizerCall(engine, (e) => e.encode(request.text, { addBos: true }));
  sendJson(context.res, 200, { length: tokens.length });
}
