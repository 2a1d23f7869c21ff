/**
 * max_tokens_second on a real server (tiny model, one concurrency slot): the stream is paced,
 * the text is unchanged, a concurrent request is not held up, a non-streamed response waits
 * for the pace, and a client that leaves while paced ends the request at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import type { TextgenServer } from './server.js';
import { openPost, parseSse, postJson, startTestServer, tinyEngine, waitFor } from './__fixtures__/harness.js';

// Set once in beforeAll: one server for all the tests of this file (starting one per test is slow).
let server: TextgenServer;
let model: string;
const prompt = 'Once upon a time';

beforeAll(async () => {
  server = await startTestServer({ maxConcurrency: 1 });
  model = (await tinyEngine()).info.id;
});
afterAll(() => server.close());

/** Streams a request and records when each text chunk arrived (ms since the request). */
function timedStream(body: Record<string, unknown>): Promise<{ texts: string[]; at: number[]; end: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = openPost(server.url, '/v1/completions', { model, prompt, stream: true, ...body });
    req.on('response', (res) => {
      let raw = '';
      const texts: string[] = [];
      const at: number[] = [];
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
        const complete = raw.slice(0, raw.lastIndexOf('\n\n') + 2);
        raw = raw.slice(complete.length);
        for (const event of parseSse(complete).events) {
          const text = (event as { choices?: { text: string }[] }).choices?.[0]?.text ?? '';
          if (text !== '') {
            texts.push(text);
            at.push(performance.now() - started);
          }
        }
      });
      res.on('end', () => resolve({ texts, at, end: performance.now() - started }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

async function plainText(body: Record<string, unknown>): Promise<string> {
  const res = await postJson(server.url, '/v1/completions', { model, prompt, ...body });
  expect(res.status, res.text).toBe(200);
  return (JSON.parse(res.text) as { choices: { text: string }[] }).choices[0]!.text;
}

describe('max_tokens_second', () => {
  it('spaces the streamed tokens, keeps the text, and does not hold up a concurrent request', async () => {
    const unpaced = await plainText({ max_tokens: 8, temperature: 0, ban_eos_token: true });
    const started = performance.now();
    const paced = timedStream({ max_tokens: 8, temperature: 0, ban_eos_token: true, max_tokens_second: 10 });
    // With one slot, a request that waited for the paced one would finish after it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const concurrent = await plainText({ max_tokens: 8, temperature: 0, ban_eos_token: true });
    const concurrentDone = performance.now() - started;
    const stream = await paced;

    expect(stream.texts.join('')).toBe(unpaced);
    expect(concurrent).toBe(unpaced);
    const n = stream.texts.length;
    expect(n).toBeGreaterThanOrEqual(6);
    // 10 tokens per second: at least 100 ms between chunks, checked over the whole stream.
    // The first chunk can reach this (same-process) client late by up to one interval of jitter.
    expect(stream.at[n - 1]! - stream.at[0]!).toBeGreaterThanOrEqual((n - 2) * 100);
    expect(concurrentDone).toBeLessThan(stream.at[n - 1]!);
  });

  it('delivers a non-streamed response no earlier than the pace allows', async () => {
    const unpaced = await plainText({ max_tokens: 6, temperature: 0, ban_eos_token: true });
    const started = performance.now();
    const paced = await plainText({ max_tokens: 6, temperature: 0, ban_eos_token: true, max_tokens_second: 20 });
    expect(paced).toBe(unpaced);
    // 6 tokens at 20 per second: the last one 5 x 50 ms after the first.
    expect(performance.now() - started).toBeGreaterThanOrEqual(250 - 10);
  });

  it('stops at once when the client leaves while being paced', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', format: 'json', stream: { write: (line: string) => lines.push(line) } });
    const own = await startTestServer({ logger, maxConcurrency: 1 });
    try {
      // 40 tokens at 2 per second would take 20 s.
      const req = openPost(own.url, '/v1/completions', { model, prompt, stream: true, max_tokens: 40, ban_eos_token: true, max_tokens_second: 2 });
      await new Promise<void>((resolve) => req.on('response', (res) => res.once('data', () => resolve())));
      // Generation is long over and its slot free, while the delivery has barely started.
      await waitFor(() => own.queue.running === 0, 2000, 'the slot to be free');
      const left = performance.now();
      req.destroy();
      await waitFor(() => lines.some((line) => line.includes('"msg":"request"')), 2000, 'the request log line');
      await own.close();
      expect(performance.now() - left).toBeLessThan(2000);
      const records = lines.map((line) => JSON.parse(line) as { level: string; msg: string; status?: number });
      expect(records.filter((r) => r.level === 'error')).toEqual([]);
      expect(records.find((r) => r.msg === 'request')?.status).toBe(499);
    } finally {
      await own.close();
    }
  });
});
