/**
 * Named faults for the fault-injection proxy. Each imitates a bug seen in a real server
 * (the description says which) and lists the checks it must make fail. The self-test runs
 * each fault's targets through the proxy and requires every one of them to fail (or warn,
 * for INFO checks), and requires every check to be the target of at least one fault.
 */
import type { Profile } from '@textgen-spec/spec';

export type JsonObject = { [key: string]: unknown };
/** One SSE data payload: a parsed JSON object, or the [DONE] sentinel. */
export type SseItem = JsonObject | '[DONE]';

export interface ProxyRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Parsed JSON body (undefined when absent or not JSON). */
  body: unknown;
  raw: string;
}

/** A response the proxy sends instead of forwarding. */
export interface ProxyReply {
  status: number;
  body: unknown;
  contentType?: string;
}

export interface ProxyState {
  /** Requests being handled now (this one included). */
  inFlight: number;
  /** Requests handled so far (this one included). */
  requests: number;
  /** Unix seconds when the proxy started. */
  startedAt: number;
  apiKey: string | undefined;
}

export interface Fault {
  name: string;
  /** The bug it imitates, and where it was seen. */
  description: string;
  /** Checks that must fail (or warn, when INFO) under this fault. */
  targets: readonly string[];
  /** Profile of the run (and of the reference server behind the proxy); default compat. */
  profile?: Profile;
  /** Rewrites a request, or answers it directly (may wait first, e.g. to imitate a lock). */
  request?(req: ProxyRequest, state: ProxyState): ProxyRequest | ProxyReply | void | Promise<ProxyRequest | ProxyReply | void>;
  /** Rewrites a successful JSON body (return a reply to change the status too). */
  response?(body: JsonObject, req: ProxyRequest, state: ProxyState): JsonObject | ProxyReply | void;
  /** Rewrites an error answer. */
  error?(status: number, body: unknown, req: ProxyRequest): ProxyReply;
  /** Rewrites the data payloads of an event stream. */
  events?(items: SseItem[], req: ProxyRequest, state: ProxyState): SseItem[];
  /** Writes the stream itself (framing faults). */
  serialize?(items: SseItem[]): string;
  /** Content-Type of rewritten streams. */
  streamContentType?: string;
}

// ---- helpers ----------------------------------------------------------------------------------

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCompletion(req: ProxyRequest): req is ProxyRequest & { body: JsonObject } {
  return req.method === 'POST' && req.path.startsWith('/v1/completions') && isObject(req.body);
}

/** Returns the request with a rewritten copy of its JSON body (completions only). */
function editBody(req: ProxyRequest, edit: (body: JsonObject) => void): ProxyRequest | void {
  if (!isCompletion(req)) return;
  const body = structuredClone(req.body);
  edit(body);
  return { ...req, body };
}

function choices(obj: JsonObject): JsonObject[] {
  return Array.isArray(obj.choices) ? obj.choices.filter(isObject) : [];
}

function chunks(items: SseItem[]): JsonObject[] {
  return items.filter(isObject);
}

function envelope(message: string, type = 'invalid_request_error', param: string | null = null, code: string | null = null) {
  return { error: { message, type, param, code } };
}

/** Whether a request asked for logprobs. */
function wantsLogprobs(req: ProxyRequest): boolean {
  return isObject(req.body) && typeof req.body.logprobs === 'number';
}

/** Rebuilds a single-choice stream so that index 0's text is `text`, ending with `finish`. */
function restream(items: SseItem[], text: string, finish: string): SseItem[] {
  const out: SseItem[] = [];
  let left = text;
  let template: JsonObject | undefined;
  for (const item of items) {
    if (!isObject(item)) continue;
    const cs = choices(item);
    if (cs.length === 0) {
      out.push(item);
      continue;
    }
    template ??= item;
    const c = cs[0]!;
    const piece = typeof c.text === 'string' ? c.text : '';
    if (left.length === 0) continue;
    const take = left.startsWith(piece) ? piece : left;
    left = left.slice(take.length);
    out.push({ ...item, choices: [{ ...c, text: take, logprobs: null, finish_reason: null }] });
  }
  if (template) {
    const c = choices(template)[0]!;
    const last: JsonObject = { ...template, choices: [{ ...c, text: left, logprobs: null, finish_reason: finish }] };
    const usageAt = out.findIndex((i) => isObject(i) && choices(i).length === 0);
    if (usageAt >= 0) out.splice(usageAt, 0, last);
    else out.push(last);
  }
  out.push('[DONE]');
  return out;
}

function streamText(items: SseItem[]): string {
  return chunks(items)
    .flatMap((c) => choices(c))
    .filter((c) => (c.index ?? 0) === 0)
    .map((c) => (typeof c.text === 'string' ? c.text : ''))
    .join('');
}

function stopList(body: JsonObject): string[] {
  const s = body.stop;
  return typeof s === 'string' ? [s] : Array.isArray(s) ? s.filter((x): x is string => typeof x === 'string' && x !== '') : [];
}

/**
 * A stop fault: the request goes upstream without `stop`, and `cut` decides the text
 * (and whether it ended on a stop) from the full answer and the stop list.
 */
function stopFault(
  name: string,
  description: string,
  targets: string[],
  cut: (text: string, stops: string[], tokens: string[] | undefined) => string | undefined,
  options: { needTokens?: boolean; streamOnly?: boolean } = {},
): Fault {
  const stopsOf = new WeakMap<object, { stops: string[]; logprobs: boolean }>();
  const apply = (text: string, req: ProxyRequest, tokens?: string[]) => {
    const info = isObject(req.body) ? stopsOf.get(req.body) : undefined;
    if (!info || info.stops.length === 0) return undefined;
    return cut(text, info.stops, tokens);
  };
  return {
    name,
    description,
    targets,
    request(req) {
      if (!isCompletion(req)) return;
      const stops = stopList(req.body);
      if (stops.length === 0 || (options.streamOnly && req.body.stream !== true)) return;
      const body = structuredClone(req.body);
      delete body.stop;
      const hadLogprobs = typeof body.logprobs === 'number';
      if (options.needTokens && !hadLogprobs) body.logprobs = 0;
      stopsOf.set(body, { stops, logprobs: hadLogprobs });
      return { ...req, body };
    },
    response(body, req) {
      const info = isObject(req.body) ? stopsOf.get(req.body) : undefined;
      for (const c of choices(body)) {
        const lp = isObject(c.logprobs) ? c.logprobs : undefined;
        const tokens = lp && Array.isArray(lp.tokens) ? (lp.tokens as string[]) : undefined;
        const text = apply(String(c.text), req, tokens);
        if (text !== undefined) {
          c.text = text;
          c.finish_reason = 'stop';
        }
        if (info && options.needTokens && !info.logprobs) c.logprobs = null;
      }
      return body;
    },
    events(items, req) {
      const text = apply(streamText(items), req);
      return text === undefined ? items : restream(items, text, 'stop');
    },
  };
}

/** Removes parameters from completion requests: a server that accepts and ignores them. */
export function ignoreParams(params: string[], targets: string[], description?: string): Fault {
  return {
    name: `ignore-${params.join('+')}`,
    description: description ?? `Accepts ${params.join(', ')} and ignores ${params.length > 1 ? 'them' : 'it'} (the worst way to not support a parameter).`,
    targets,
    request: (req) =>
      editBody(req, (b) => {
        for (const p of params) delete b[p];
      }),
  };
}

/** Turns every choice's legacy logprobs object into something else. */
function mapLogprobs(body: JsonObject, fn: (lp: JsonObject) => unknown): void {
  for (const c of choices(body)) if (isObject(c.logprobs)) c.logprobs = fn(c.logprobs);
}

/** Accepts what OpenAI rejects: drops or clamps invalid values before forwarding. */
function lenient(body: JsonObject, strictLimits: boolean): void {
  const num = (k: string) => typeof body[k] === 'number';
  for (const k of ['temperature', 'top_p', 'presence_penalty', 'frequency_penalty', 'max_tokens', 'logprobs', 'n', 'best_of']) {
    if (k in body && body[k] !== null && !num(k)) delete body[k];
  }
  if (strictLimits) {
    if (num('temperature')) body.temperature = Math.min(2, body.temperature as number);
    if (num('top_p')) body.top_p = Math.min(1, body.top_p as number);
    for (const k of ['presence_penalty', 'frequency_penalty']) if (num(k)) body[k] = Math.max(-2, Math.min(2, body[k] as number));
    if (num('logprobs')) body.logprobs = Math.min(5, body.logprobs as number);
    if (Array.isArray(body.stop)) body.stop = body.stop.slice(0, 4);
    if (isObject(body.logit_bias)) for (const k of Object.keys(body.logit_bias)) body.logit_bias[k] = Math.max(-100, Math.min(100, Number(body.logit_bias[k])));
  }
  if (num('max_tokens') && (body.max_tokens as number) < 0) delete body.max_tokens;
  if (num('logprobs') && (body.logprobs as number) < 0) delete body.logprobs;
  if (num('n') && (body.n as number) < 1) delete body.n;
  if (num('best_of') && ((body.best_of as number) < ((body.n as number) ?? 1) || body.stream === true)) delete body.best_of;
  if (isObject(body.logit_bias)) for (const k of Object.keys(body.logit_bias)) if (!/^\d+$/.test(k) || Number(k) >= 1_000_000) delete body.logit_bias[k];
  if (body.stream !== true) delete body.stream_options;
  const p = body.prompt;
  const badIds = (a: unknown[]): boolean => a.length === 0 || a.some((x) => typeof x === 'number' && (x < 0 || x >= 1_000_000) || (Array.isArray(x) && badIds(x)));
  if (Array.isArray(p) && badIds(p)) body.prompt = 'Hello';
}

/** suffix appended verbatim: the request goes up without it, the text comes back with it. */
function suffixAppended(): Fault {
  const suffixes = new WeakMap<object, string>();
  return {
    name: 'suffix-appended',
    description: 'suffix is appended to the generated text verbatim (TGW).',
    targets: ['suffix.insert'],
    request: (req) =>
      editBody(req, (b) => {
        if (typeof b.suffix === 'string') {
          suffixes.set(b, b.suffix);
          delete b.suffix;
        }
      }),
    response: (b, req) => {
      const suffix = isObject(req.body) ? suffixes.get(req.body) : undefined;
      if (suffix !== undefined) for (const c of choices(b)) c.text = String(c.text) + suffix;
      return b;
    },
  };
}

/** Prompt lookup that changes the output: the parameter is dropped and the text altered. */
function promptLookupLossy(): Fault {
  const marked = new WeakSet<object>();
  return {
    name: 'prompt-lookup-lossy',
    description: 'Prompt-lookup decoding accepts wrong draft tokens, so the text differs from plain decoding.',
    targets: ['ext.prompt_lookup_num_tokens'],
    request: (req) =>
      editBody(req, (b) => {
        if ('prompt_lookup_num_tokens' in b) {
          marked.add(b);
          delete b.prompt_lookup_num_tokens;
        }
      }),
    response: (b, req) => {
      if (isObject(req.body) && marked.has(req.body)) for (const c of choices(b)) c.text = String(c.text).split(' ').reverse().join(' ');
      return b;
    },
  };
}

/**
 * A throttle that sleeps while holding the generation lock (text-generation-webui): while a
 * max_tokens_second request is being paced, every other completion waits until it is done.
 * The proxy forwards the throttled request and holds the others until its estimated end.
 */
function throttleHoldsLock(): Fault {
  let busyUntil = 0;
  return {
    name: 'throttle-holds-lock',
    description: 'max_tokens_second sleeps while holding the generation lock, so other requests wait for the throttled one (TGW).',
    targets: ['ext.max_tokens_second_concurrent'],
    async request(req) {
      if (!isCompletion(req)) return;
      const rate = req.body.max_tokens_second;
      if (typeof rate === 'number' && rate > 0) {
        const tokens = typeof req.body.max_tokens === 'number' ? req.body.max_tokens : 16;
        busyUntil = Math.max(busyUntil, Date.now() + (tokens / rate) * 1000);
        return;
      }
      const wait = busyUntil - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    },
  };
}

/** Two of text-generation-webui's presets, for faults that apply them wrongly. */
const TGW_PRESETS: Record<string, JsonObject> = {
  'Debug-deterministic': { do_sample: false, top_k: 1 },
  'Null preset': { temperature: 1 },
};

// ---- the catalogue ------------------------------------------------------------------------------

/** Every fault the self-test runs. */
export const FAULTS: readonly Fault[] = [
  // -- response shape -------------------------------------------------------------------------
  {
    name: 'wrong-object',
    description: 'Completions report `object: "completion"` (a made-up name) instead of "text_completion".',
    targets: ['completions.shape', 'wire.response-schema'],
    response: (b, req) => (isCompletion(req) ? { ...b, object: 'completion' } : b),
  },
  {
    name: 'wrong-usage',
    description: 'usage.total_tokens is off by one (re-tokenized counts, as TGW computed them).',
    targets: ['completions.usage'],
    response: (b) => (isObject(b.usage) ? { ...b, usage: { ...b.usage, total_tokens: Number(b.usage.total_tokens) + 1 } } : b),
  },
  {
    name: 'frozen-created',
    description: '`created` is computed once at start-up (TGW before c026dbaf).',
    targets: ['completions.created'],
    response: (b, req, s) => (isCompletion(req) ? { ...b, created: s.startedAt } : b),
  },
  {
    name: 'unknown-field-500',
    description: 'An unknown request field crashes the handler (HTTP 500).',
    targets: ['completions.unknown-field'],
    request: (req) => (isCompletion(req) && Object.keys(req.body).some((k) => k.startsWith('x_')) ? { status: 500, body: envelope('internal error', 'server_error') } : undefined),
  },
  {
    name: 'prompt-optional',
    description: 'A missing prompt is treated as an empty one instead of an error.',
    targets: ['completions.prompt-required'],
    request: (req) => editBody(req, (b) => void (b.prompt ??= 'Hello')),
  },
  {
    name: 'model-renamed',
    description: 'The response names another model than the one asked for (llama.cpp after PR #17668).',
    targets: ['completions.model-echo'],
    response: (b, req) => (isCompletion(req) ? { ...b, model: 'some-other-model' } : b),
  },
  // -- max_tokens --------------------------------------------------------------------------------
  {
    name: 'length-reported-as-stop',
    description: 'finish_reason is "stop" even when max_tokens ran out (llama.cpp PR #7198).',
    targets: ['max_tokens.length'],
    response: (b) => {
      for (const c of choices(b)) if (c.finish_reason === 'length') c.finish_reason = 'stop';
      return b;
    },
  },
  {
    name: 'default-max-tokens-64',
    description: 'Without max_tokens the server generates up to 64 tokens (TGW defaults to 512, llama.cpp is unbounded).',
    targets: ['max_tokens.default'],
    request: (req) =>
      editBody(req, (b) => {
        if (b.max_tokens === undefined) {
          b.max_tokens = 64;
          b.ban_eos_token = true;
        }
      }),
  },
  {
    name: 'zero-means-default',
    description: 'max_tokens 0 is read as "not set" and the default budget is used.',
    targets: ['max_tokens.zero', 'echo.max-tokens-zero'],
    request: (req) => editBody(req, (b) => void (b.max_tokens === 0 && delete b.max_tokens)),
  },
  {
    name: 'over-context-500',
    description: 'A max_tokens beyond the context length crashes the handler.',
    targets: ['max_tokens.over-context'],
    request: (req) => (isCompletion(req) && typeof req.body.max_tokens === 'number' && req.body.max_tokens > 100_000 ? { status: 500, body: envelope('CUDA out of memory', 'server_error') } : undefined),
  },
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
  // -- stop -----------------------------------------------------------------------------------------
  stopFault(
    'stop-string-leaked',
    'The matched stop string is left in the text (a classic of hand-written stop handling).',
    ['stop.string', 'stop.array', 'stop.stream'],
    (text, stops) => {
      let best: { at: number; s: string } | undefined;
      for (const s of stops) {
        const at = text.indexOf(s);
        if (at >= 0 && (!best || at < best.at)) best = { at, s };
      }
      return best ? text.slice(0, best.at + best.s.length) : undefined;
    },
  ),
  stopFault('stop-list-order', 'The text is cut at the first stop string of the list that occurs, not at the earliest match (TGW `apply_stopping_strings`).', ['stop.earliest-match'], (text, stops) => {
    for (const s of stops) {
      const at = text.indexOf(s);
      if (at >= 0) return text.slice(0, at);
    }
    return undefined;
  }),
  stopFault(
    'stop-whole-tokens-only',
    'A stop string is only recognised when it equals a whole generated token.',
    ['stop.inside-token', 'stop.across-tokens'],
    (text, stops, tokens) => {
      if (!tokens) return undefined;
      let offset = 0;
      for (const tok of tokens) {
        if (stops.includes(tok)) return text.slice(0, offset);
        offset += tok.length;
      }
      return text;
    },
    { needTokens: true },
  ),
  stopFault(
    'stop-holdback-lost',
    'While streaming, text held back as a possible start of a stop string is dropped when the stop does not complete (llama.cpp PR #9867).',
    ['stop.partial-match'],
    (text, stops) => {
      let out = text;
      for (const s of stops) {
        const at = out.indexOf(s);
        if (at >= 0) out = out.slice(0, at);
      }
      // Drop every held-back tail: the longest suffix that is a proper prefix of a stop.
      for (const s of stops) {
        for (let k = Math.min(s.length - 1, out.length); k > 0; k--) {
          if (out.endsWith(s.slice(0, k))) {
            out = out.slice(0, out.length - k);
            break;
          }
        }
      }
      return out;
    },
    { streamOnly: true },
  ),
  {
    name: 'stop-at-limit-is-length',
    description: 'A stop string completed by the last allowed token is reported as finish_reason "length".',
    targets: ['stop.at-max-tokens'],
    response: (b, req) => {
      const max = isObject(req.body) ? req.body.max_tokens : undefined;
      if (isObject(b.usage) && b.usage.completion_tokens === max) for (const c of choices(b)) if (c.finish_reason === 'stop') c.finish_reason = 'length';
      return b;
    },
  },
  // -- echo --------------------------------------------------------------------------------------
  ignoreParams(['echo'], ['echo.plain', 'echo.stream', 'echo.logprobs', 'echo.max-tokens-zero'], 'echo is accepted and ignored (llama.cpp before PR #15189 rejected it; silently ignoring it breaks evaluation harnesses).'),
  {
    name: 'echo-first-logprob-zero',
    description: 'With echo, the first prompt token gets logprob 0 instead of null (nothing predicts it).',
    targets: ['echo.logprobs'],
    response: (b) => {
      mapLogprobs(b, (lp) => {
        if (Array.isArray(lp.token_logprobs) && lp.token_logprobs[0] === null) lp.token_logprobs[0] = 0;
        return lp;
      });
      return b;
    },
  },
  // -- logprobs ------------------------------------------------------------------------------------
  {
    name: 'logprobs-when-not-asked',
    description: 'Choices carry `{"top_logprobs": [{}]}` when logprobs were not requested (TGW v1.14, 8aeaa763).',
    targets: ['logprobs.absent-null'],
    response: (b, req) => {
      if (!wantsLogprobs(req)) for (const c of choices(b)) c.logprobs = { top_logprobs: [{}] };
      return b;
    },
  },
  {
    name: 'logprobs-misaligned',
    description: 'token_logprobs is one entry short (an off-by-one in the logprob capture).',
    targets: ['logprobs.aligned'],
    response: (b) => {
      mapLogprobs(b, (lp) => ({ ...lp, token_logprobs: Array.isArray(lp.token_logprobs) ? lp.token_logprobs.slice(0, -1) : lp.token_logprobs }));
      return b;
    },
  },
  {
    name: 'top-logprobs-extra',
    description: 'top_logprobs has one alternative too many (TGW fb1b3b6d).',
    targets: ['logprobs.top-count'],
    response: (b) => {
      mapLogprobs(b, (lp) => ({ ...lp, top_logprobs: Array.isArray(lp.top_logprobs) ? lp.top_logprobs.map((t) => (isObject(t) ? { ...t, '⟪extra⟫': -30, '⟪extra2⟫': -31 } : t)) : lp.top_logprobs }));
      return b;
    },
  },
  {
    name: 'logprobs-after-penalty',
    description: 'The reported token logprob is not the one the chosen token had (captured at another point of the sampler chain).',
    targets: ['logprobs.greedy-consistent'],
    response: (b) => {
      mapLogprobs(b, (lp) => ({ ...lp, token_logprobs: Array.isArray(lp.token_logprobs) ? lp.token_logprobs.map((v) => (typeof v === 'number' ? v - 0.5 : v)) : lp.token_logprobs }));
      return b;
    },
  },
  {
    name: 'text-offset-shifted',
    description: 'text_offset is off by one after the first token (vLLM PR #47815).',
    targets: ['logprobs.text-offset', 'echo.logprobs'],
    response: (b) => {
      mapLogprobs(b, (lp) => ({ ...lp, text_offset: Array.isArray(lp.text_offset) ? lp.text_offset.map((v, i) => (i > 0 ? Number(v) + 1 : v)) : lp.text_offset }));
      return b;
    },
  },
  {
    name: 'stream-logprobs-incomplete',
    description: 'Streamed chunks carry the logprobs of their first token only.',
    targets: ['logprobs.stream'],
    events: (items) =>
      items.map((i) => {
        if (!isObject(i)) return i;
        for (const c of choices(i)) {
          const lp = c.logprobs;
          if (isObject(lp) && Array.isArray(lp.tokens) && lp.tokens.length > 1) {
            c.logprobs = {
              tokens: lp.tokens.slice(0, 1),
              token_logprobs: (lp.token_logprobs as unknown[]).slice(0, 1),
              top_logprobs: (lp.top_logprobs as unknown[]).slice(0, 1),
              text_offset: (lp.text_offset as unknown[]).slice(0, 1),
            };
          } else if (isObject(lp) && Array.isArray(lp.token_logprobs) && lp.token_logprobs.length === 1 && typeof lp.token_logprobs[0] === 'number') {
            lp.token_logprobs = [lp.token_logprobs[0] - 0.25];
          }
        }
        return i;
      }),
  },
  {
    name: 'chat-style-logprobs',
    description: 'logprobs come in the chat format `{"content": [...]}` (llama.cpp on /v1/completions).',
    targets: ['logprobs.format', 'logprobs.aligned'],
    response: (b) => {
      mapLogprobs(b, (lp) => ({
        content: (Array.isArray(lp.tokens) ? lp.tokens : []).map((t, i) => {
          const top = Array.isArray(lp.top_logprobs) ? lp.top_logprobs[i] : undefined;
          return { token: t, logprob: (lp.token_logprobs as unknown[])[i], top_logprobs: isObject(top) ? Object.entries(top).map(([token, logprob]) => ({ token, logprob })) : [] };
        }),
      }));
      return b;
    },
  },
  // -- seed ---------------------------------------------------------------------------------------
  {
    name: 'greedy-flaky',
    description: 'Identical greedy requests do not always give the same text (llama.cpp #2838, prompt cache).',
    targets: ['seed.greedy-repeatable'],
    response: (b, req, s) => {
      if (isCompletion(req) && req.body.temperature === 0 && s.requests % 2 === 0) for (const c of choices(b)) c.text = `${String(c.text)} again`;
      return b;
    },
  },
  ignoreParams(['seed'], ['seed.same-seed'], 'seed is accepted and ignored.'),
  {
    name: 'fixed-seed',
    description: 'Every request runs with the same seed, whatever it asks (TGW #6487, llama-cpp-python#1809).',
    targets: ['seed.different-seeds', 'seed.unseeded-varies'],
    request: (req) => editBody(req, (b) => void (b.seed = 1)),
  },
  {
    name: 'seed-lost-under-load',
    description: 'A seed is honoured only when the request runs alone (vllm#1595, #51226).',
    targets: ['seed.concurrent'],
    request: (req, s) => (s.inFlight > 1 ? editBody(req, (b) => void delete b.seed) : undefined),
  },
  // -- streaming ----------------------------------------------------------------------------------
  {
    name: 'stream-content-type',
    description: 'The stream is served as text/plain.',
    targets: ['stream.content-type'],
    streamContentType: 'text/plain; charset=utf-8',
  },
  {
    name: 'no-done',
    description: 'The stream ends without `data: [DONE]` (TGW v1.14).',
    targets: ['stream.done'],
    events: (items) => items.filter((i) => i !== '[DONE]'),
  },
  {
    name: 'no-blank-lines',
    description: 'Events are not separated by blank lines, so SSE clients merge them.',
    targets: ['stream.framing'],
    serialize: (items) => `${items.map((i) => `data: ${typeof i === 'string' ? i : JSON.stringify(i)}`).join('\n')}\n\n`,
  },
  {
    name: 'chunk-object',
    description: 'Chunks are `"object": "text_completion.chunk"` (TGW v1.14).',
    targets: ['stream.chunk-shape', 'wire.chunk-schema'],
    events: (items) => items.map((i) => (isObject(i) ? { ...i, object: 'text_completion.chunk' } : i)),
  },
  {
    name: 'finish-twice',
    description: 'The chunk with finish_reason is sent twice.',
    targets: ['stream.single-finish'],
    events: (items) => {
      const at = items.findIndex((i) => isObject(i) && choices(i).some((c) => c.finish_reason !== null && c.finish_reason !== undefined));
      return at < 0 ? items : [...items.slice(0, at + 1), items[at]!, ...items.slice(at + 1)];
    },
  },
  {
    name: 'lost-chunk',
    description: 'One text chunk of the stream is lost (a race in the streaming loop).',
    targets: ['stream.equals-non-stream', 'echo.stream', 'stop.stream'],
    events: (items) => {
      const text = items.map((i, n) => ({ i, n })).filter(({ i }) => isObject(i) && choices(i).some((c) => typeof c.text === 'string' && c.text !== ''));
      const victim = text[Math.floor(text.length / 2)];
      return victim ? items.filter((_, n) => n !== victim.n) : items;
    },
  },
  {
    name: 'buffered-stream',
    description: 'The whole text arrives in one chunk at the end (a buffering proxy or server).',
    targets: ['stream.incremental'],
    events: (items) => {
      const withChoices = chunks(items).filter((c) => choices(c).length === 1);
      const first = withChoices[0];
      const last = withChoices[withChoices.length - 1];
      if (!first || !last) return items;
      const merged = { ...first, choices: [{ ...choices(first)[0]!, text: streamText(items), finish_reason: choices(last)[0]!.finish_reason }] };
      return [merged, ...items.filter((i) => isObject(i) && choices(i).length === 0), '[DONE]'];
    },
  },
  {
    name: 'split-utf8',
    description: 'A chunk ends in the middle of a multi-byte character, sent as U+FFFD.',
    targets: ['stream.utf8'],
    events: (items) => {
      let done = false;
      return items.map((i) => {
        if (done || !isObject(i)) return i;
        for (const c of choices(i)) {
          if (typeof c.text === 'string' && /[^\u0000-\u007f]/.test(c.text)) {
            c.text = c.text.replace(/[^\u0000-\u007f]/, '\uFFFD');
            done = true;
          }
        }
        return i;
      });
    },
  },
  {
    name: 'stream-error-as-event',
    description: 'A request that fails validation gets HTTP 200 and an error event instead of a 400.',
    targets: ['stream.error-before-start'],
    error: (status, body, req) =>
      isObject(req.body) && req.body.stream === true ? { status: 200, body: `data: ${JSON.stringify(body)}\n\ndata: [DONE]\n\n`, contentType: 'text/event-stream' } : { status, body },
  },
  // -- stream_options ----------------------------------------------------------------------------
  {
    name: 'usage-chunk-missing',
    description: 'include_usage is accepted but no usage chunk is sent.',
    targets: ['stream_options.usage-chunk', 'stream_options.usage-matches'],
    events: (items) => items.filter((i) => !(isObject(i) && choices(i).length === 0 && isObject(i.usage))),
  },
  {
    name: 'usage-key-missing',
    description: 'With include_usage, the other chunks have no `usage` member (OpenAI sends "usage": null).',
    targets: ['stream_options.usage-null'],
    events: (items) =>
      items.map((i) => {
        if (isObject(i) && i.usage === null) {
          const { usage: _usage, ...rest } = i;
          return rest;
        }
        return i;
      }),
  },
  {
    name: 'usage-chunk-wrong',
    description: 'The usage chunk counts one token more than the non-streamed response.',
    targets: ['stream_options.usage-matches'],
    events: (items) =>
      items.map((i) =>
        isObject(i) && isObject(i.usage)
          ? { ...i, usage: { ...i.usage, completion_tokens: Number(i.usage.completion_tokens) + 1, total_tokens: Number(i.usage.total_tokens) + 1 } }
          : i,
      ),
  },
  {
    name: 'usage-always',
    description: 'The last chunk carries usage although include_usage was not set (llama.cpp, TGW before 5a017aa3).',
    targets: ['stream_options.no-usage-by-default'],
    events: (items) => {
      const last = [...items].reverse().find((i) => isObject(i) && choices(i).length > 0);
      if (isObject(last) && !isObject(last.usage)) last.usage = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 };
      return items;
    },
  },
  // -- n, best_of, batch --------------------------------------------------------------------------
  ignoreParams(['n'], ['n.choices', 'n.stream', 'n.batch', 'best_of.returns-n'], 'n is accepted and ignored (TGW before 8aeaa763).'),
  ignoreParams(['best_of'], ['best_of.picks-best'], 'best_of is accepted and ignored: the plain sample comes back, not the best candidate (llama.cpp de3ff815).'),
  {
    name: 'best-of-rejected',
    description: 'The mere presence of best_of is rejected, even best_of 1 (llama.cpp, vLLM V1).',
    targets: ['best_of.one'],
    request: (req) => (isCompletion(req) && 'best_of' in req.body ? { status: 400, body: envelope('Unsupported param: best_of', 'invalid_request_error', 'best_of') } : undefined),
  },
  {
    name: 'batch-order',
    description: 'Choices of a batch come back in the wrong order.',
    targets: ['batch.strings'],
    response: (b, req) => {
      if (isCompletion(req) && Array.isArray(req.body.prompt) && typeof req.body.prompt[0] === 'string') {
        const cs = choices(b);
        const texts = cs.map((c) => c.text);
        texts.push(texts.shift());
        cs.forEach((c, i) => (c.text = texts[i]));
      }
      return b;
    },
  },
  {
    name: 'stream-index-zero',
    description: 'Every streamed chunk has index 0 (llama.cpp PR #20226).',
    targets: ['batch.stream'],
    events: (items) =>
      items.map((i) => {
        if (isObject(i)) for (const c of choices(i)) c.index = 0;
        return i;
      }),
  },
  {
    name: 'token-prompt-decoded-wrong',
    description: 'Token-array prompts are answered as if they were another text (TGW decodes them with tiktoken when `model` names an OpenAI model).',
    targets: ['token_prompts.equal-text', 'token_prompts.batch'],
    request: (req) =>
      editBody(req, (b) => {
        const p = b.prompt;
        if (Array.isArray(p) && p.length > 0 && (typeof p[0] === 'number' || Array.isArray(p[0]))) {
          b.prompt = typeof p[0] === 'number' ? 'Hello' : p.map(() => 'Hello');
        }
      }),
  },
  // -- logit_bias, suffix, sampling ---------------------------------------------------------------
  ignoreParams(['logit_bias'], ['logit_bias.force', 'logit_bias.ban']),
  suffixAppended(),
  ignoreParams(['suffix'], ['suffix.insert'], 'suffix is accepted and ignored (llama.cpp de3ff815).'),
  {
    name: 'suffix-key-rejected',
    description: 'The presence of `suffix` is rejected even when it is null (llama.cpp).',
    targets: ['suffix.null'],
    request: (req) => (isCompletion(req) && 'suffix' in req.body ? { status: 400, body: envelope('Unsupported param: suffix', 'invalid_request_error', 'suffix') } : undefined),
  },
  ignoreParams(['top_p'], ['sampling.top-p']),
  ignoreParams(['presence_penalty'], ['sampling.presence-penalty']),
  ignoreParams(['frequency_penalty'], ['sampling.frequency-penalty']),
  // -- TGW extensions: accepted and ignored ---------------------------------------------------------
  ignoreParams(['top_k'], ['ext.top_k']),
  ignoreParams(['min_p'], ['ext.min_p']),
  ignoreParams(['tfs'], ['ext.tfs']),
  ignoreParams(['top_n_sigma'], ['ext.top_n_sigma']),
  ignoreParams(['do_sample'], ['ext.do_sample']),
  ignoreParams(['mirostat_mode'], ['ext.mirostat']),
  ignoreParams(['mirostat_eta'], ['ext.mirostat_eta']),
  ignoreParams(['dynamic_temperature'], ['ext.dynamic_temperature']),
  ignoreParams(['dynatemp_exponent'], ['ext.dynatemp_exponent']),
  ignoreParams(['smoothing_factor'], ['ext.smoothing_factor']),
  ignoreParams(['smoothing_curve'], ['ext.smoothing_curve']),
  ignoreParams(['typical_p'], ['ext.typical_p']),
  ignoreParams(['top_a'], ['ext.top_a']),
  ignoreParams(['xtc_probability'], ['ext.xtc']),
  ignoreParams(['xtc_threshold'], ['ext.xtc_threshold']),
  ignoreParams(['epsilon_cutoff'], ['ext.epsilon_cutoff']),
  ignoreParams(['eta_cutoff'], ['ext.eta_cutoff']),
  ignoreParams(['temperature_last'], ['ext.temperature_last']),
  ignoreParams(['sampler_priority'], ['ext.sampler_priority', 'ext.sampler_priority_string']),
  ignoreParams(['repetition_penalty'], ['ext.repetition_penalty']),
  ignoreParams(['repetition_penalty_range'], ['ext.repetition_penalty_range']),
  ignoreParams(['encoder_repetition_penalty'], ['ext.encoder_repetition_penalty']),
  ignoreParams(['no_repeat_ngram_size'], ['ext.no_repeat_ngram_size']),
  ignoreParams(['dry_multiplier'], ['ext.dry']),
  ignoreParams(['dry_allowed_length'], ['ext.dry_allowed_length']),
  ignoreParams(['dry_base'], ['ext.dry_base']),
  ignoreParams(['dry_sequence_breakers'], ['ext.dry_sequence_breakers', 'ext.dry_sequence_breakers_string']),
  ignoreParams(['custom_token_bans'], ['ext.custom_token_bans']),
  ignoreParams(['ban_eos_token'], ['ext.ban_eos_token']),
  ignoreParams(['auto_max_new_tokens'], ['ext.auto_max_new_tokens']),
  ignoreParams(['truncation_length'], ['ext.truncation_length']),
  ignoreParams(['skip_special_tokens'], ['ext.skip_special_tokens']),
  ignoreParams(['grammar_string'], ['ext.grammar_string', 'ext.grammar_string_invalid']),
  ignoreParams(['guidance_scale', 'negative_prompt'], ['ext.guidance_scale', 'ext.negative_prompt']),
  ignoreParams(['penalty_alpha'], ['ext.penalty_alpha']),
  ignoreParams(['max_tokens_second'], ['ext.max_tokens_second', 'ext.max_tokens_second_concurrent']),
  ignoreParams(['preset'], ['ext.preset', 'ext.preset_resets', 'ext.preset_unknown']),
  // -- TGW extensions: other deviations -------------------------------------------------------------
  {
    name: 'epsilon-read-raw',
    description: 'epsilon_cutoff is read as a probability instead of in 1e-4 units, so 3 removes every token but the top one.',
    targets: ['ext.epsilon_cutoff'],
    request: (req) => editBody(req, (b) => void (typeof b.epsilon_cutoff === 'number' && (b.epsilon_cutoff = Math.min(10_000, b.epsilon_cutoff * 10_000)))),
  },
  {
    name: 'sampler-priority-string-ignored',
    description: 'sampler_priority is honoured as a list but TGW\'s string form is ignored.',
    targets: ['ext.sampler_priority_string'],
    request: (req) => editBody(req, (b) => void (typeof b.sampler_priority === 'string' && delete b.sampler_priority)),
  },
  {
    name: 'dry-breakers-string-ignored',
    description: 'dry_sequence_breakers must be an array; TGW\'s string form is ignored (llama.cpp).',
    targets: ['ext.dry_sequence_breakers_string'],
    request: (req) => editBody(req, (b) => void (typeof b.dry_sequence_breakers === 'string' && delete b.dry_sequence_breakers)),
  },
  promptLookupLossy(),
  throttleHoldsLock(),
  {
    name: 'preset-merged',
    description: 'A preset sets only the values it names and keeps the request\'s other sampler values (TGW resets them to default_preset()).',
    targets: ['ext.preset_resets'],
    request: (req) =>
      editBody(req, (b) => {
        const named = typeof b.preset === 'string' ? TGW_PRESETS[b.preset] : undefined;
        if (named) {
          Object.assign(b, named);
          delete b.preset;
        }
      }),
  },
  {
    name: 'bos-added-twice',
    description: 'add_bos_token adds a BOS token even when the prompt already has one, counting two more tokens.',
    targets: ['ext.add_bos_token'],
    response: (b, req) => {
      if (isObject(req.body) && req.body.add_bos_token === true && isObject(b.usage)) {
        b.usage = { ...b.usage, prompt_tokens: Number(b.usage.prompt_tokens) + 2, total_tokens: Number(b.usage.total_tokens) + 2 };
      }
      return b;
    },
  },
];
