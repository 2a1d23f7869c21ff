/**
 * Response shape, usage, max_tokens, /v1/models and the error envelope.
 */
import { invalid, type CheckContext } from './context.js';
import { define, expect400, finishOf, sleep } from './helpers.js';
import { isObject, q, readChoices, readUsage } from './observed.js';
import { completionTokens, greedy, PROMPTS } from './oracles.js';
import { check, fail, skip } from './outcome.js';
import type { CheckDef } from './types.js';

const FINISH_REASONS = ['stop', 'length', 'content_filter'];

export const coreChecks: CheckDef[] = [
  define({
    id: 'completions.shape',
    title: 'A completion has the documented shape',
    level: 'MUST',
    feature: 'completions',
    sends: `\`{"prompt": "${PROMPTS.main}", "max_tokens": 16, "temperature": 0}\``,
    expects:
      'HTTP 200, `Content-Type: application/json`; `id` a non-empty string, `object` "text_completion", `created` integer Unix seconds within a day of now, `model` a string, `choices` a non-empty array whose items have `text` (string), `index` (0, 1, ... in order), `logprobs` (null or an object) and `finish_reason` ("stop", "length" or "content_filter").',
    source: 'OpenAI `CreateCompletionResponse` (required: id, object, created, model, choices).',
    async run(ctx) {
      const res = await greedy(ctx, PROMPTS.main, 16);
      const type = res.headers.get('content-type') ?? '';
      check(/^application\/json\b/i.test(type), `Content-Type is ${JSON.stringify(type)}, expected application/json`);
      const b = res.body;
      check(typeof b.id === 'string' && b.id.length > 0, `"id" is ${JSON.stringify(b.id)}, expected a non-empty string`);
      check(b.object === 'text_completion', `"object" is ${JSON.stringify(b.object)}, expected "text_completion"`);
      check(typeof b.created === 'number' && Number.isInteger(b.created), `"created" is ${JSON.stringify(b.created)}, expected integer Unix seconds`);
      const now = Date.now() / 1000;
      check(Math.abs(b.created - now) < 86_400, `"created" ${b.created} is not within a day of now (${Math.round(now)}); Unix seconds expected`);
      check(typeof b.model === 'string', `"model" is ${JSON.stringify(b.model)}, expected a string`);
      res.choices.forEach((c, i) => {
        check(c.index === i, `choices[${i}].index is ${c.index}, expected ${i}`);
        check('logprobs' in c.raw, `choices[${i}] has no "logprobs" member (null when not requested)`);
        check(c.logprobs === null || isObject(c.logprobs), `choices[${i}].logprobs is ${JSON.stringify(c.logprobs)}, expected null or an object`);
        check(FINISH_REASONS.includes(c.finish_reason as string), `choices[${i}].finish_reason is ${JSON.stringify(c.finish_reason)}, expected one of ${FINISH_REASONS.join(', ')}`);
      });
    },
  }),
  define({
    id: 'completions.usage',
    title: 'usage counts add up',
    level: 'MUST',
    feature: 'completions',
    sends: `\`{"prompt": "${PROMPTS.main}", "max_tokens": 16, "temperature": 0}\``,
    expects:
      '`usage` with non-negative integers `prompt_tokens` (at least 1), `completion_tokens` (at most max_tokens, at least 1 when text was generated) and `total_tokens` = prompt_tokens + completion_tokens.',
    source: 'OpenAI `CompletionUsage`; vLLM `test_single_completion` (exact usage).',
    async run(ctx) {
      const res = await greedy(ctx, PROMPTS.main, 16);
      const u = readUsage(res.body.usage, 'response');
      check(u.total_tokens === u.prompt_tokens + u.completion_tokens, `usage.total_tokens is ${u.total_tokens}, but prompt_tokens + completion_tokens = ${u.prompt_tokens + u.completion_tokens}`);
      check(u.prompt_tokens >= 1, `usage.prompt_tokens is ${u.prompt_tokens} for a non-empty prompt`);
      check(u.completion_tokens <= 16, `usage.completion_tokens is ${u.completion_tokens} with max_tokens 16`);
      if (res.text.length > 0) check(u.completion_tokens >= 1, `usage.completion_tokens is 0 but the text is ${q(res.text)}`);
      return `prompt ${u.prompt_tokens}, completion ${u.completion_tokens} tokens`;
    },
  }),
  define({
    id: 'completions.created',
    title: '"created" is the time of the request',
    level: 'SHOULD',
    feature: 'completions',
    sends: 'Two one-token completions 1.1 s apart.',
    expects: 'The second `created` is larger than the first.',
    source: 'OpenAI: "The Unix timestamp (in seconds) of when the completion was created"; TGW c026dbaf fixed a `created` frozen at import time.',
    async run(ctx) {
      const a = await ctx.complete({ prompt: PROMPTS.main, max_tokens: 1, temperature: 0 });
      await sleep(1100);
      const b = await ctx.complete({ prompt: PROMPTS.main, max_tokens: 1, temperature: 0 });
      check(typeof a.body.created === 'number' && typeof b.body.created === 'number', '"created" is not a number');
      check(b.body.created > a.body.created, `two requests 1.1 s apart both have created = ${a.body.created} and ${b.body.created}: the timestamp is not the request's`);
    },
  }),
  define({
    id: 'completions.unknown-field',
    title: 'An unknown request field causes no server error',
    level: 'SHOULD',
    feature: 'completions',
    exercises: false,
    sends: '`{"prompt": ..., "max_tokens": 2, "x_conformance_probe": true}`',
    expects: 'HTTP 200 (ignored) or a 4xx with an error envelope naming it (rejected); never a 5xx.',
    source: 'llama.cpp passes unknown fields through; vLLM accepts extras; OpenAI rejects them with 400. Any of these is fine, a crash is not.',
    async run(ctx) {
      const res = await ctx.post(invalid({ prompt: PROMPTS.main, max_tokens: 2, x_conformance_probe: true }));
      if (res.status === 200) {
        readChoices(res.json, 'the 200 response');
        return 'accepted (ignored)';
      }
      ctx.expectRejection(res, 'an unknown field');
      return `rejected with HTTP ${res.status}`;
    },
  }),
  define({
    id: 'completions.prompt-required',
    title: 'A request without a prompt is rejected',
    level: 'MUST',
    feature: 'completions',
    sends: '`{"model": ..., "max_tokens": 2}`',
    expects: '4xx with an OpenAI error envelope.',
    source: 'OpenAI `CreateCompletionRequest` requires `model` and `prompt`.',
    async run(ctx) {
      const rej = await ctx.rejects({ max_tokens: 2 }, 'a request without "prompt"');
      expect400(ctx, rej, 'missing prompt');
    },
  }),
  define({
    id: 'completions.model-echo',
    title: '"model" in the response names the model asked for',
    level: 'INFO',
    feature: 'completions',
    sends: 'The main greedy request.',
    expects: '`model` equals the requested model id.',
    source: 'OpenAI echoes the model; llama.cpp PR #17668 stopped reflecting the requested name.',
    async run(ctx) {
      const res = await greedy(ctx, PROMPTS.main, 16);
      check(res.body.model === ctx.model, `"model" is ${JSON.stringify(res.body.model)}, the request asked for ${JSON.stringify(ctx.model)}`);
    },
  }),

  // ---- max_tokens -------------------------------------------------------------------------
  define({
    id: 'max_tokens.length',
    title: 'max_tokens is honoured exactly, with finish_reason "length"',
    level: 'SHOULD',
    feature: 'max_tokens',
    sends: 'A greedy request with max_tokens 8; if the model stops earlier on its own (m tokens), the same with max_tokens m-1.',
    expects: 'When generation is cut by max_tokens N: finish_reason "length" and usage.completion_tokens == N. When it ends earlier: finish_reason "stop".',
    source: 'llama.cpp tests `predicted_n == n_predict`; vLLM usage 5/6/11; llama.cpp PR #7198 (finish_reason always "stop").',
    async run(ctx) {
      const res = await greedy(ctx, PROMPTS.main, 8);
      const n = completionTokens(res);
      if (finishOf(res) === 'length') {
        check(n === 8, `finish_reason "length" but usage.completion_tokens is ${n}, not max_tokens (8)`);
        return;
      }
      check(finishOf(res) === 'stop', `finish_reason is ${JSON.stringify(finishOf(res))}`);
      check(n < 8, `finish_reason "stop" but all ${n} tokens of max_tokens 8 were generated: an exhausted budget is "length"`);
      if (n < 2) skip('the model stops after one token, too early to cut it with max_tokens');
      const cut = await ctx.complete({ prompt: PROMPTS.main, max_tokens: n - 1, temperature: 0 });
      check(finishOf(cut) === 'length', `max_tokens ${n - 1} cut a ${n}-token answer but finish_reason is ${JSON.stringify(finishOf(cut))}, expected "length"`);
      check(completionTokens(cut) === n - 1, `usage.completion_tokens is ${completionTokens(cut)}, expected ${n - 1}`);
    },
  }),
  define({
    id: 'max_tokens.default',
    title: 'max_tokens defaults to 16',
    level: 'SHOULD',
    feature: 'max_tokens',
    sends: '`{"prompt": ..., "seed": 1}` (no max_tokens).',
    expects: 'At most 16 completion tokens; exactly 16 when finish_reason is "length".',
    source: 'OpenAI: max_tokens "Defaults to 16". TGW moved to 512 (6fbf162d), llama.cpp is unbounded, KoboldCpp 180.',
    async run(ctx) {
      const res = await ctx.complete({ prompt: PROMPTS.main, seed: 1 });
      const n = completionTokens(res);
      check(n <= 16, `without max_tokens the server generated ${n} tokens; OpenAI's default is 16`);
      if (finishOf(res) === 'length') check(n === 16, `without max_tokens generation stopped for length after ${n} tokens; OpenAI's default is 16`);
      else return `the model stopped by itself after ${n} tokens, so only "at most 16" could be verified`;
    },
  }),
  define({
    id: 'max_tokens.negative',
    title: 'max_tokens -1 is rejected',
    level: 'MUST',
    feature: 'max_tokens',
    exercises: false,
    sends: '`{"prompt": ..., "max_tokens": -1}`',
    expects: 'HTTP 400 with an error envelope.',
    source: 'OpenAI `max_tokens` minimum 0; TGW HEAD and vLLM reject negatives.',
    async run(ctx) {
      expect400(ctx, await ctx.rejects({ prompt: PROMPTS.main, max_tokens: -1 }, 'max_tokens -1'), 'max_tokens -1');
    },
  }),
  define({
    id: 'max_tokens.zero',
    title: 'max_tokens 0 generates nothing (or is rejected)',
    level: 'SHOULD',
    feature: 'max_tokens',
    sends: '`{"prompt": ..., "max_tokens": 0}`',
    expects: 'Either HTTP 200 with empty text and usage.completion_tokens 0, or a 4xx with an envelope (TGW HEAD rejects it without logprobs).',
    source: 'OpenAI `max_tokens` minimum 0; vLLM `echo_without_generation`.',
    async run(ctx) {
      const res = await ctx.post({ prompt: PROMPTS.main, max_tokens: 0 });
      if (res.status !== 200) {
        ctx.expectRejection(res, 'max_tokens 0');
        return `rejected with HTTP ${res.status}`;
      }
      const [choice] = readChoices(res.json, 'response');
      check(choice !== undefined, 'no choices');
      const u = readUsage(isObject(res.json) ? res.json.usage : undefined, 'response');
      check(u.completion_tokens === 0, `max_tokens 0 generated ${u.completion_tokens} tokens`);
      check(choice.text === '', `max_tokens 0 returned text ${q(choice.text)}`);
      return 'accepted: empty text, 0 tokens';
    },
  }),
  define({
    id: 'max_tokens.over-context',
    title: 'max_tokens beyond the context is rejected or accepted, never a server error',
    level: 'SHOULD',
    feature: 'max_tokens',
    sends: '`{"prompt": ..., "max_tokens": 10000000, "temperature": 0, "stop": [".", "\\n"]}`',
    expects: 'A 4xx with an envelope, or HTTP 200 (the server accepts the value: it may clamp it to the context or just stop at the stop string); the report says which.',
    source: 'llama.cpp `exceed_context_size_error`; TGW truncation_length; vLLM rejects prompt + max_tokens > max_model_len.',
    async run(ctx) {
      const res = await ctx.post({ prompt: PROMPTS.main, max_tokens: 10_000_000, temperature: 0, stop: ['.', '\n'] });
      if (res.status === 200) {
        readChoices(res.json, 'the 200 response');
        return 'accepted (HTTP 200)';
      }
      ctx.expectRejection(res, 'max_tokens 10000000');
      return `rejected with HTTP ${res.status}`;
    },
  }),

  // ---- /v1/models -------------------------------------------------------------------------
  define({
    id: 'models.list',
    title: 'GET /v1/models lists the model',
    level: 'MUST',
    feature: 'models',
    sends: '`GET /v1/models`',
    expects: 'HTTP 200 `{"object": "list", "data": [{"id", "object": "model", "created", "owned_by"}, ...]}` listing the model under test.',
    source: 'OpenAI `ListModelsResponse`.',
    async run(ctx) {
      const res = await ctx.send('GET', '/v1/models');
      check(res.status === 200, `HTTP ${res.status}`);
      ctx.env.wire.validate('model-list', res.json, ctx.check.id, res.exchange);
      const b = res.json;
      check(isObject(b), 'the body is not a JSON object');
      check(b.object === 'list', `"object" is ${JSON.stringify(b.object)}, expected "list"`);
      check(Array.isArray(b.data) && b.data.length > 0, '"data" is not a non-empty array');
      b.data.forEach((m, i) => {
        check(isObject(m), `data[${i}] is not an object`);
        check(typeof m.id === 'string', `data[${i}].id is not a string`);
        check(m.object === 'model', `data[${i}].object is ${JSON.stringify(m.object)}, expected "model"`);
        check(typeof m.created === 'number', `data[${i}].created is not a number`);
        check(typeof m.owned_by === 'string', `data[${i}].owned_by is not a string`);
      });
      const ids = b.data.map((m) => (isObject(m) ? m.id : undefined));
      check(ids.includes(ctx.model), `the model under test ${JSON.stringify(ctx.model)} is not listed (${JSON.stringify(ids)})`);
    },
  }),
  define({
    id: 'models.retrieve',
    title: 'GET /v1/models/{id} describes the model',
    level: 'SHOULD',
    feature: 'models',
    sends: '`GET /v1/models/<model>`',
    expects: 'HTTP 200 `{"id": <model>, "object": "model", "created", "owned_by"}`.',
    source: 'OpenAI `GET /models/{model}`.',
    async run(ctx) {
      const res = await ctx.send('GET', `/v1/models/${encodeURIComponent(ctx.model)}`);
      check(res.status === 200, `HTTP ${res.status}: ${q(res.text, 200)}`);
      ctx.env.wire.validate('model', res.json, ctx.check.id, res.exchange);
      check(isObject(res.json) && res.json.id === ctx.model, `"id" is ${JSON.stringify(isObject(res.json) ? res.json.id : res.json)}, expected ${JSON.stringify(ctx.model)}`);
      check(res.json.object === 'model', `"object" is ${JSON.stringify(res.json.object)}, expected "model"`);
    },
  }),

  // ---- errors ----------------------------------------------------------------------------
  define({
    id: 'errors.malformed-json',
    title: 'A body that is not JSON is a 400',
    level: 'MUST',
    feature: 'errors',
    sends: '`{"model": ..., "prompt": ` (truncated JSON)',
    expects: 'HTTP 400 with an OpenAI error envelope; not a 5xx, not FastAPI\'s 422.',
    source: 'OpenAI `ErrorResponse`; TGW answers 422 `{"detail": ...}`.',
    async run(ctx) {
      const rej = await ctx.rejects({ raw: `{"model": ${JSON.stringify(ctx.model)}, "prompt": ` }, 'a truncated JSON body');
      expect400(ctx, rej, 'malformed JSON');
    },
  }),
  define({
    id: 'errors.wrong-type',
    title: 'A parameter of the wrong type is a 400',
    level: 'MUST',
    feature: 'errors',
    sends: '`{"prompt": ..., "temperature": "hot"}`',
    expects: 'HTTP 400 with an error envelope.',
    source: 'OpenAI `CreateCompletionRequest.temperature` is a number; a 422 `{"detail"}` (FastAPI, TGW) fails the strict profile.',
    async run(ctx) {
      const rej = await ctx.rejects(invalid({ prompt: PROMPTS.main, temperature: 'hot' }), 'temperature "hot"');
      expect400(ctx, rej, 'temperature "hot"');
    },
  }),
  define({
    id: 'errors.envelope',
    title: 'Error bodies are OpenAI error envelopes',
    level: 'MUST',
    feature: 'errors',
    sends: '`{"prompt": ..., "temperature": "hot"}`',
    expects:
      'The body validates against the spec\'s error-response schema: `{"error": {"message": string, "type": string, "param": string|null, "code": string|null}}` (the compat profile tolerates an integer `code` and a missing `param`).',
    source: 'OpenAI `Error` (all four members required); vLLM < 0.10.1 sent a flat body (vllm#12886); llama.cpp sends an integer code and no param.',
    async run(ctx) {
      const rej = await ctx.rejects(invalid({ prompt: PROMPTS.main, temperature: 'hot' }), 'temperature "hot"');
      const issues = ctx.env.wire.validate('error-response', rej.response.json, ctx.check.id, rej.response.exchange);
      if (issues.length > 0) fail(`the error body does not match the error-response schema: ${issues.map((i) => `${i.path || '/'} ${i.message}`).join('; ')}`);
      check(typeof rej.error.type === 'string', '"error.type" is not a string');
    },
  }),
  define({
    id: 'errors.type',
    title: 'A 4xx error has a client-error type',
    level: 'SHOULD',
    feature: 'errors',
    sends: '`{"prompt": ..., "temperature": "hot"}`, `{"prompt": ..., "max_tokens": -1}` and a body that is not JSON.',
    expects:
      'Each answer that is a 4xx with an error envelope has an `error.type` that is a non-empty string not naming a server error (e.g. "invalid_request_error", not "server_error", "internal_error" or "api_error"). Whether each request is rejected at all is other checks\' business (skipped when none is).',
    source: 'OpenAI sends `invalid_request_error` with a 400 and keeps `server_error`/`api_error` for 5xx; clients retry or report by type.',
    async run(ctx) {
      const answers = [
        await ctx.post(invalid({ prompt: PROMPTS.main, temperature: 'hot' })),
        await ctx.post({ prompt: PROMPTS.main, max_tokens: -1 }),
        await ctx.send('POST', '/v1/completions', { raw: `{"model": ${JSON.stringify(ctx.model)}, "prompt": ` }),
      ];
      let judged = 0;
      for (const res of answers) {
        const error = isObject(res.json) && isObject(res.json.error) ? res.json.error : undefined;
        if (res.status < 400 || res.status >= 500 || !error) continue;
        judged++;
        const type = error.type;
        check(typeof type === 'string' && type !== '', `HTTP ${res.status}: error.type is ${JSON.stringify(type)}, expected a client-error type`);
        check(!/server|internal|^api_error$/i.test(type), `HTTP ${res.status}: error.type is ${JSON.stringify(type)}, a server-error type on a client error`);
      }
      if (judged === 0) skip('none of the three invalid requests got a 4xx with an error envelope (see errors.wrong-type, max_tokens.negative, errors.malformed-json)');
      return `${judged} client error(s) with client-error types`;
    },
  }),
  define({
    id: 'errors.param-named',
    title: 'The error names the offending parameter',
    level: 'SHOULD',
    feature: 'errors',
    sends: '`temperature: "hot"`, then `max_tokens: -1`, then `top_p: "x"` (three requests).',
    expects: '`error.param` is "temperature", "max_tokens" and "top_p" respectively.',
    source: 'OpenAI sets `param`; a client can show the user which field to fix. llama.cpp omits it.',
    async run(ctx) {
      for (const [param, value] of [
        ['temperature', 'hot'],
        ['max_tokens', -1],
        ['top_p', 'x'],
      ] as const) {
        const rej = await ctx.rejects({ prompt: PROMPTS.main, [param]: value }, `${param} ${JSON.stringify(value)}`);
        check(rej.error.param === param, `for ${param} ${JSON.stringify(value)} error.param is ${JSON.stringify(rej.error.param)}, expected ${JSON.stringify(param)}`);
      }
    },
  }),
  define({
    id: 'errors.not-found',
    title: 'An unknown route is a 404 with an error envelope',
    level: 'INFO',
    feature: 'errors',
    sends: '`GET /v1/conformance-no-such-route`',
    expects: 'HTTP 404 with an OpenAI error envelope.',
    source: 'OpenAI answers unknown routes with a 404 envelope; FastAPI servers send `{"detail": "Not Found"}`.',
    async run(ctx) {
      const res = await ctx.send('GET', '/v1/conformance-no-such-route');
      check(res.status === 404, `HTTP ${res.status}, expected 404`);
      ctx.expectRejection(res, 'an unknown route');
    },
  }),
  define({
    id: 'errors.unknown-model',
    title: 'An unknown model is a 404',
    level: 'INFO',
    feature: 'errors',
    sends: '`{"model": "conformance-no-such-model", "prompt": ..., "max_tokens": 1}`',
    expects: 'HTTP 404 with an error envelope (OpenAI: code "model_not_found"). TGW and llama.cpp ignore `model`.',
    source: 'OpenAI behaviour; TGW documents `model` as unused.',
    async run(ctx) {
      const res = await ctx.post({ prompt: PROMPTS.main, max_tokens: 1, model: 'conformance-no-such-model' });
      check(res.status !== 200, 'an unknown model id was accepted (the server ignores "model")');
      ctx.expectRejection(res, 'an unknown model');
      check(res.status === 404, `HTTP ${res.status}, OpenAI answers 404`);
    },
  }),
  define({
    id: 'errors.auth',
    title: 'Requests without the API key are refused with 401',
    level: 'SHOULD',
    feature: 'errors',
    tags: ['auth'],
    sends: 'A completion without an Authorization header, then one with a wrong key (only when --api-key is given).',
    expects: 'HTTP 401 with an error envelope both times.',
    source: 'OpenAI answers 401 `invalid_api_key`; TGW sends 401 `{"detail": "Unauthorized"}`.',
    async run(ctx: CheckContext) {
      if (!ctx.env.hasApiKey) skip('no --api-key given, so authentication cannot be checked');
      const res = await ctx.post({ prompt: PROMPTS.main, max_tokens: 1 }, { noAuth: true });
      check(res.status === 401, `without a key: HTTP ${res.status}, expected 401`);
      ctx.expectRejection(res, 'a request without a key');
      const wrong = await ctx.send('POST', '/v1/completions', {
        json: ctx.body({ prompt: PROMPTS.main, max_tokens: 1 }),
        noAuth: true,
        headers: { authorization: 'Bearer conformance-wrong-key' },
      });
      check(wrong.status === 401, `with a wrong key: HTTP ${wrong.status}, expected 401`);
      ctx.expectRejection(wrong, 'a request with a wrong key');
    },
  }),
];
