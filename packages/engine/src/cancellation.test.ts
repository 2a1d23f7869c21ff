/** Cancellation through an AbortSignal, and concurrent requests on one engine. */
import { beforeAll, describe, expect, test } from 'vitest';
import { collect, tinyEngine } from './__fixtures__/engine.js';
import { greedy, makeRequest } from './__fixtures__/requests.js';
import type { CompletionEvent, LocalEngine } from './types.js';

let engine: LocalEngine;
beforeAll(async () => {
  engine = await tinyEngine();
});

describe('cancellation', () => {
  test('aborting mid-stream stops within one step and throws an AbortError', async () => {
    const controller = new AbortController();
    const events: CompletionEvent[] = [];
    const run = async () => {
      for await (const event of engine.complete(greedy({ max_tokens: 500, ban_eos_token: true }), { signal: controller.signal })) {
        events.push(event);
        if (events.length === 3) controller.abort();
      }
    };
    await expect(run()).rejects.toMatchObject({ name: 'AbortError' });
    // The step that was running when abort() was called finishes; no further step runs.
    expect(events.length).toBe(3);
    expect(events.some((e) => e.type === 'done')).toBe(false);
  });

  test('an abort between steps (while the consumer waits) ends the request', async () => {
    const controller = new AbortController();
    const iterator = engine.complete(greedy({ max_tokens: 500, ban_eos_token: true }), { signal: controller.signal })[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    setTimeout(() => controller.abort(), 5);
    let count = 0;
    const drain = async () => {
      for (;;) {
        const r = await iterator.next();
        if (r.done) return;
        count++;
      }
    };
    await expect(drain()).rejects.toMatchObject({ name: 'AbortError' });
    expect(count).toBeLessThan(499);
  });

  test('an already aborted signal runs nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(collect(engine, greedy({ max_tokens: 5 }), controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });

  test('the engine keeps working after an abort', async () => {
    const r = await collect(engine, greedy({ max_tokens: 4, ban_eos_token: true }));
    expect(r.usage.completion_tokens).toBe(4);
  });
});

describe('concurrency', () => {
  test('two requests running at once give the same results as one after the other', async () => {
    const a = makeRequest({ prompts: ['Mary'], n: 2, seed: 11, max_tokens: 30, logprobs: 1 });
    const b = greedy({ prompts: ['The quick brown fox', 'This is the cat'], max_tokens: 25, ban_eos_token: true });
    const [ra, rb] = await Promise.all([collect(engine, a), collect(engine, b)]);
    const sa = await collect(engine, a);
    const sb = await collect(engine, b);
    expect(ra.choices.map((c) => c.text)).toEqual(sa.choices.map((c) => c.text));
    expect(rb.choices.map((c) => c.text)).toEqual(sb.choices.map((c) => c.text));
    expect(ra.usage).toEqual(sa.usage);
  });
});
