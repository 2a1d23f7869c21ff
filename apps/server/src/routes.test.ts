/**
 * Every route, status and parameter through supertest, on the real engine (tiny model).
 * Every response body is checked against the published JSON Schema.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '@textgen-spec/engine';
import { createServer } from './server.js';
import type { TextgenServer } from './server.js';
import { expectSchema } from './__fixtures__/assertions.js';
import { tinyEngine } from './__fixtures__/harness.js';

// Set once in beforeAll: one server for all the tests of this file (starting one per test is slow).
let engine: Engine;
let server: TextgenServer;
let model: string;

beforeAll(async () => {
  engine = await tinyEngine();
  model = engine.info.id;
  server = createServer({ engine, modelAliases: ['gpt-3.5-turbo-instruct'] });
  await server.ready;
});
afterAll(() => server.close());

/** Asserts an OpenAI error envelope with this status and param. */
function expectError(res: request.Response, status: number, param: string | null, code?: string | null): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expectSchema('error-response', res.body);
  expect(res.body.error.param).toBe(param);
  expect(typeof res.body.error.message).toBe('string');
  expect(res.body.error.message.length).toBeGreaterThan(10);
  if (code !== undefined) expect(res.body.error.code).toBe(code);
}

const complete = (body: Record<string, unknown>) => request(server.http).post('/v1/completions').send({ model, ...body });

describe('GET /health', () => {
  it('is 200 {"status":"ok"} once the model is loaded, without an API key', async () => {
    const locked = createServer({ engine, apiKeys: ['secret'] });
    await locked.ready;
    const res = await request(locked.http).get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
    await locked.close();
  });

  it('is a 503 envelope while the model loads, and the model routes are 503 too', async () => {
    let finish!: (engine: Engine) => void;
    const loading = createServer({ engine: new Promise<Engine>((resolve) => (finish = resolve)) });
    const health = await request(loading.http).get('/health');
    expectError(health, 503, null, 'model_loading');
    expect(health.headers['retry-after']).toBeDefined();
    expectError(await request(loading.http).get('/v1/models'), 503, null, 'model_loading');
    expectError(await request(loading.http).post('/v1/completions').send({ model, prompt: 'x' }), 503, null, 'model_loading');
    finish(engine);
    await loading.ready;
    expect((await request(loading.http).get('/health')).status).toBe(200);
    await loading.close();
  });

  it('is a 503 naming the cause when the model failed to load', async () => {
    const failed = createServer({ engine: Promise.reject(new Error('no such folder: /nowhere')) });
    await expect(failed.ready).rejects.toThrow('no such folder');
    const res = await request(failed.http).get('/health');
    expectError(res, 503, null, 'model_load_failed');
    expect(res.body.error.message).toContain('no such folder: /nowhere');
    await failed.close();
  });
});

describe('GET /v1/models', () => {
  it('lists the served model, then its aliases', async () => {
    const res = await request(server.http).get('/v1/models');
    expect(res.status).toBe(200);
    expectSchema('model-list', res.body);
    expect(res.body.object).toBe('list');
    expect(res.body.data.map((m: { id: string }) => m.id)).toEqual([model, 'gpt-3.5-turbo-instruct']);
    expect(res.body.data[0]).toMatchObject({ object: 'model', owned_by: expect.any(String), created: expect.any(Number) });
  });

  it('GET /v1/models/{id} answers the model, an alias, or a 404 naming the served id', async () => {
    const one = await request(server.http).get(`/v1/models/${encodeURIComponent(model)}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: model, object: 'model' });
    expect((await request(server.http).get('/v1/models/gpt-3.5-turbo-instruct')).body.id).toBe('gpt-3.5-turbo-instruct');
    const missing = await request(server.http).get('/v1/models/davinci-002');
    expectError(missing, 404, 'model', 'model_not_found');
    expect(missing.body.error.message).toContain(`'${model}'`);
  });
});

describe('POST /v1/completions', () => {
  it('answers a text_completion with every field', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await complete({ prompt: 'Once upon a time', max_tokens: 5, temperature: 0 });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expectSchema('completion-response', res.body);
    expectSchema('completion-response', res.body, 'strict');
    const body = res.body;
    expect(body.id).toMatch(/^cmpl-/);
    expect(body.object).toBe('text_completion');
    expect(body.created).toBeGreaterThanOrEqual(before);
    expect(body.created).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(body.model).toBe(model);
    expect(body.system_fingerprint).toMatch(/^fp_[0-9a-f]+$/);
    expect(body.choices).toHaveLength(1);
    expect(body.choices[0]).toMatchObject({ index: 0, logprobs: null });
    expect(['stop', 'length']).toContain(body.choices[0].finish_reason);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
    expect(body.usage.completion_tokens).toBeLessThanOrEqual(5);
    expect(body.usage.prompt_tokens).toBe((await engine.encode('Once upon a time', { addBos: true })).length);
  });

  it('gives distinct ids and a stable system_fingerprint', async () => {
    const [a, b] = await Promise.all([complete({ prompt: 'a', max_tokens: 1 }), complete({ prompt: 'b', max_tokens: 1 })]);
    expect(a.body.id).not.toBe(b.body.id);
    expect(a.body.system_fingerprint).toBe(b.body.system_fingerprint);
    expect(a.body.system_fingerprint).toBe(server.systemFingerprint);
  });

  it('orders choices prompt-major: the n choices of prompt 0, then those of prompt 1', async () => {
    const res = await complete({ prompt: ['The cat', 'The dog'], n: 2, max_tokens: 4, temperature: 0 });
    expect(res.status).toBe(200);
    expectSchema('completion-response', res.body);
    expect(res.body.choices.map((c: { index: number }) => c.index)).toEqual([0, 1, 2, 3]);
    const texts = res.body.choices.map((c: { text: string }) => c.text);
    // Greedy: the two choices of one prompt are equal; each matches that prompt alone.
    expect(texts[0]).toBe(texts[1]);
    expect(texts[2]).toBe(texts[3]);
    const alone = await complete({ prompt: 'The dog', max_tokens: 4, temperature: 0 });
    expect(alone.body.choices[0].text).toBe(texts[2]);
    expect(res.body.usage.total_tokens).toBe(res.body.usage.prompt_tokens + res.body.usage.completion_tokens);
  });

  it('accepts the served model by an alias and answers with the name it was asked for', async () => {
    const res = await request(server.http)
      .post('/v1/completions')
      .send({ model: 'gpt-3.5-turbo-instruct', prompt: 'Hi', max_tokens: 1 });
    expect(res.status).toBe(200);
    expect(res.body.model).toBe('gpt-3.5-turbo-instruct');
  });

  it('is a 404 model_not_found for another model in strict, naming the served id (compat serves it: clients.test.ts)', async () => {
    const strict = createServer({ engine, profile: 'strict', modelAliases: ['gpt-3.5-turbo-instruct'] });
    try {
      const res = await request(strict.http).post('/v1/completions').send({ model: 'davinci-002', prompt: 'Hi' });
      expectError(res, 404, 'model', 'model_not_found');
      expect(res.body.error.message).toContain(`'${model}'`);
    } finally {
      await strict.close();
    }
  });

  it('returns logprobs aligned with the text, and echo with a null first prompt logprob', async () => {
    const res = await complete({ prompt: 'The old man', max_tokens: 4, temperature: 0, logprobs: 2, echo: true });
    expect(res.status).toBe(200);
    expectSchema('completion-response', res.body);
    const [choice] = res.body.choices;
    expect(choice.text.startsWith('The old man')).toBe(true);
    const lp = choice.logprobs;
    expect(lp.tokens.join('')).toBe(choice.text);
    expect(lp.token_logprobs[0]).toBeNull();
    expect(lp.top_logprobs[0]).toBeNull();
    expect(lp.tokens.length).toBe(res.body.usage.prompt_tokens + res.body.usage.completion_tokens);
    for (const top of lp.top_logprobs.slice(1)) expect(Object.keys(top).length).toBeGreaterThanOrEqual(1);
  });

  it('logprobs: 0 gives an object, absent gives null', async () => {
    const zero = await complete({ prompt: 'x', max_tokens: 2, logprobs: 0 });
    expect(zero.body.choices[0].logprobs).toMatchObject({ tokens: expect.any(Array) });
    const none = await complete({ prompt: 'x', max_tokens: 2 });
    expect(none.body.choices[0].logprobs).toBeNull();
  });

  it('echo with max_tokens 0 returns the prompt (the loglikelihood request)', async () => {
    const res = await complete({ prompt: 'The sea', max_tokens: 0, echo: true, logprobs: 1 });
    expect(res.status).toBe(200);
    expect(res.body.choices[0].text).toBe('The sea');
    expect(res.body.usage.completion_tokens).toBe(0);
  });

  it('stops before a stop string and says finish_reason "stop"', async () => {
    const free = await complete({ prompt: 'Once upon a time', max_tokens: 12, temperature: 0 });
    const text: string = free.body.choices[0].text;
    const cut = text.trim().split(/\s+/)[1];
    expect(cut, `need two words in ${JSON.stringify(text)}`).toBeDefined();
    const res = await complete({ prompt: 'Once upon a time', max_tokens: 12, temperature: 0, stop: [cut] });
    expect(res.body.choices[0].text).toBe(text.slice(0, text.indexOf(cut!)));
    expect(res.body.choices[0].finish_reason).toBe('stop');
  });

  it('accepts token-id prompts equal to the text prompt', async () => {
    const ids = await engine.encode('The cat', { addBos: false });
    const byText = await complete({ prompt: 'The cat', max_tokens: 4, temperature: 0 });
    const byIds = await complete({ prompt: ids, max_tokens: 4, temperature: 0 });
    expect(byIds.status).toBe(200);
    expect(byIds.body.choices[0].text).toBe(byText.body.choices[0].text);
  });

  it('is a 400 for token ids outside the vocabulary', async () => {
    expectError(await complete({ prompt: [engine.info.vocabSize + 5], max_tokens: 1 }), 400, 'prompt');
  });

  it('a seeded sampled request repeats exactly', async () => {
    const body = { prompt: 'The king', max_tokens: 8, temperature: 1, seed: 1234 };
    const [a, b] = await Promise.all([complete(body), complete(body)]);
    expect(a.body.choices[0].text).toBe(b.body.choices[0].text);
  });

  it('is a 400 naming suffix: the tiny model cannot fill in the middle', async () => {
    const res = await complete({ prompt: 'a', suffix: 'b' });
    expectError(res, 400, 'suffix');
    expect(res.body.error.message).toMatch(/fill in the middle|infill/i);
    expect((await complete({ prompt: 'a', suffix: null, max_tokens: 1 })).status).toBe(200);
  });

  it('best_of follows OpenAI: >= n, not with stream; best_of 1 is fine', async () => {
    expect((await complete({ prompt: 'a', max_tokens: 2, best_of: 1 })).status).toBe(200);
    const best = await complete({ prompt: 'a', max_tokens: 2, best_of: 3, n: 2, temperature: 1, seed: 5 });
    expect(best.status).toBe(200);
    expect(best.body.choices).toHaveLength(2);
    expectError(await complete({ prompt: 'a', best_of: 1, n: 2 }), 400, 'best_of');
    expectError(await complete({ prompt: 'a', best_of: 2, stream: true }), 400, 'best_of');
  });

  it('is a 400 naming custom_token_bans when the bans leave nothing to sample', async () => {
    const everything = Array.from({ length: engine.info.vocabSize }, (_, id) => id);
    const res = await complete({ prompt: 'a', max_tokens: 2, custom_token_bans: everything });
    expectError(res, 400, 'custom_token_bans', 'no_candidates');
  });

  it('typical_p 0 keeps the most typical token (found by the fuzzer: it used to be a 500)', async () => {
    const res = await complete({ prompt: [0], typical_p: 0, auto_max_new_tokens: true, truncation_length: 48, seed: 1 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  it('a denormal temperature behaves as greedy (found by the fuzzer: it used to be a 500)', async () => {
    const greedy = await complete({ prompt: 'The cat', max_tokens: 4, temperature: 0 });
    const tiny = await complete({ prompt: 'The cat', max_tokens: 4, temperature: 5e-324, logprobs: 1 });
    expect(tiny.status, JSON.stringify(tiny.body)).toBe(200);
    expect(tiny.body.choices[0].text).toBe(greedy.body.choices[0].text);
  });

  it('is a 400 naming a preset it does not have', async () => {
    const res = await complete({ prompt: 'a', preset: 'No Such Preset' });
    expectError(res, 400, 'preset');
  });

  it('applies the strict profile only when configured', async () => {
    const strict = createServer({ engine, profile: 'strict' });
    await strict.ready;
    const body = { model, prompt: 'a', max_tokens: 1, logprobs: 6 };
    expectError(await request(strict.http).post('/v1/completions').send(body), 400, 'logprobs');
    expect((await request(server.http).post('/v1/completions').send(body)).status).toBe(200);
    await strict.close();
  });

  it.each([
    ['a wrong type', { prompt: 'a', temperature: 'hot' }, 'temperature'],
    ['a negative max_tokens', { prompt: 'a', max_tokens: -1 }, 'max_tokens'],
    ['an empty prompt list', { prompt: [] }, 'prompt'],
    ['a missing prompt', {}, 'prompt'],
    ['an unknown sampler', { prompt: 'a', sampler_priority: ['warp_drive'] }, 'sampler_priority'],
    ['stream_options without stream', { prompt: 'a', stream_options: { include_usage: true } }, 'stream_options'],
  ])('is a 400 envelope for %s', async (_what, body, param) => {
    expectError(await complete(body), 400, param);
  });

  it('is a 400 for a body that is not a JSON object', async () => {
    for (const body of ['{"model":', '{"a":1}}', '[]', '"text"', '42', 'null', '', '\uFEFF{}']) {
      const res = await request(server.http).post('/v1/completions').set('Content-Type', 'application/json').send(body);
      expect(res.status, body).toBe(400);
      expectSchema('error-response', res.body);
    }
  });

  it('is a 413 for a body over --max-body-bytes', async () => {
    const small = createServer({ engine, maxBodyBytes: 4096 });
    await small.ready;
    const res = await request(small.http).post('/v1/completions').send({ model, prompt: 'x'.repeat(5000) });
    expectError(res, 413, null, 'request_too_large');
    await small.close();
  });
});

describe('tokenizer endpoints', () => {
  it('encode / decode round-trip, and token-count equals the prompt_tokens of a completion', async () => {
    const text = 'Hello world, café ☕';
    const encoded = await request(server.http).post('/v1/internal/encode').send({ text });
    expect(encoded.status).toBe(200);
    expectSchema('encode-response', encoded.body);
    expect(encoded.body.length).toBe(encoded.body.tokens.length);
    const decoded = await request(server.http).post('/v1/internal/decode').send({ tokens: encoded.body.tokens });
    expect(decoded.status).toBe(200);
    expectSchema('decode-response', decoded.body);
    expect(decoded.body.text.endsWith(text)).toBe(true);
    const count = await request(server.http).post('/v1/internal/token-count').send({ text });
    expectSchema('token-count-response', count.body);
    const usage = (await complete({ prompt: text, max_tokens: 1 })).body.usage;
    expect(count.body.length).toBe(usage.prompt_tokens);
  });

  it('is a 400 for bad tokenizer input', async () => {
    expectError(await request(server.http).post('/v1/internal/encode').send({ text: 5 }), 400, 'text');
    expectError(await request(server.http).post('/v1/internal/decode').send({ tokens: ['a'] }), 400, 'tokens');
    expectError(
      await request(server.http).post('/v1/internal/decode').send({ tokens: [engine.info.vocabSize + 1] }),
      400,
      'tokens',
    );
  });
});

describe('routing, auth and CORS', () => {
  it('is a 404 envelope for an unknown route and a 405 (with Allow) for a wrong method', async () => {
    expectError(await request(server.http).get('/v1/chat/completions'), 404, null, 'not_found');
    expectError(await request(server.http).get('/index.php'), 404, null, 'not_found'); // GET / is the playground (playground.test.ts)
    const wrong = await request(server.http).get('/v1/completions');
    expectError(wrong, 405, null, 'method_not_allowed');
    expect(wrong.headers.allow).toBe('POST');
  });

  it('sets X-Request-Id, echoing a sane one from the client', async () => {
    const res = await request(server.http).get('/health').set('X-Request-Id', 'trace-123');
    expect(res.headers['x-request-id']).toBe('trace-123');
    const fresh = await request(server.http).get('/health').set('X-Request-Id', 'bad id with spaces');
    expect(fresh.headers['x-request-id']).toMatch(/^req_/);
  });

  it('requires the Bearer key on /v1/* when configured (401 envelope), leaves /health open', async () => {
    const locked = createServer({ engine, apiKeys: ['k-one', 'k-two'] });
    await locked.ready;
    const missing = await request(locked.http).get('/v1/models');
    expectError(missing, 401, null, 'missing_api_key');
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    expectError(await request(locked.http).get('/v1/models').set('Authorization', 'Bearer nope'), 401, null, 'invalid_api_key');
    expectError(await request(locked.http).post('/v1/completions').send({ model, prompt: 'a' }), 401, null);
    expect((await request(locked.http).get('/v1/models').set('Authorization', 'Bearer k-two')).status).toBe(200);
    expect((await request(locked.http).get('/health')).status).toBe(200);
    await locked.close();
  });

  it('answers CORS preflights and sets the headers for allowed origins only', async () => {
    const cors = createServer({ engine, corsOrigins: ['http://app.test'], apiKeys: ['k'] });
    await cors.ready;
    const preflight = await request(cors.http)
      .options('/v1/completions')
      .set('Origin', 'http://app.test')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization, content-type');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('http://app.test');
    expect(preflight.headers['access-control-allow-methods']).toContain('POST');
    expect(preflight.headers['access-control-allow-headers']).toBe('authorization, content-type');
    const other = await request(cors.http).get('/health').set('Origin', 'http://evil.test');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    await cors.close();
  });
});
