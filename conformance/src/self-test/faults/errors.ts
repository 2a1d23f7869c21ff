/**
 * Faults of validation, error envelopes and /v1/models.
 */
import { isObject, editBody, envelope } from './helpers.js';
import { bound, clamp, OPENAI_LIMITS as L } from './openai-limits.js';
import type { Fault, JsonObject } from './types.js';

/** Accepts what OpenAI rejects: drops or clamps invalid values before forwarding. */
function lenient(body: JsonObject, strictLimits: boolean): void {
  const num = (k: string) => typeof body[k] === 'number';
  for (const k of ['temperature', 'top_p', 'presence_penalty', 'frequency_penalty', 'max_tokens', 'logprobs', 'n', 'best_of']) {
    if (k in body && body[k] !== null && !num(k)) delete body[k];
  }
  if (strictLimits) clampToOpenAi(body);
  if (num('max_tokens') && (body.max_tokens as number) < bound(L.max_tokens, 'minimum')) delete body.max_tokens;
  if (num('logprobs') && (body.logprobs as number) < bound(L.logprobs, 'minimum')) delete body.logprobs;
  if (num('n') && (body.n as number) < bound(L.n, 'minimum')) delete body.n;
  if (num('best_of') && ((body.best_of as number) < ((body.n as number) ?? 1) || body.stream === true)) delete body.best_of;
  if (isObject(body.logit_bias)) for (const k of Object.keys(body.logit_bias)) if (!/^\d+$/.test(k) || Number(k) >= 1_000_000) delete body.logit_bias[k];
  if (body.stream !== true) delete body.stream_options;
  const p = body.prompt;
  const badIds = (a: unknown[]): boolean => a.length === 0 || a.some((x) => typeof x === 'number' && (x < 0 || x >= 1_000_000) || (Array.isArray(x) && badIds(x)));
  if (Array.isArray(p) && badIds(p)) body.prompt = 'Hello';
}

/** Brings values over OpenAI's limits (read from the spec) back within them, as a lenient server would. */
function clampToOpenAi(body: JsonObject): void {
  const num = (k: string) => typeof body[k] === 'number';
  if (num('temperature')) body.temperature = Math.min(bound(L.temperature, 'maximum'), body.temperature as number);
  if (num('top_p')) body.top_p = Math.min(bound(L.top_p, 'maximum'), body.top_p as number);
  for (const k of ['presence_penalty', 'frequency_penalty'] as const) if (num(k)) body[k] = clamp(body[k] as number, L[k]);
  if (num('logprobs')) body.logprobs = Math.min(bound(L.logprobs, 'maximum'), body.logprobs as number);
  if (Array.isArray(body.stop)) body.stop = body.stop.slice(0, L.stop);
  if (isObject(body.logit_bias)) for (const k of Object.keys(body.logit_bias)) body.logit_bias[k] = clamp(Number(body.logit_bias[k]), L.logit_bias);
}

/** Validation, error envelopes and /v1/models, in catalogue order. */
export const ERROR_FAULTS: readonly Fault[] = [
  // -- validation and errors -----------------------------------------------------------------------
  {
    name: 'lenient-validation',
    description: 'Invalid values are dropped or replaced instead of rejected (wrong types, negative max_tokens, n 0, best_of < n, empty prompts, bad token ids, logit_bias keys that are not token ids, stream_options without stream), as llama.cpp does with out-of-vocabulary logit_bias ids.',
    targets: [
      'errors.wrong-type',
      'errors.envelope',
      'errors.param-named',
      'max_tokens.negative',
      'logprobs.negative',
      'n.invalid',
      'best_of.less-than-n',
      'best_of.no-stream',
      'batch.empty',
      'token_prompts.invalid',
      'logit_bias.bad-key',
      'logit_bias.string-key',
      'stream_options.requires-stream',
      'stream.error-before-start',
    ],
    request: (req) => editBody(req, (b) => lenient(b, false)),
  },
  {
    name: 'openai-limits-ignored',
    description: 'OpenAI\'s limits are not enforced (5 stop strings, logprobs 6, logit_bias 101, temperature 3 accepted), as in TGW, llama.cpp and vLLM.',
    profile: 'strict',
    targets: ['stop.limit', 'logprobs.limit', 'logit_bias.range', 'sampling.temperature-range'],
    request: (req) => editBody(req, (b) => lenient(b, true)),
  },
  {
    name: 'bad-input-500',
    description: 'Invalid input is answered with HTTP 500 (TGW v1.14 for InvalidRequestError).',
    targets: ['errors.malformed-json', 'completions.prompt-required', 'token_prompts.invalid'],
    error: (status, body) => ({ status: status >= 400 && status < 500 ? 500 : status, body: body ?? envelope('error', 'server_error') }),
  },
  {
    name: 'fastapi-422',
    description: 'Validation errors are HTTP 422 `{"detail": [...]}` (FastAPI default, TGW).',
    targets: ['errors.malformed-json', 'errors.wrong-type', 'errors.envelope', 'wire.error-schema', 'max_tokens.negative'],
    error: (status, body) => {
      if (status !== 400) return { status, body };
      const msg = isObject(body) && isObject(body.error) ? String(body.error.message) : 'invalid';
      return { status: 422, body: { detail: [{ loc: ['body'], msg, type: 'value_error' }] } };
    },
  },
  {
    name: 'flat-error-body',
    description: 'Errors are sent flat: `{"object": "error", "message", "type", "param", "code": 400}` (vLLM before 0.10.1, vllm#12886).',
    targets: ['errors.envelope', 'wire.error-schema', 'errors.wrong-type'],
    error: (status, body) => {
      const e = isObject(body) && isObject(body.error) ? body.error : {};
      return { status, body: { object: 'error', message: e.message ?? 'error', type: e.type ?? 'invalid_request_error', param: e.param ?? null, code: status } };
    },
  },
  {
    name: 'error-type-server',
    description: 'Client errors (4xx) carry `"type": "server_error"` (a server that has one error type for everything).',
    targets: ['errors.type'],
    error: (status, body) => {
      if (status < 500 && isObject(body) && isObject(body.error)) body.error.type = 'server_error';
      return { status, body };
    },
  },
  {
    name: 'error-without-param',
    description: 'Error envelopes do not name the parameter (llama.cpp).',
    targets: ['errors.param-named'],
    error: (status, body) => {
      if (isObject(body) && isObject(body.error)) delete body.error.param;
      return { status, body };
    },
  },
  {
    name: 'error-code-int',
    description: 'error.code is the HTTP status as an integer (llama.cpp, vLLM).',
    profile: 'strict',
    targets: ['errors.envelope', 'wire.error-schema'],
    error: (status, body) => {
      if (isObject(body) && isObject(body.error)) body.error.code = status;
      return { status, body };
    },
  },
  {
    name: 'route-404-plain',
    description: 'Unknown routes get a plain-text 404 (FastAPI: `{"detail": "Not Found"}`).',
    targets: ['errors.not-found'],
    request: (req) => (req.path.startsWith('/v1/conformance-no-such-route') ? { status: 404, body: 'Not Found', contentType: 'text/plain' } : undefined),
  },
  {
    name: 'model-ignored',
    description: 'The `model` field is ignored, so an unknown model is served anyway (TGW, llama.cpp).',
    targets: ['errors.unknown-model'],
    request: (req) => editBody(req, (b) => void (b.model = '')),
  },
  {
    name: 'auth-not-enforced',
    description: 'The API key is not checked.',
    targets: ['errors.auth'],
    request: (req, s) => (s.apiKey ? { ...req, headers: { ...req.headers, authorization: `Bearer ${s.apiKey}` } } : undefined),
  },
  // -- /v1/models ---------------------------------------------------------------------------------
  {
    name: 'models-list-malformed',
    description: 'GET /v1/models answers with a non-OpenAI list (object "model_list", entries of object "engine").',
    targets: ['models.list', 'wire.model-schema'],
    response: (b, req) => {
      if (req.path !== '/v1/models') return b;
      return { ...b, object: 'model_list', data: Array.isArray(b.data) ? b.data.map((m) => (isObject(m) ? { ...m, object: 'engine' } : m)) : b.data };
    },
  },
  {
    name: 'model-retrieve-missing',
    description: 'GET /v1/models/{id} does not exist.',
    targets: ['models.retrieve'],
    request: (req) => (req.method === 'GET' && req.path.startsWith('/v1/models/') ? { status: 404, body: envelope('Not found', 'invalid_request_error', null, 'not_found') } : undefined),
  },
];
