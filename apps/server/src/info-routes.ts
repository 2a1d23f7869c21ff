/**
 * The read-only endpoints: health, the model list, one model, the preset list.
 */
import { getOpenApiDocument } from '@textgen-spec/spec';
import type { Model, ModelList, PresetList } from '@textgen-spec/spec';
import { ApiError } from './errors.js';
import { sendJson } from './http.js';
import type { RequestContext, RouteServices } from './request-context.js';

/** 200 `{"status":"ok"}` once the model is loaded; a 503 envelope before (or if it failed). */
/** The spec's OpenAPI document of the profile this server validates with (answers while the model loads). */
export async function openApi({ services, res }: RequestContext): Promise<void> {
  sendJson(res, 200, getOpenApiDocument(services.config.profile));
}

export async function health({ services, res }: RequestContext): Promise<void> {
  services.requireEngine();
  sendJson(res, 200, { status: 'ok' });
}

export async function listModels({ services, res }: RequestContext): Promise<void> {
  const body: ModelList = { object: 'list', data: services.modelNames().map((name) => modelObject(services, name)) };
  sendJson(res, 200, body);
}

export async function getModel({ services, res, path }: RequestContext): Promise<void> {
  let id: string;
  try {
    id = decodeURIComponent(path.slice('/v1/models/'.length));
  } catch {
    throw new ApiError(400, 'The model id in the path is not valid percent-encoding.', { param: 'model' });
  }
  if (!services.modelNames().includes(id)) throw modelNotFound(services, id);
  sendJson(res, 200, modelObject(services, id));
}

/** The presets a request may name in `preset`, with their values (beyond TGW; answers while the model loads). */
export async function listPresets({ services, res }: RequestContext): Promise<void> {
  const body: PresetList = services.presets.list();
  sendJson(res, 200, body);
}

/** The 404 for a `model` this server does not serve; the message names the served id. */
export function modelNotFound(services: RouteServices, requested: string): ApiError {
  const [served, ...aliases] = services.modelNames();
  const also = aliases.length > 0 ? ` (also accepted: ${aliases.map((a) => `'${a}'`).join(', ')})` : '';
  return new ApiError(404, `The model '${requested}' does not exist on this server. It serves '${served}'${also}.`, {
    param: 'model',
    code: 'model_not_found',
  });
}

function modelObject(services: RouteServices, id: string): Model & { context_length: number } {
  const model = services.model;
  const info = services.requireEngine().info;
  return {
    id,
    object: 'model',
    created: model.status === 'ready' ? model.loadedAt : 0,
    owned_by: 'textgen-spec',
    context_length: info.contextLength,
  };
}
