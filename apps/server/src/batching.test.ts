/**
 * Continuous batching through the server: with the default --max-concurrency, completions enter
 * the engine together and decode in shared steps; seeded output is what the request gives alone,
 * including while other clients disconnect mid-stream.
 */
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from './config.js';
import { openPost, postJson, postStream, startTestServer, tinyEngine, waitFor } from './__fixtures__/harness.js';
import type { TextgenServer } from './server.js';

let server: TextgenServer;
let model: string;
beforeAll(async () => {
  server = await startTestServer({ maxQueue: 32 });
  model = (await tinyEngine()).info.id;
});
afterAll(() => server.close());

/** When each streamed request's first text event and its end arrived (ms since `start`). */
function timeline(start: number, res: IncomingMessage): Promise<{ first: number; end: number }> {
  return new Promise((resolve, reject) => {
    let first = NaN;
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      if (Number.isNaN(first) && chunk.includes('"text":"')) first = performance.now() - start;
    });
    res.on('end', () => resolve({ first, end: performance.now() - start }));
    res.on('error', reject);
  });
}

describe('continuous batching', () => {
  it('admits --max-batch-rows completions at once by default', () => {
    expect(server.queue.concurrency).toBe(DEFAULT_CONFIG.maxBatchRows);
  });

  it('concurrent streams all start before the first one ends (they share steps, not a FIFO)', async () => {
    const start = performance.now();
    const bodies = Array.from({ length: 4 }, (_, i) => ({ model, prompt: `Story ${i}:`, max_tokens: 150, ban_eos_token: true, stream: true, temperature: 0 }));
    const responses = bodies.map(
      (body) => new Promise<IncomingMessage>((resolve, reject) => openPost(server.url, '/v1/completions', body).on('response', resolve).on('error', reject)),
    );
    await waitFor(() => server.queue.running === 4, 5000, 'four running');
    const times = await Promise.all(responses.map(async (r) => timeline(start, await r)));
    const firstEnd = Math.min(...times.map((t) => t.end));
    for (const t of times) expect(t.first).toBeLessThan(firstEnd);
  });

  it('seeded streams give their text alone while others run and disconnect mid-stream', async () => {
    const seeded = (i: number) => ({ model, prompt: `The old man ${i}`, max_tokens: 24, temperature: 1, top_p: 0.9, seed: 500 + i, stream: true });
    const alone = [];
    for (let i = 0; i < 3; i++) alone.push(textOf(await postStream(server.url, seeded(i))));
    // Six noisy clients, each dropping its connection after a few events.
    const dropped = Array.from({ length: 6 }, (_, i) => {
      const req = openPost(server.url, '/v1/completions', { model, prompt: `Noise ${i}`, max_tokens: 400, ban_eos_token: true, stream: true, temperature: 1.2 });
      req.on('response', (res) => {
        let events = 0;
        res.on('data', () => {
          if (++events === 3 + i) req.destroy();
        });
      });
      req.on('error', () => undefined);
      return req;
    });
    const together = await Promise.all([0, 1, 2].map(async (i) => textOf(await postStream(server.url, seeded(i)))));
    expect(together).toEqual(alone);
    await waitFor(() => dropped.every((r) => r.destroyed), 10_000, 'the noisy clients to leave');
    await waitFor(() => server.queue.running === 0, 10_000, 'every slot to be released');
    // The server still answers normally afterwards.
    expect((await postJson(server.url, '/v1/completions', { model, prompt: 'a', max_tokens: 2 })).status).toBe(200);
  });
});

function textOf(result: { status: number; events: Record<string, unknown>[] }): string {
  expect(result.status).toBe(200);
  return result.events
    .flatMap((e) => ((e.choices as { text: string }[] | undefined) ?? []).map((c) => c.text))
    .join('');
}
