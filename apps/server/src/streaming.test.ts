/**
 * A real listening server on the tiny model: the SSE wire format, stream == non-stream,
 * stream_options, disconnects, the queue, timeouts, determinism under load, graceful close.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import type { TextgenServer } from './server.js';
import { expectSchema } from './__fixtures__/assertions.js';
import { openPost, parseSse, postJson, postStream, startTestServer, tinyEngine, waitFor } from './__fixtures__/harness.js';

// Set once in beforeAll: one server for all the tests of this file (starting one per test is slow).
let server: TextgenServer;
let model: string;

beforeAll(async () => {
  server = await startTestServer({ maxConcurrency: 1, maxQueue: 16 });
  model = (await tinyEngine()).info.id;
});
afterAll(() => server.close());

type Chunk = {
  id: string;
  created: number;
  object: string;
  choices: { index: number; text: string; finish_reason: string | null; logprobs: null | Record<string, unknown[]> }[];
  usage?: unknown;
};

/** Joins the chunks of a stream into per-index text, logprobs and finish reasons. */
function assemble(events: Chunk[]) {
  const byIndex = new Map<number, { text: string; finish: string[]; tokens: unknown[]; token_logprobs: unknown[]; top_logprobs: unknown[]; text_offset: unknown[] }>();
  for (const event of events) {
    for (const choice of event.choices) {
      const entry = byIndex.get(choice.index) ?? { text: '', finish: [], tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] };
      expect(entry.finish, `content after finish_reason on index ${choice.index}`).toEqual([]);
      entry.text += choice.text;
      if (choice.logprobs) {
        for (const key of ['tokens', 'token_logprobs', 'top_logprobs', 'text_offset'] as const) entry[key].push(...choice.logprobs[key]!);
      }
      if (choice.finish_reason !== null) entry.finish.push(choice.finish_reason);
      byIndex.set(choice.index, entry);
    }
  }
  return byIndex;
}

describe('SSE wire format', () => {
  it('streams data-only events with the right headers, ending with [DONE]', async () => {
    const res = await postStream(server.url, { model, prompt: 'Once upon a time', max_tokens: 8, stream: true });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['x-accel-buffering']).toBe('no');
    expect(res.done).toBe(true);
    expect(res.raw.endsWith('data: [DONE]\n\n')).toBe(true);
    const events = res.events as unknown as Chunk[];
    expect(events.length).toBeGreaterThan(1);
    for (const event of events) {
      expectSchema('completion-chunk', event);
      expect(event.object).toBe('text_completion');
      expect(event.id).toBe(events[0]!.id);
      expect(event.created).toBe(events[0]!.created);
      expect('usage' in event).toBe(false);
    }
    const assembled = assemble(events);
    expect([...assembled.keys()]).toEqual([0]);
    expect(assembled.get(0)!.finish).toHaveLength(1);
  });

  it('streamed text and logprobs concatenate to the non-streamed result (n=2 x 2 prompts, greedy and seeded)', async () => {
    for (const sampling of [{ temperature: 0 }, { temperature: 1, seed: 99 }]) {
      const body = { model, prompt: ['The cat sat', 'A ship'], n: 2, max_tokens: 10, logprobs: 2, echo: true, ...sampling };
      const plain = JSON.parse((await postJson(server.url, '/v1/completions', body)).text);
      const streamed = await postStream(server.url, { ...body, stream: true });
      expect(streamed.done).toBe(true);
      const assembled = assemble(streamed.events as unknown as Chunk[]);
      expect([...assembled.keys()].sort()).toEqual([0, 1, 2, 3]);
      for (const choice of plain.choices) {
        const got = assembled.get(choice.index)!;
        expect(got.text).toBe(choice.text);
        expect(got.finish).toEqual([choice.finish_reason]);
        expect(got.tokens).toEqual(choice.logprobs.tokens);
        expect(got.token_logprobs).toEqual(choice.logprobs.token_logprobs);
        expect(got.top_logprobs).toEqual(choice.logprobs.top_logprobs);
        expect(got.text_offset).toEqual(choice.logprobs.text_offset);
      }
    }
  });

  it('include_usage: usage null on every chunk, then one chunk with choices [] and the non-stream usage', async () => {
    const body = { model, prompt: 'The sea', max_tokens: 6, temperature: 0 };
    const plain = JSON.parse((await postJson(server.url, '/v1/completions', body)).text);
    const res = await postStream(server.url, { ...body, stream: true, stream_options: { include_usage: true } });
    const events = res.events as unknown as Chunk[];
    const last = events.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual(plain.usage);
    for (const event of events.slice(0, -1)) {
      expect(event.usage).toBeNull();
      expect(event.choices.length).toBeGreaterThan(0);
    }
    const off = await postStream(server.url, { ...body, stream: true, stream_options: { include_usage: false } });
    for (const event of off.events) expect('usage' in event).toBe(false);
  });

  it('a bad request is a plain 400 envelope, not a stream', async () => {
    const res = await postJson(server.url, '/v1/completions', { model, prompt: 'a', stream: true, temperature: 'hot' });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(res.text).error.param).toBe('temperature');
  });

  it('an error after the stream started is an error event, then [DONE]', async () => {
    // The echoed prompt arrives at once; the timeout then fires during generation.
    const slow = await startTestServer({ requestTimeoutMs: 150 });
    try {
      const res = await postStream(slow.url, {
        model,
        prompt: 'word '.repeat(50),
        echo: true,
        n: 4,
        max_tokens: 900,
        ban_eos_token: true,
        stream: true,
      });
      expect(res.status).toBe(200);
      expect(res.done).toBe(true);
      const last = res.events.at(-1) as { error?: { code: string; message: string } };
      expect(last.error?.code).toBe('request_timeout');
      expectSchema('error-response', last);
      expect(res.events.length).toBeGreaterThan(1);
    } finally {
      await slow.close();
    }
  });
});

describe('disconnects free their slot at once', () => {
  const long = { prompt: 'word '.repeat(20), max_tokens: 900, ban_eos_token: true, n: 4 };

  it('a streaming client that goes away stops its generation', async () => {
    const req = openPost(server.url, '/v1/completions', { model, ...long, stream: true });
    const firstBytes = await new Promise<string>((resolve, reject) => {
      req.on('response', (res) => res.once('data', (chunk: Buffer) => resolve(chunk.toString())));
      req.on('error', reject);
    });
    expect(firstBytes.startsWith('data: ')).toBe(true);
    expect(server.queue.running).toBe(1);
    const gone = Date.now();
    req.destroy();
    await waitFor(() => server.queue.running === 0, 2000, 'the slot to be released');
    expect(Date.now() - gone).toBeLessThan(1000);
  });

  it('a non-streaming client that goes away stops its generation, and so does one still queued', async () => {
    const running = openPost(server.url, '/v1/completions', { model, ...long });
    running.on('error', () => {});
    await waitFor(() => server.queue.running === 1, 2000, 'the request to start');
    const queued = openPost(server.url, '/v1/completions', { model, ...long });
    queued.on('error', () => {});
    await waitFor(() => server.queue.waiting === 1, 2000, 'the request to queue');
    queued.destroy();
    await waitFor(() => server.queue.waiting === 0, 2000, 'the queued request to leave');
    expect(server.queue.running).toBe(1);
    running.destroy();
    await waitFor(() => server.queue.running === 0, 2000, 'the slot to be released');
    // The server still answers.
    const ok = await postJson(server.url, '/v1/completions', { model, prompt: 'a', max_tokens: 1 });
    expect(ok.status).toBe(200);
  });
});

describe('a client that leaves mid-body', () => {
  it('is logged as 499 and is not an internal error', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', format: 'json', stream: { write: (line: string) => lines.push(line) } });
    const quiet = await startTestServer({ logger });
    try {
      const socket = connect(Number(new URL(quiet.url).port), '127.0.0.1');
      await once(socket, 'connect');
      socket.write('POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"model":');
      await waitFor(() => quiet.queue.running === 0, 1000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      socket.destroy();
      await waitFor(() => lines.some((line) => line.includes('"msg":"request"')), 2000, 'the request log line');
      const records = lines.map((line) => JSON.parse(line) as { level: string; msg: string; status?: number });
      expect(records.filter((r) => r.level === 'error')).toEqual([]);
      expect(records.find((r) => r.msg === 'request')?.status).toBe(499);
    } finally {
      await quiet.close();
    }
  });
});

describe('queue and limits', () => {
  it('queues beyond --max-concurrency and answers 429 with Retry-After beyond --max-queue', async () => {
    const small = await startTestServer({ maxConcurrency: 1, maxQueue: 1 });
    try {
      const body = { model, prompt: 'word '.repeat(10), max_tokens: 60, ban_eos_token: true };
      const first = postJson(small.url, '/v1/completions', body);
      await waitFor(() => small.queue.running === 1, 2000, 'first running');
      const second = postJson(small.url, '/v1/completions', body);
      await waitFor(() => small.queue.waiting === 1, 2000, 'second queued');
      const third = await postJson(small.url, '/v1/completions', body);
      expect(third.status).toBe(429);
      expect(Number(third.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      const envelope = JSON.parse(third.text);
      expectSchema('error-response', envelope);
      expect(envelope.error.code).toBe('queue_full');
      expect((await first).status).toBe(200);
      expect((await second).status).toBe(200);
    } finally {
      await small.close();
    }
  });

  it('ends a request that exceeds --request-timeout with a 504 envelope', async () => {
    const slow = await startTestServer({ requestTimeoutMs: 100 });
    try {
      const res = await postJson(slow.url, '/v1/completions', { model, prompt: 'a', n: 4, max_tokens: 900, ban_eos_token: true });
      expect(res.status).toBe(504);
      const envelope = JSON.parse(res.text);
      expectSchema('error-response', envelope);
      expect(envelope.error.code).toBe('request_timeout');
      expect(envelope.error.message).toMatch(/request-timeout/);
      await waitFor(() => slow.queue.running === 0, 2000, 'the slot to be released');
    } finally {
      await slow.close();
    }
  });

  it('determinism under load: a seeded request gives the same text alone and beside ten others', async () => {
    const busy = await startTestServer({ maxConcurrency: 4, maxQueue: 32 });
    try {
      const seeded = { model, prompt: 'The old man', max_tokens: 16, temperature: 1, top_p: 0.9, seed: 2024 };
      const alone = JSON.parse((await postJson(busy.url, '/v1/completions', seeded)).text).choices[0].text;
      const others = Array.from({ length: 10 }, (_, i) =>
        postJson(busy.url, '/v1/completions', { model, prompt: `Noise ${i}`, max_tokens: 16, temperature: 1.3, stream: i % 2 === 0 }),
      );
      const crowded = postJson(busy.url, '/v1/completions', seeded);
      const results = await Promise.all([crowded, ...others]);
      expect(results.every((r) => r.status === 200)).toBe(true);
      expect(JSON.parse(results[0]!.text).choices[0].text).toBe(alone);
    } finally {
      await busy.close();
    }
  });
});

describe('graceful close', () => {
  it('finishes in-flight requests, refuses new connections, then resolves', async () => {
    const closing = await startTestServer();
    const url = closing.url;
    const inflight = postStream(url, { model, prompt: 'word '.repeat(5), max_tokens: 80, ban_eos_token: true, stream: true });
    await waitFor(() => closing.queue.running === 1, 2000, 'request to start');
    const closed = closing.close();
    const result = await inflight;
    expect(result.status).toBe(200);
    expect(result.done).toBe(true);
    await closed;
    await expect(postJson(url, '/v1/completions', { model, prompt: 'a' })).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('parseSse', () => {
  it('rejects malformed streams', () => {
    expect(() => parseSse('data: [DONE]\n\ndata: {}\n\n')).toThrow(/after \[DONE\]/);
    expect(() => parseSse('event: x\n\n')).toThrow(/single data line/);
    expect(() => parseSse('data: {}\n')).toThrow(/blank line/);
  });
});
