/**
 * The worker thread of a worker-backed engine: loads the model with `loadEngine` and runs the
 * calls that arrive (protocol.ts) on it, so tokenizing, grammar compilation and the decode
 * loop never run on the HTTP thread. It answers heartbeats from its event loop: a call that
 * blocks it (a stuck native call, a case no budget caught) shows up as missing heartbeats and
 * the caller's watchdog replaces this worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { loadEngine } from '../engine.js';
import type { LocalEngine } from '../types.js';
import { serializeError } from './protocol.js';
import type { FromWorker, ToWorker, WorkerStart } from './protocol.js';

/** Methods a call may never name: lifetime is the caller's business (it terminates the worker). */
const PRIVATE_METHODS = new Set(['constructor', 'dispose']);

function post(port: MessagePort, message: FromWorker): void {
  port.postMessage(message);
}

async function main(port: MessagePort, start: WorkerStart): Promise<void> {
  let engine: LocalEngine;
  try {
    engine = await loadEngine({ ...start.options, onProgress: (event) => post(port, { kind: 'progress', event }) });
  } catch (error) {
    post(port, { kind: 'load-failed', error: serializeError(error) });
    return;
  }
  const running = new Map<number, AbortController>();
  const calls = new Set<Promise<void>>();
  port.on('message', (message: ToWorker) => {
    if (message.kind === 'close') void close(port, engine, running, calls);
    else if (message.kind === 'ping') post(port, { kind: 'pong', id: message.id });
    else if (message.kind === 'cancel') running.get(message.id)?.abort(new Error('cancelled by the caller'));
    else {
      const call = run(port, engine, message, running);
      calls.add(call);
      void call.finally(() => calls.delete(call));
    }
  });
  post(port, { kind: 'ready', info: engine.info });
}

async function run(port: MessagePort, engine: LocalEngine, call: Extract<ToWorker, { kind: 'call' }>, running: Map<number, AbortController>): Promise<void> {
  const abort = new AbortController();
  running.set(call.id, abort);
  try {
    const method = (engine as unknown as Record<string, unknown>)[call.method];
    if (typeof method !== 'function' || PRIVATE_METHODS.has(call.method) || call.method.startsWith('_')) {
      throw new Error(`the engine has no method '${call.method}'`);
    }
    const args = [...call.args];
    if (call.signalArg !== undefined) args[call.signalArg] = { ...(args[call.signalArg] as object | undefined), signal: abort.signal };
    const value: unknown = await (method as (...a: unknown[]) => unknown).apply(engine, args);
    if (isAsyncIterable(value)) {
      for await (const event of value) post(port, { kind: 'event', id: call.id, event });
      post(port, { kind: 'result', id: call.id, value: undefined });
    } else post(port, { kind: 'result', id: call.id, value });
  } catch (error) {
    // After a cancel nobody waits for the answer; sending it is harmless.
    post(port, { kind: 'error', id: call.id, error: serializeError(error) });
  } finally {
    running.delete(call.id);
  }
}

/** Stops every call (each ends within one decoding step), disposes the engine, and ends the thread. */
async function close(port: MessagePort, engine: LocalEngine, running: Map<number, AbortController>, calls: Set<Promise<void>>): Promise<void> {
  for (const abort of running.values()) abort.abort(new Error('the engine is closing'));
  await Promise.allSettled([...calls]);
  await engine.dispose();
  port.close();
  process.exit(0);
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

if (parentPort !== null) void main(parentPort, workerData as WorkerStart);
