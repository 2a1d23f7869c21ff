/**
 * TGW's model management, behind the admin key: `GET /v1/internal/model/list`,
 * `POST /v1/internal/model/load`, `POST /v1/internal/model/unload` (the logic is in
 * model-admin.ts). The routes skip the API-key check: the admin key is checked here, as TGW does.
 */
import { parseLoadModelRequest } from '@textgen-spec/spec';
import type { ModelNameList } from '@textgen-spec/spec';
import { readValidated, sendJson } from './http.js';
import { reportingParser } from './ignored-fields.js';
import type { RequestContext } from './request-context.js';

export async function listModelNames({ services, req, res }: RequestContext): Promise<void> {
  services.models.checkAdmin(req.headers);
  const body: ModelNameList = { model_names: services.models.available() };
  sendJson(res, 200, body);
}

/** Loads a model by name (unknown: 400 listing the names); answers "OK" once it serves. */
export async function loadModel(context: RequestContext): Promise<void> {
  const { services } = context;
  services.models.checkAdmin(context.req.headers);
  const request = await readValidated(context.req, context.res, services.config.maxBodyBytes, reportingParser(context, parseLoadModelRequest));
  if (request === null) return;
  await services.models.load(request.model_name, request.args ?? {});
  sendJson(context.res, 200, 'OK');
}

export async function unloadModel({ services, req, res }: RequestContext): Promise<void> {
  services.models.checkAdmin(req.headers);
  await services.models.unload();
  sendJson(res, 200, 'OK');
}
