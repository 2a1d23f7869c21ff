/**
 * Faults of text-generation-webui's internal API (issue 12).
 */
import { isObject } from './helpers.js';
import type { Fault, JsonObject } from './types.js';

const at = (path: string) => (req: { path: string }) => req.path === path;

export const INTERNAL_API_FAULTS: Fault[] = [
  {
    name: 'health-not-ok',
    description: 'The internal health endpoint answers 200 with another status word.',
    targets: ['ext.internal-health'],
    response: (body, req) => (at('/v1/internal/health')(req) ? { ...body, status: 'loading' } : body),
  },
  {
    name: 'model-info-no-model',
    description: 'model/info reports no model ("None", as TGW does before a model is loaded) while one serves.',
    targets: ['ext.internal-model-info'],
    response: (body, req) => (at('/v1/internal/model/info')(req) ? { ...body, model_name: 'None' } : body),
  },
  {
    name: 'logits-unsorted',
    description: 'The logits answer is least likely first.',
    targets: ['ext.internal-logits'],
    response: (body, req) => {
      if (!at('/v1/internal/logits')(req) || !isObject(body)) return body;
      return Object.fromEntries(Object.entries(body).reverse()) as JsonObject;
    },
  },
  {
    name: 'stop-generation-noop',
    description: 'stop-generation answers "OK" and stops nothing.',
    targets: ['ext.internal-stop-generation'],
    request: (req) => (req.method === 'POST' && req.path === '/v1/internal/stop-generation' ? { status: 200, body: 'OK' } : undefined),
  },
];
