/**
 * Robustness: thousands of malformed and boundary requests derived from the published
 * request schema (wrong types, huge numbers, deep nesting, unicode, broken JSON, invalid
 * UTF-8, bodies over the limit) against a real listening server on the tiny model.
 * Zero 5xx, every answer well-formed (an envelope for 4xx, a valid response or stream for
 * 200), no crash, and the server still answers afterwards. Bounded in time.
 */
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSchema, validateSchema } from '@textgen-spec/spec';
import type { SchemaName } from '@textgen-spec/spec';
import type { TextgenServer } from './server.js';
import { parseSse, postJson, startTestServer, waitFor } from './__fixtures__/harness.js';
import { SchemaArbitraries, anyJson, deepArray } from './__fixtures__/schema-arbitrary.js';
import type { JsonSchema } from './__fixtures__/schema-arbitrary.js';

const MAX_BODY = 64 * 1024;
/** Wall-clock budget of each property run. */
const TIME_LIMIT_MS = Number(process.env.TEXTGEN_FUZZ_MS ?? 12_000);

const requestSchema = getSchema('completion-request', 'compat') as JsonSchema;

// Shared by the whole file: one server (set in beforeAll), one keep-alive agent, and the tally
// of answers that afterAll prints.
let server: TextgenServer;
let model: string;
const agent = new Agent({ keepAlive: true, maxSockets: 4 });
const tally = { requests: 0, byStatus: new Map<number, number>(), slowestMs: 0, slowest: '' };

beforeAll(async () => {
  server = await startTestServer({ maxBodyBytes: MAX_BODY, maxConcurrency: 2, maxQueue: 64 });
  model = (await server.ready).info.id;
});
afterAll(async () => {
  agent.destroy();
  await server.close();
  const statuses = Object.fromEntries([...tally.byStatus].sort(([a], [b]) => a - b));
  console.log(`fuzz: ${tally.requests} requests, statuses ${JSON.stringify(statuses)}`);
  console.log(`fuzz: slowest ${tally.slowestMs.toFixed(0)} ms: ${tally.slowest.slice(0, 300)}`);
});

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

/** Sends raw bytes to a path; resolves with the answer (never rejects on an HTTP status). */
function send(path: string, body: Buffer | string, method = 'POST'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const started = performance.now();
    const req = httpRequest(`${server.url}${path}`, {
      method,
      agent,
      headers: { 'Content-Type': 'application/json', 'Content-Length': payload.length },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const ms = performance.now() - started;
        if (ms > tally.slowestMs) Object.assign(tally, { slowestMs: ms, slowest: `${path} ${payload.toString('utf8', 0, 300)}` });
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

function schemaErrors(name: SchemaName, body: unknown): unknown[] {
  const result = validateSchema(name, body, { profile: 'compat' });
  return result.valid ? [] : result.issues;
}

/** Every answer must be well-formed; returns a description of what is wrong, or null. */
function problem(answer: Answer, path: string): string | null {
  tally.requests++;
  tally.byStatus.set(answer.status, (tally.byStatus.get(answer.status) ?? 0) + 1);
  if (answer.status >= 500) return `status ${answer.status}: ${answer.text}`;
  if (answer.status !== 200) {
    if (!answer.contentType.startsWith('application/json')) return `${answer.status} with content-type ${answer.contentType}`;
    const errors = schemaErrors('error-response', JSON.parse(answer.text));
    return errors.length ? `bad envelope ${answer.text}: ${JSON.stringify(errors)}` : null;
  }
  if (path !== '/v1/completions') return null;
  if (answer.contentType.startsWith('text/event-stream')) {
    const { events, done } = parseSse(answer.text);
    if (!done) return 'stream without [DONE]';
    for (const event of events) {
      const errors = 'error' in event ? schemaErrors('error-response', event) : schemaErrors('completion-chunk', event);
      if (errors.length) return `bad chunk ${JSON.stringify(event)}: ${JSON.stringify(errors)}`;
      if ('error' in event) return `error event in a stream: ${JSON.stringify(event)}`;
    }
    return null;
  }
  const errors = schemaErrors('completion-response', JSON.parse(answer.text));
  return errors.length ? `bad response: ${JSON.stringify(errors)}` : null;
}

describe('fuzz', () => {
  it('schema-driven requests: never a 5xx, always a well-formed answer', async () => {
    const schemas = new SchemaArbitraries(requestSchema, {
      // Keep accepted requests cheap: the size of the work, not the validation, is capped.
      integers: { max_tokens: 6, n: 3, best_of: 3, truncation_length: 64, prompt_lookup_num_tokens: 4 },
      maxLength: 48,
    });
    const properties = schemas.resolve(requestSchema).properties!;
    const body = schemas.requestObject({
      model: fc.oneof({ weight: 9, arbitrary: fc.constant(model) }, { weight: 1, arbitrary: anyJson }),
      prompt: fc.oneof({ weight: 9, arbitrary: schemas.valid(properties.prompt!, 'prompt') }, { weight: 1, arbitrary: schemas.invalid(properties.prompt!) }),
      max_tokens: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: 6 }) }, { weight: 1, arbitrary: schemas.invalid(properties.max_tokens!) }),
    }).map((request) => {
      // auto_max_new_tokens generates up to the context length: bound it with a small window.
      const window = request.truncation_length;
      if (request.auto_max_new_tokens === true && !(typeof window === 'number' && window >= 1 && window <= 64)) {
        request.truncation_length = 32;
      }
      // max_tokens_second paces the delivery: keep it fast enough not to stall the run.
      const rate = request.max_tokens_second;
      if (typeof rate === 'number' && Number.isInteger(rate) && rate > 0 && rate < 1000) request.max_tokens_second = rate + 1000;
      return request;
    });
    await fc.assert(
      fc.asyncProperty(body, async (request) => {
        const answer = await send('/v1/completions', JSON.stringify(request));
        const wrong = problem(answer, '/v1/completions');
        if (wrong) throw new Error(wrong);
      }),
      { numRuns: 5000, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false },
    );
    // At least 25 requests a second, even on a loaded machine (thousands in a normal run).
    expect(tally.requests).toBeGreaterThan(TIME_LIMIT_MS / 40);
  }, 120_000);

  it('broken bodies on every route: bad JSON, invalid UTF-8, deep nesting, oversize', async () => {
    const valid = JSON.stringify({ model, prompt: 'Hello', max_tokens: 2 });
    const rawBody = fc.oneof(
      fc.nat(valid.length - 1).map((cut) => Buffer.from(valid.slice(0, cut))),
      fc.string({ unit: 'grapheme', maxLength: 80 }).map((s) => Buffer.from(s)),
      fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
      fc.constantFrom(
        Buffer.from([0xff, 0xfe, 0x7b, 0x7d]),
        Buffer.from('{"prompt":"\ud800"}'),
        Buffer.from(`{"model":"${model}","prompt":"a","prompt":["b"],"max_tokens":1}`),
        Buffer.from(`{"__proto__":{"stream":true},"model":"${model}","prompt":"a","max_tokens":1}`),
        Buffer.from(deepArray(50_000)),
        Buffer.from(`{"model":"${model}","prompt":${deepArray(10_000)}}`),
        Buffer.from(`{"model":"${model}","prompt":"${'x'.repeat(MAX_BODY)}"}`),
        Buffer.alloc(MAX_BODY * 3, 0x20),
        Buffer.from('1e999999'),
      ),
    );
    const path = fc.constantFrom('/v1/completions', '/v1/internal/encode', '/v1/internal/decode', '/v1/internal/token-count', '/v1/internal/sampler-trace');
    const tokenizerBody = fc.record({ text: anyJson, tokens: anyJson, add_bos_token: anyJson }, { requiredKeys: [] }).map((b) => Buffer.from(JSON.stringify(b)));
    await fc.assert(
      fc.asyncProperty(path, fc.oneof(rawBody, tokenizerBody), async (target, payload) => {
        const answer = await send(target, payload);
        const wrong = problem(answer, target);
        if (wrong) throw new Error(`${target}: ${wrong}`);
      }),
      { numRuns: 3000, interruptAfterTimeLimit: TIME_LIMIT_MS / 2, markInterruptAsFailure: false },
    );
  }, 120_000);

  it('odd methods and paths get well-formed envelopes', async () => {
    const method = fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'POST');
    const path = fc.oneof(
      fc.constantFrom('/v1/completions/', '/v1//completions', '/v1/models/%', '/v1/models/%E0%A4%A', '/%00', '/v1/models/../completions'),
      fc.webPath(),
    );
    await fc.assert(
      fc.asyncProperty(method, path, async (verb, target) => {
        const answer = await send(target.startsWith('/') ? target : `/${target}`, '', verb);
        const wrong = problem(answer, target);
        if (wrong) throw new Error(`${verb} ${target}: ${wrong}`);
      }),
      { numRuns: 500, interruptAfterTimeLimit: 3000, markInterruptAsFailure: false },
    );
  });

  it('malformed HTTP gets a 4xx envelope and the connection closes', async () => {
    const port = Number(new URL(server.url).port);
    const raw = (text: string) =>
      new Promise<string>((resolve) => {
        let data = '';
        const socket = connect(port, '127.0.0.1', () => socket.write(text));
        socket.on('data', (chunk: Buffer) => (data += chunk.toString('utf8')));
        socket.on('close', () => resolve(data));
        socket.on('error', () => resolve(data));
      });
    const cases: [string, number][] = [
      ['HELLO\r\n\r\n', 400],
      [`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
      ['POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', 400],
      ['POST /v1/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400],
    ];
    for (const [text, status] of cases) {
      const answer = await raw(text);
      expect(answer.startsWith(`HTTP/1.1 ${status} `), answer.slice(0, 80)).toBe(true);
      const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
      expect(schemaErrors('error-response', JSON.parse(body))).toEqual([]);
    }
  });

  it('the server still answers afterwards, and nothing is left running', async () => {
    const res = await postJson(server.url, '/v1/completions', { model, prompt: 'Still alive?', max_tokens: 3 });
    expect(res.status).toBe(200);
    // A request of an interrupted property run may still be running (a slow machine can take
    // longer than the wait below to finish it): the fuzz client hangs up, and whatever it left
    // must then stop within the wait, as a disconnect cancels the work.
    agent.destroy();
    await waitFor(() => server.queue.running === 0 && server.queue.waiting === 0, 10_000, 'the queue to drain');
  });
});
