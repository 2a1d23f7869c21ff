/**
 * The HTTP routes of the API: THE one table the OpenAPI documents (openapi/<profile>.json) are
 * generated from, and that the reference server's route table is checked against. A new route
 * is one entry here (then `npm run generate -w @textgen-spec/spec`).
 */
import type { SchemaName } from './schema-names.js';

/** A small JSON Schema written inline (for bodies too small to be a published schema). */
export type InlineSchema = { [keyword: string]: unknown };

/** An error status a route may answer, with the OpenAI error envelope, and when. */
export interface ApiRouteError {
  status: number;
  description: string;
}

export interface ApiRoute {
  method: 'GET' | 'POST';
  /** The path template; `{name}` is a path parameter (always the last segment). */
  path: string;
  operationId: string;
  summary: string;
  description: string;
  /** Grouping in the OpenAPI document. */
  tag: 'completions' | 'models' | 'tokenizer' | 'server';
  /** Whether the route requires the API key when the server has one (`Authorization: Bearer KEY`). */
  auth: boolean;
  /** The JSON request body, if any. */
  request?: SchemaName;
  /** The 200 JSON body: a published schema or, for a tiny body, an inline JSON Schema. */
  response: SchemaName | InlineSchema;
  /** With `stream: true` the 200 is `text/event-stream`; each `data:` event holds this schema, then `data: [DONE]`. */
  stream?: SchemaName;
  pathParameters?: readonly { name: string; description: string }[];
  /** Error statuses specific to this route; they add to COMMON_ERRORS (and replace one with the same status). */
  errors: readonly ApiRouteError[];
}

const BAD_REQUEST: ApiRouteError = {
  status: 400,
  description: 'Invalid request: the body is not JSON or breaks the schema; `error.param` names the parameter.',
};
const TOO_LARGE: ApiRouteError = { status: 413, description: 'The request body exceeds the server limit.' };
const LOADING: ApiRouteError = {
  status: 503,
  description: 'The model is still loading (`Retry-After` says when to retry), failed to load, or the server is shutting down.',
};

/** Errors any route may answer (401 only where `auth` is true). */
export const COMMON_ERRORS: readonly ApiRouteError[] = [
  { status: 401, description: 'The server requires an API key and the request has none or a wrong one.' },
  { status: 500, description: 'An internal error (never caused by the request).' },
  { status: 503, description: 'The server is shutting down.' },
];

/** Every route a conforming server serves, in the order of the reference server's table. */
export const API_ROUTES: readonly ApiRoute[] = [
  {
    method: 'GET',
    path: '/health',
    operationId: 'getHealth',
    summary: 'Readiness',
    description: 'Answers 200 once the model is loaded, 503 before (or when loading failed). Needs no API key.',
    tag: 'server',
    auth: false,
    response: { type: 'object', properties: { status: { const: 'ok' } }, required: ['status'], additionalProperties: false },
    errors: [LOADING],
  },
  {
    method: 'GET',
    path: '/v1/models',
    operationId: 'listModels',
    summary: 'List the models',
    description: 'The models a request may name in `model`: the served model first, then its aliases.',
    tag: 'models',
    auth: true,
    response: 'model-list',
    errors: [LOADING],
  },
  {
    method: 'GET',
    path: '/v1/models/{model}',
    operationId: 'getModel',
    summary: 'One model',
    description: 'The model with this id, or 404 with code `model_not_found`.',
    tag: 'models',
    auth: true,
    response: 'model',
    pathParameters: [{ name: 'model', description: 'The model id (percent-encoded).' }],
    errors: [
      { status: 400, description: 'The id is not valid percent-encoding.' },
      { status: 404, description: 'No such model (`code`: `model_not_found`).' },
      LOADING,
    ],
  },
  {
    method: 'POST',
    path: '/v1/completions',
    operationId: 'createCompletion',
    summary: 'Create a completion',
    description:
      'Generates text for the prompt(s). With `stream: true` the answer is a `text/event-stream` of completion chunks ending with `data: [DONE]`.',
    tag: 'completions',
    auth: true,
    request: 'completion-request',
    response: 'completion-response',
    stream: 'completion-chunk',
    errors: [
      BAD_REQUEST,
      { status: 404, description: 'The `model` is not served here (`code`: `model_not_found`).' },
      TOO_LARGE,
      { status: 429, description: 'The request queue is full; retry later.' },
      LOADING,
    ],
  },
  {
    method: 'POST',
    path: '/v1/internal/encode',
    operationId: 'encodeText',
    summary: 'Tokenize text (TGW)',
    description: 'The token ids of the text, tokenized as a completion prompt.',
    tag: 'tokenizer',
    auth: true,
    request: 'encode-request',
    response: 'encode-response',
    errors: [BAD_REQUEST, TOO_LARGE, LOADING],
  },
  {
    method: 'POST',
    path: '/v1/internal/decode',
    operationId: 'decodeTokens',
    summary: 'Detokenize token ids (TGW)',
    description: 'The text of the token ids; an id outside the vocabulary is a 400.',
    tag: 'tokenizer',
    auth: true,
    request: 'decode-request',
    response: 'decode-response',
    errors: [BAD_REQUEST, TOO_LARGE, LOADING],
  },
  {
    method: 'POST',
    path: '/v1/internal/token-count',
    operationId: 'countTokens',
    summary: 'Count the tokens of a text (TGW)',
    description: 'How many tokens the text is as a completion prompt.',
    tag: 'tokenizer',
    auth: true,
    request: 'token-count-request',
    response: 'token-count-response',
    errors: [BAD_REQUEST, TOO_LARGE, LOADING],
  },
  {
    method: 'GET',
    path: '/v1/internal/presets',
    operationId: 'listPresets',
    summary: 'List the sampler presets',
    description: 'The presets a request may name in `preset`, with their values (beyond TGW).',
    tag: 'server',
    auth: true,
    response: 'preset-list',
    errors: [],
  },
  {
    method: 'GET',
    path: '/v1/internal/health',
    operationId: 'internalHealth',
    summary: "TGW's health check",
    description: 'TGW\'s `{"status":"ok"}` once the model is loaded.',
    tag: 'server',
    auth: true,
    response: 'health-response',
    errors: [LOADING],
  },
  {
    method: 'GET',
    path: '/v1/internal/model/info',
    operationId: 'internalModelInfo',
    summary: 'The loaded model (TGW)',
    description: "TGW's model info: the loaded model's name and its loader.",
    tag: 'models',
    auth: true,
    response: 'model-info-response',
    errors: [LOADING],
  },
  {
    method: 'POST',
    path: '/v1/internal/stop-generation',
    operationId: 'stopGeneration',
    summary: 'End every running generation (TGW)',
    description: 'Every running completion ends cleanly: each unfinished choice finishes with `stop`, each stream gets its last chunks and `[DONE]`. Answers "OK".',
    tag: 'completions',
    auth: true,
    response: { type: 'string', const: 'OK' },
    errors: [],
  },
  {
    method: 'POST',
    path: '/v1/internal/logits',
    operationId: 'nextTokenLogits',
    summary: "The next token's probabilities (TGW)",
    description: "TGW's logits endpoint: the next token's distribution, raw or after the request's sampler chain (`use_samplers`).",
    tag: 'completions',
    auth: true,
    request: 'logits-request',
    response: 'logits-response',
    errors: [BAD_REQUEST, TOO_LARGE, { status: 429, description: 'The request queue is full; retry later.' }, LOADING],
  },
  {
    method: 'GET',
    path: '/v1/internal/model/list',
    operationId: 'listModelNames',
    summary: 'Models the server can load (TGW, admin key)',
    description: 'The names `--models-dir` and the embedded models offer to `/v1/internal/model/load`. Guarded by the admin key, not the API key.',
    tag: 'models',
    auth: false,
    response: 'model-name-list',
    errors: [{ status: 403, description: 'Model management needs the admin key (`--admin-key`, or the API key when only that is set); off when the server has neither.' }],
  },
  {
    method: 'POST',
    path: '/v1/internal/model/load',
    operationId: 'loadModel',
    summary: 'Load a model (TGW, admin key)',
    description: 'Replaces the served model; completions get 503 with `Retry-After` while it loads; an unknown name is a 400 listing the available ones. Guarded by the admin key.',
    tag: 'models',
    auth: false,
    request: 'load-model-request',
    response: { type: 'string', const: 'OK' },
    errors: [BAD_REQUEST, { status: 403, description: 'Model management needs the admin key (`--admin-key`, or the API key when only that is set); off when the server has neither.' }],
  },
  {
    method: 'POST',
    path: '/v1/internal/model/unload',
    operationId: 'unloadModel',
    summary: 'Unload the model (TGW, admin key)',
    description: 'Stops running generations and unloads the model; completions get 503 until one is loaded. Guarded by the admin key.',
    tag: 'models',
    auth: false,
    response: { type: 'string', const: 'OK' },
    errors: [{ status: 403, description: 'Model management needs the admin key (`--admin-key`, or the API key when only that is set); off when the server has neither.' }],
  },
  {
    method: 'POST',
    path: '/v1/internal/sampler-trace',
    operationId: 'traceSamplers',
    summary: 'Trace the sampler chain on the next token',
    description:
      "A prompt and the sampling parameters of a completion request -> the next token's distribution before the sampler chain and after each active stage, in the order the server applies them (beyond TGW).",
    tag: 'server',
    auth: true,
    request: 'sampler-trace-request',
    response: 'sampler-trace-response',
    errors: [BAD_REQUEST, TOO_LARGE, { status: 429, description: 'The request queue is full; retry later.' }, LOADING],
  },
  {
    method: 'GET',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This OpenAPI document',
    description: 'The OpenAPI 3.1 document of the profile the server runs (strict or compat). Needs no API key.',
    tag: 'server',
    auth: false,
    response: { type: 'object', required: ['openapi', 'info', 'paths'] },
    errors: [],
  },
];
