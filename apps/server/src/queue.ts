/**
 * The admission queue in front of the engine: at most `concurrency` completions run at once,
 * the others wait in arrival order (first in, first out), and at most `maxQueue` may wait.
 */

/** Thrown by `acquire` when every slot is busy and the waiting line is full. */
export class QueueFullError extends Error {
  /** Seconds a client should wait before retrying (the Retry-After header). */
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super('The server is at capacity: every slot is busy and the queue is full. Retry later.');
    this.name = 'QueueFullError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Frees the slot; calling it again does nothing. */
export type Release = () => void;

interface Waiter {
  grant: (release: Release) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export interface QueueOptions {
  concurrency: number;
  maxQueue: number;
}

export class RequestQueue {
  readonly concurrency: number;
  readonly maxQueue: number;
  #running = 0;
  readonly #waiting: Waiter[] = [];
  /** Responses still being delivered after their generation gave its slot back (paced streams). */
  #delivering = 0;
  /** Moving average of how long a slot is held, for Retry-After. */
  #averageHoldMs = 1000;

  constructor(options: QueueOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new RangeError('concurrency must be >= 1');
    if (!Number.isInteger(options.maxQueue) || options.maxQueue < 0) throw new RangeError('maxQueue must be >= 0');
    this.concurrency = options.concurrency;
    this.maxQueue = options.maxQueue;
  }

  /** Completions holding a slot. */
  get running(): number {
    return this.#running;
  }

  /** Paced responses still being delivered after their generation ended (they count against maxQueue). */
  get delivering(): number {
    return this.#delivering;
  }

  /** Completions waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Waits for a slot and resolves with its release function. Rejects with QueueFullError at
   * once when the queue is full, or with the signal's reason when it aborts while waiting
   * (the waiter leaves the line and takes no slot).
   */
  acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    // Open completions (running, waiting, and paced ones still delivering) stay within concurrency + maxQueue.
    if (this.#running + this.#waiting.length + this.#delivering >= this.concurrency + this.maxQueue) {
      return Promise.reject(new QueueFullError(this.retryAfterSeconds()));
    }
    if (this.#running < this.concurrency && this.#waiting.length === 0) {
      return Promise.resolve(this.#grantSlot());
    }
    if (this.#waiting.length >= this.maxQueue) {
      return Promise.reject(new QueueFullError(this.retryAfterSeconds()));
    }
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = {
        grant: resolve,
        signal,
        onAbort: () => {
          const at = this.#waiting.indexOf(waiter);
          if (at >= 0) this.#waiting.splice(at, 1);
          reject(signal?.reason);
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  /**
   * Takes a place in the waiting line for a response whose generation is over but whose
   * delivery goes on (max_tokens_second): it holds no slot but counts as open, so that running,
   * waiting and delivering completions together stay within concurrency + maxQueue. Returns its release (idempotent).
   */
  holdDelivery(): Release {
    this.#delivering++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#delivering--;
    };
  }

  /** An estimate of the seconds until a slot frees up for a new arrival, 1..60. */
  retryAfterSeconds(): number {
    const ahead = this.#waiting.length + 1;
    const seconds = (this.#averageHoldMs * ahead) / this.concurrency / 1000;
    return Math.min(60, Math.max(1, Math.ceil(seconds)));
  }

  #grantSlot(): Release {
    this.#running++;
    const started = Date.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#averageHoldMs = 0.8 * this.#averageHoldMs + 0.2 * (Date.now() - started);
      this.#running--;
      this.#next();
    };
  }

  #next(): void {
    while (this.#running < this.concurrency && this.#waiting.length > 0) {
      const waiter = this.#waiting.shift()!;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.grant(this.#grantSlot());
    }
  }
}
