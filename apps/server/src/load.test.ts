/**
 * Load test (loopback only, bounded in time and count): autocannon sends a mix of small
 * streaming and non-streaming completions while another client keeps disconnecting in the
 * middle of streams. Nothing but 200 and 429 may come back, and the heap returns to its
 * baseline afterwards.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import autocannon from 'autocannon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TextgenServer } from './server.js';
import { openPost, postJson, startTestServer, waitFor } from './__fixtures__/harness.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

// Set once in beforeAll: one server for all the tests of this file (starting one per test is slow).
let server: TextgenServer;
let model: string;

beforeAll(async () => {
  server = await startTestServer({ maxConcurrency: 2, maxQueue: 10 });
  model = (await server.ready).info.id;
});
afterAll(() => server.close());

async function settledHeap(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return process.memoryUsage().heapUsed;
}

/**
 * Opens streams and drops each one after its first event, `count` times, two at a time.
 * A 429 (the queue is full under the load) is retried after a short pause, a bounded number
 * of times. Resolves with the number of streams dropped mid-way.
 */
async function disconnectingClient(count: number): Promise<number> {
  let dropped = 0;
  const attempt = () =>
    new Promise<'dropped' | 'busy'>((resolve) => {
      const req = openPost(server.url, '/v1/completions', { model, prompt: 'The sea', max_tokens: 200, ban_eos_token: true, stream: true });
      req.on('response', (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          res.on('end', () => resolve('busy'));
          return;
        }
        res.once('data', () => {
          req.destroy();
          resolve('dropped');
        });
      });
      req.on('error', () => resolve('busy'));
    });
  const one = async () => {
    for (let tries = 0; tries < 100; tries++) {
      if ((await attempt()) === 'dropped') {
        dropped++;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  for (let i = 0; i < count; i += 2) await Promise.all([one(), one()]);
  return dropped;
}

describe('load', () => {
  it('mixed streaming load with disconnects: only 200 or 429, and memory back to baseline', async () => {
    // Warm up so lazily created state is part of the baseline.
    for (let i = 0; i < 3; i++) await postJson(server.url, '/v1/completions', { model, prompt: 'warm up', max_tokens: 4 });
    const baseline = await settledHeap();

    const body = (extra: Record<string, unknown>) =>
      JSON.stringify({ model, prompt: 'Once upon a time', max_tokens: 8, temperature: 0.8, ...extra });
    const cannon = autocannon({
      url: server.url,
      connections: 12,
      amount: 240,
      duration: 30,
      timeout: 20,
      requests: [
        { method: 'POST', path: '/v1/completions', headers: { 'content-type': 'application/json' }, body: body({}) },
        { method: 'POST', path: '/v1/completions', headers: { 'content-type': 'application/json' }, body: body({ stream: true }) },
        {
          method: 'POST',
          path: '/v1/completions',
          headers: { 'content-type': 'application/json' },
          body: body({ stream: true, stream_options: { include_usage: true }, logprobs: 2 }),
        },
        { method: 'POST', path: '/v1/completions', headers: { 'content-type': 'application/json' }, body: body({ n: 2, logprobs: 1 }) },
      ],
    });
    const [result, dropped] = await Promise.all([cannon, disconnectingClient(30)]);

    const statuses = Object.keys(result.statusCodeStats ?? {}).map(Number);
    expect(statuses.filter((s) => s !== 200 && s !== 429), JSON.stringify(result.statusCodeStats)).toEqual([]);
    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect(result['2xx']).toBeGreaterThan(0);
    expect(result['2xx'] + (result.statusCodeStats?.['429']?.count ?? 0)).toBe(result.requests.sent);
    expect(dropped).toBeGreaterThanOrEqual(10);

    await waitFor(() => server.queue.running === 0 && server.queue.waiting === 0, 10_000, 'the queue to drain');
    // The server still answers.
    expect((await postJson(server.url, '/v1/completions', { model, prompt: 'after', max_tokens: 2 })).status).toBe(200);
    const after = await settledHeap();
    const growthMb = (after - baseline) / 1024 / 1024;
    console.log(
      `load: ${result.requests.sent} requests, statuses ${JSON.stringify(result.statusCodeStats)}, ` +
        `${dropped} streams dropped mid-way, heap ${(baseline / 1e6).toFixed(1)} -> ${(after / 1e6).toFixed(1)} MB`,
    );
    expect(growthMb, `heap grew by ${growthMb.toFixed(1)} MB`).toBeLessThan(8);
  }, 90_000);
});
