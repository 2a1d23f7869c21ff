/**
 * `loadEngineInWorker()`: the engine in a worker thread (engine-worker.ts), behind the same
 * `Engine` interface as the in-process one. The caller's thread only posts messages, so an
 * HTTP server stays responsive whatever the model does; events come back by postMessage.
 *
 * A watchdog pings the worker; when it misses its heartbeats for `stallTimeoutMs` (a stuck
 * native call, a pathological request no budget caught) or dies, the worker is terminated,
 * every call in flight fails with EngineUnavailableError, and a new worker loads the model
 * (`status` is 'restarting' meanwhile). Budgets inside the engine are the first line; this is
 * the last.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { NormalizedCompletionRequest } from '@textgen-spec/spec';
import { EngineUnavailableError } from '../types.js';
import type {
  CompleteOptions,
  CompletionEvent,
  Engine,
  EngineLoadOptions,
  LoadProgressEvent,
  ModelInfo,
  NextTokenOptions,
  NextTokenProbability,
  SamplerTraceOptions,
  SamplerTraceResult,
} from '../types.js';
import { deserializeError } from './protocol.js';
import type { FromWorker, ToWorker, WorkerStart } from './protocol.js';

export interface WorkerEngineOptions {
  /** Milliseconds the worker may leave heartbeats unanswered before it is replaced (0: never). Default 30,000. */
  stallTimeoutMs?: number;
  /** Milliseconds between heartbeats. Default: a quarter of the stall timeout, at most 500. */
  heartbeatMs?: number;
  /** Called when a worker is replaced (for the log), with the reason. */
  onRestart?: (reason: string) => void;
}

interface PendingCall {
  onEvent(event: unknown): void;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

type WorkerEvent = { kind: 'event'; value: unknown } | { kind: 'end' } | { kind: 'error'; error: Error };

/** The compiled worker script: next to this file in dist; from the sources (vitest), the built one. */
function workerScript(): URL {
  const sibling = new URL('./engine-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(sibling))) return sibling;
  return new URL('../../dist/worker/engine-worker.js', import.meta.url);
}

class WorkerEngine implements Engine {
  info!: ModelInfo;
  #status: 'ready' | 'restarting' = 'restarting';
  #worker!: Worker;
  readonly #calls = new Map<number, PendingCall>();
  #nextId = 1;
  #lastPong = 0;
  #heartbeat: NodeJS.Timeout | undefined;
  #disposed = false;
  readonly #start: WorkerStart;

  constructor(
    options: EngineLoadOptions,
    private readonly watch: Required<Omit<WorkerEngineOptions, 'onRestart'>> & WorkerEngineOptions,
    private readonly onProgress?: (event: LoadProgressEvent) => void,
  ) {
    const { onProgress: _ignored, ...cloneable } = options;
    this.#start = { options: cloneable };
  }

  get status(): 'ready' | 'restarting' {
    return this.#status;
  }

  // The engine's methods, proxied by name: one line each.
  encode(text: string, options?: { addBos?: boolean }): Promise<number[]> {
    return this.#call('encode', [text, options]) as Promise<number[]>;
  }

  decode(ids: readonly number[], options?: { skipSpecialTokens?: boolean }): Promise<string> {
    return this.#call('decode', [ids, options]) as Promise<string>;
  }

  complete(request: NormalizedCompletionRequest, options: CompleteOptions = {}): AsyncIterable<CompletionEvent> {
    return this.#stream('complete', [request, {}], 1, options.signal) as AsyncIterable<CompletionEvent>;
  }

  nextTokenProbabilities(request: NormalizedCompletionRequest, options: NextTokenOptions): Promise<NextTokenProbability[]> {
    const { signal, ...cloneable } = options;
    return this.#call('nextTokenProbabilities', [request, cloneable], signal, 1) as Promise<NextTokenProbability[]>;
  }

  stopAll(): Promise<number> {
    return this.#call('stopAll', []) as Promise<number>;
  }

  samplerTrace(request: NormalizedCompletionRequest, options: SamplerTraceOptions): Promise<SamplerTraceResult> {
    const { signal, ...cloneable } = options;
    return this.#call('samplerTrace', [request, cloneable], signal, 1) as Promise<SamplerTraceResult>;
  }

  /** Starts a worker and resolves once its model is loaded (rejects with the load error). */
  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const worker = new Worker(workerScript(), { workerData: this.#start });
      this.#worker = worker;
      worker.on('message', (message: FromWorker) => {
        if (message.kind === 'ready') {
          this.info = message.info;
          this.#status = 'ready';
          this.#lastPong = performance.now();
          this.#startHeartbeat();
          resolve();
        } else if (message.kind === 'load-failed') {
          reject(deserializeError(message.error));
          void worker.terminate();
        } else this.#receive(message);
      });
      worker.on('error', (error) => {
        if (this.#status === 'restarting') reject(error);
        else this.#replace(worker, `the engine worker failed: ${error.message}`, 'worker_exited');
      });
      worker.on('exit', (code) => {
        if (this.#status === 'restarting') reject(new Error(`the engine worker exited with code ${code} while loading`));
        else this.#replace(worker, `the engine worker exited with code ${code}`, 'worker_exited');
      });
    });
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    clearInterval(this.#heartbeat);
    this.#failAll(new EngineUnavailableError('the engine was disposed', 'engine_disposed'));
    const worker = this.#worker;
    if (this.#status === 'restarting') {
      await worker.terminate();
      return;
    }
    // Let the worker stop its calls and release the model itself; terminate it only if it does not exit.
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ kind: 'close' } satisfies ToWorker);
    const timer = setTimeout(() => void worker.terminate(), 10_000);
    await exited;
    clearTimeout(timer);
  }

  #receive(message: FromWorker): void {
    if (message.kind === 'progress') this.onProgress?.(message.event);
    else if (message.kind === 'pong') this.#lastPong = performance.now();
    else if (message.kind === 'event') this.#calls.get(message.id)?.onEvent(message.event);
    else if (message.kind === 'result') this.#settle(message.id)?.resolve(message.value);
    else if (message.kind === 'error') this.#settle(message.id)?.reject(deserializeError(message.error));
  }

  #settle(id: number): PendingCall | undefined {
    const call = this.#calls.get(id);
    this.#calls.delete(id);
    return call;
  }

  #post(message: ToWorker): void {
    this.#worker.postMessage(message);
  }

  #begin(method: string, args: unknown[], call: PendingCall, signalArg?: number): number {
    if (this.#disposed) throw new EngineUnavailableError('the engine was disposed', 'engine_disposed');
    if (this.#status !== 'ready') {
      throw new EngineUnavailableError('The model worker is restarting; retry shortly.', 'worker_restarting');
    }
    const id = this.#nextId++;
    this.#calls.set(id, call);
    this.#post({ kind: 'call', id, method, args, signalArg });
    return id;
  }

  /** A call with one answer; aborting `signal` rejects at once and cancels it in the worker. */
  #call(method: string, args: unknown[], signal?: AbortSignal, signalArg?: number): Promise<unknown> {
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      let id = -1;
      const onAbort = (): void => {
        if (this.#calls.delete(id) && !this.#disposed) this.#post({ kind: 'cancel', id });
        reject(signal!.reason instanceof Error ? signal!.reason : new Error(String(signal!.reason)));
      };
      const settled =
        <T>(then: (value: T) => void) =>
        (value: T): void => {
          signal?.removeEventListener('abort', onAbort);
          then(value);
        };
      id = this.#begin(method, args, { onEvent: () => {}, resolve: settled(resolve), reject: settled(reject) }, signalArg);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** A streaming call: its events in order, then the end or the error; aborting cancels it in the worker at once. */
  async *#stream(method: string, args: unknown[], signalArg: number, signal: AbortSignal | undefined): AsyncGenerator<unknown> {
    signal?.throwIfAborted();
    const queue: WorkerEvent[] = [];
    let wake: (() => void) | null = null;
    const push = (item: WorkerEvent): void => {
      queue.push(item);
      wake?.();
    };
    const id = this.#begin(method, args, {
      onEvent: (value) => push({ kind: 'event', value }),
      resolve: () => push({ kind: 'end' }),
      reject: (error) => push({ kind: 'error', error }),
    }, signalArg);
    const onAbort = (): void => {
      queue.length = 0;
      push({ kind: 'error', error: signal!.reason instanceof Error ? signal!.reason : new Error(String(signal!.reason)) });
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        const item = queue.shift();
        if (item === undefined) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
        } else if (item.kind === 'event') yield item.value;
        else {
          if (item.kind === 'error') throw item.error;
          return;
        }
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (this.#calls.delete(id) && !this.#disposed) this.#post({ kind: 'cancel', id });
    }
  }

  #startHeartbeat(): void {
    clearInterval(this.#heartbeat);
    if (this.watch.stallTimeoutMs <= 0) return;
    this.#heartbeat = setInterval(() => {
      if (performance.now() - this.#lastPong > this.watch.stallTimeoutMs) {
        this.#replace(this.#worker, `the engine worker answered no heartbeat for ${this.watch.stallTimeoutMs} ms`, 'worker_stalled');
      } else this.#post({ kind: 'ping', id: 0 });
    }, this.watch.heartbeatMs);
    // The heartbeat alone must not keep the process alive.
    this.#heartbeat.unref();
  }

  /** Terminates `worker` (if it is still the current one), fails its calls, and loads a new one. */
  #replace(worker: Worker, reason: string, code: 'worker_stalled' | 'worker_exited'): void {
    if (worker !== this.#worker || this.#disposed || this.#status === 'restarting') return;
    this.#status = 'restarting';
    clearInterval(this.#heartbeat);
    void worker.terminate();
    this.#failAll(new EngineUnavailableError(`${reason}; it was replaced and this request was abandoned.`, code));
    this.watch.onRestart?.(reason);
    void this.#restart();
  }

  async #restart(): Promise<void> {
    for (let attempt = 0; !this.#disposed; attempt++) {
      try {
        await this.start();
        return;
      } catch (error) {
        this.watch.onRestart?.(`restarting the engine worker failed: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 1000 * 2 ** attempt)).unref());
      }
    }
  }

  #failAll(error: Error): void {
    const calls = [...this.#calls.values()];
    this.#calls.clear();
    for (const call of calls) call.reject(error);
  }
}

/** Heartbeats often enough that a healthy worker never looks stalled: four per stall timeout, at most every 500 ms. */
function heartbeatFor(stallTimeoutMs: number): number {
  return stallTimeoutMs > 0 ? Math.max(10, Math.min(500, stallTimeoutMs / 4)) : 500;
}

/**
 * Loads a model in a worker thread and returns an `Engine` whose calls run there. Rejects with
 * the load error (EngineLoadError) if the model cannot be loaded.
 */
export async function loadEngineInWorker(options: EngineLoadOptions = {}, workerOptions: WorkerEngineOptions = {}): Promise<Engine> {
  const engine = new WorkerEngine(
    options,
    { stallTimeoutMs: 30_000, ...workerOptions, heartbeatMs: workerOptions.heartbeatMs ?? heartbeatFor(workerOptions.stallTimeoutMs ?? 30_000) },
    options.onProgress,
  );
  await engine.start();
  return engine;
}
