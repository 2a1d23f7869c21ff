/**
 * The route table: every endpoint, its method, and whether it needs the API key. The
 * handlers live in info-routes.ts, tokenizer-routes.ts, internal-routes.ts, model-admin-routes.ts,
 * completions.ts, sampler-trace-route.ts and playground-routes.ts.
 */
import { handleCompletion } from './completions.js';
import { getModel, health, listModels, listPresets, openApi } from './info-routes.js';
import { internalHealth, logits, modelInfo, stopGeneration } from './internal-routes.js';
import { listModelNames, loadModel, unloadModel } from './model-admin-routes.js';
import type { Route } from './router.js';
import { playgroundFile, playgroundPage } from './playground-routes.js';
import { samplerTrace } from './sampler-trace-route.js';
import { decode, encode, tokenCount } from './tokenizer-routes.js';

export const ROUTES: readonly Route[] = [
  { method: 'GET', path: '/health', auth: false, handle: health },
  { method: 'GET', path: '/v1/models', auth: true, handle: listModels },
  { method: 'GET', path: '/v1/models/', auth: true, handle: getModel },
  { method: 'POST', path: '/v1/completions', auth: true, handle: handleCompletion },
  { method: 'POST', path: '/v1/internal/encode', auth: true, handle: encode },
  { method: 'POST', path: '/v1/internal/decode', auth: true, handle: decode },
  { method: 'POST', path: '/v1/internal/token-count', auth: true, handle: tokenCount },
  { method: 'GET', path: '/v1/internal/presets', auth: true, handle: listPresets },
  { method: 'GET', path: '/v1/internal/health', auth: true, handle: internalHealth },
  { method: 'GET', path: '/v1/internal/model/info', auth: true, handle: modelInfo },
  { method: 'POST', path: '/v1/internal/stop-generation', auth: true, handle: stopGeneration },
  { method: 'POST', path: '/v1/internal/logits', auth: true, handle: logits },
  // The admin key (not the API key) guards these: checked by the handlers, as TGW does.
  { method: 'GET', path: '/v1/internal/model/list', auth: false, handle: listModelNames },
  { method: 'POST', path: '/v1/internal/model/load', auth: false, handle: loadModel },
  { method: 'POST', path: '/v1/internal/model/unload', auth: false, handle: unloadModel },
  { method: 'GET', path: '/openapi.json', auth: false, handle: openApi },
  { method: 'POST', path: '/v1/internal/sampler-trace', auth: true, handle: samplerTrace },
  { method: 'GET', path: '/', auth: false, handle: playgroundPage },
  { method: 'GET', path: '/playground/', auth: false, handle: playgroundFile },
];
