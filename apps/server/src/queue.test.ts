import { describe, expect, it } from 'vitest';
import { QueueFullError, RequestQueue } from './queue.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('RequestQueue', () => {
  it('runs up to `concurrency` at once and grants the rest in arrival order', async () => {
    const queue = new RequestQueue({ concurrency: 2, maxQueue: 10 });
    const order: number[] = [];
    const releases = await Promise.all([queue.acquire(), queue.acquire()]);
    const waiting = [3, 4, 5].map((n) => queue.acquire().then((release) => (order.push(n), release)));
    expect(queue.running).toBe(2);
    expect(queue.waiting).toBe(3);
    releases[0]!();
    await tick();
    expect(order).toEqual([3]);
    releases[1]!();
    await tick();
    expect(order).toEqual([3, 4]);
    (await waiting[0]!)();
    await tick();
    expect(order).toEqual([3, 4, 5]);
    expect(queue.running).toBe(2);
    expect(queue.waiting).toBe(0);
  });

  it('rejects with QueueFullError (with a Retry-After) beyond maxQueue', async () => {
    const queue = new RequestQueue({ concurrency: 1, maxQueue: 1 });
    await queue.acquire();
    void queue.acquire();
    const error = await queue.acquire().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueFullError);
    expect((error as QueueFullError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect((error as QueueFullError).retryAfterSeconds).toBeLessThanOrEqual(60);
  });

  it('maxQueue 0 means no waiting at all', async () => {
    const queue = new RequestQueue({ concurrency: 1, maxQueue: 0 });
    const release = await queue.acquire();
    await expect(queue.acquire()).rejects.toBeInstanceOf(QueueFullError);
    release();
    await expect(queue.acquire()).resolves.toBeTypeOf('function');
  });

  it('an aborted waiter leaves the line without taking a slot', async () => {
    const queue = new RequestQueue({ concurrency: 1, maxQueue: 5 });
    const first = await queue.acquire();
    const abort = new AbortController();
    const gone = queue.acquire(abort.signal);
    const next = queue.acquire();
    abort.abort(new Error('client left'));
    await expect(gone).rejects.toThrow('client left');
    expect(queue.waiting).toBe(1);
    first();
    const release = await next;
    expect(queue.running).toBe(1);
    release();
    expect(queue.running).toBe(0);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const queue = new RequestQueue({ concurrency: 1, maxQueue: 5 });
    const abort = new AbortController();
    abort.abort(new Error('gone'));
    await expect(queue.acquire(abort.signal)).rejects.toThrow('gone');
    expect(queue.running).toBe(0);
  });

  it('release is idempotent', async () => {
    const queue = new RequestQueue({ concurrency: 1, maxQueue: 5 });
    const release = await queue.acquire();
    release();
    release();
    expect(queue.running).toBe(0);
    await queue.acquire();
    expect(queue.running).toBe(1);
  });

  it('does not let a newcomer jump ahead of waiters when a slot frees', async () => {
    const queue = new RequestQueue({ concurrency: 1, maxQueue: 5 });
    const first = await queue.acquire();
    const order: string[] = [];
    const waiter = queue.acquire().then((r) => (order.push('waiter'), r));
    first();
    const newcomer = queue.acquire().then((r) => (order.push('newcomer'), r));
    (await waiter)();
    (await newcomer)();
    expect(order).toEqual(['waiter', 'newcomer']);
  });
});
