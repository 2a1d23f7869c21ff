/**
 * The messages between a worker-backed engine (worker-engine.ts, on the caller's thread) and
 * its worker (engine-worker.ts). The protocol is generic: a call names an engine method and
 * its arguments; the worker answers with a stream of `event`s (when the method returns an
 * async iterable) and one `result` or `error`. `cancel` aborts a call, `ping` is the
 * watchdog's heartbeat. Exposing one more engine method is one line in worker-engine.ts.
 */
import { EngineLoadError, EngineRequestError } from '../types.js';
import type { EngineLoadErrorCode, EngineLoadOptions, LoadProgressEvent, ModelInfo } from '../types.js';

/** What the worker receives at start (functions cannot cross threads: onProgress becomes messages). */
export interface WorkerStart {
  options: Omit<EngineLoadOptions, 'onProgress'>;
}

export type ToWorker =
  /**
   * Run `engine[method](...args)`. When `signalArg` is set, that argument (an options object)
   * gets the call's AbortSignal as `signal`.
   */
  | { kind: 'call'; id: number; method: string; args: unknown[]; signalArg?: number }
  | { kind: 'cancel'; id: number }
  | { kind: 'ping'; id: number }
  /** Abort every call, wait for them, dispose the engine, and exit (terminating a worker mid-inference can abort the process). */
  | { kind: 'close' };

export type FromWorker =
  | { kind: 'ready'; info: ModelInfo }
  | { kind: 'load-failed'; error: SerializedError }
  | { kind: 'progress'; event: LoadProgressEvent }
  | { kind: 'event'; id: number; event: unknown }
  | { kind: 'result'; id: number; value: unknown }
  | { kind: 'error'; id: number; error: SerializedError }
  | { kind: 'pong'; id: number };

export interface SerializedError {
  name: string;
  message: string;
  param?: string | null;
  code?: string;
  stack?: string;
}

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const serialized: SerializedError = { name: error.name, message: error.message, stack: error.stack };
  if (error instanceof EngineRequestError) Object.assign(serialized, { param: error.param, code: error.code });
  if (error instanceof EngineLoadError) serialized.code = error.code;
  return serialized;
}

/** The error again, as the class the caller can recognise (EngineRequestError, EngineLoadError). */
export function deserializeError(error: SerializedError): Error {
  let revived: Error;
  if (error.name === 'EngineRequestError') revived = new EngineRequestError(error.message, error.param ?? null, error.code);
  else if (error.name === 'EngineLoadError') revived = new EngineLoadError(error.message, error.code as EngineLoadErrorCode);
  else {
    revived = new Error(error.message);
    revived.name = error.name;
  }
  if (error.stack !== undefined) revived.stack = error.stack;
  return revived;
}
