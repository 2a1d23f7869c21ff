/**
 * What a route handler sees: the request, its response, and the narrow set of server services
 * it may use. Types only, so every route module can depend on it without depending on the
 * server (server.ts implements `RouteServices`; nothing here imports it).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Device, Dtype, Engine } from '@textgen-spec/engine';
import type { ServerConfig } from './config.js';
import type { Logger } from './logger.js';
import type { PresetStore } from './presets.js';
import type { RequestQueue } from './queue.js';

/** Where the model stands. */
export type ModelState =
  | { status: 'loading' }
  | { status: 'unloaded' }
  | { status: 'ready'; engine: Engine; loadedAt: number }
  | { status: 'failed'; error: Error };

/** What a route may use of the server: configuration, logs, the queue, presets and the model. */
export interface RouteServices {
  readonly config: ServerConfig;
  readonly logger: Logger;
  readonly queue: RequestQueue;
  /** The sampler presets a request may name in `preset`. */
  readonly presets: PresetStore;
  readonly model: ModelState;
  /** `fp_...`, the `system_fingerprint` of every completion. */
  readonly systemFingerprint: string;
  /** The loaded engine, or a 503 ApiError while loading (or after loading failed). */
  requireEngine(): Engine;
  /** Names a request's `model` may use: the served id first, then the aliases. */
  modelNames(): string[];
  /** Model management (TGW's model/list, load, unload), behind the admin key. */
  readonly models: ModelAdmin;
}

/** What the model-management endpoints may do. */
export interface ModelAdmin {
  /** Throws a 401/403 ApiError unless the headers carry an admin key. */
  checkAdmin(headers: IncomingMessage['headers']): void;
  /** Names `load` accepts: the embedded model, then the folders of --models-dir. */
  available(): string[];
  /** Replaces the served model (running completions are stopped first); resolves when it is ready. */
  load(name: string, args: { dtype?: Dtype; device?: Device }): Promise<void>;
  /** Stops running completions and frees the model; completions get 503 until one is loaded. */
  unload(): Promise<void>;
}

/** One request as the handlers see it; handlers fill in the token counts for the log line. */
export interface RequestContext {
  services: RouteServices;
  req: IncomingMessage;
  res: ServerResponse;
  /** Request id (X-Request-Id). */
  id: string;
  /** The URL's path, without the query. */
  path: string;
  promptTokens: number | undefined;
  completionTokens: number | undefined;
  /** Milliseconds a completion waited for a slot. */
  queueMs: number | undefined;
  /** performance.now() when the request arrived. */
  arrivedAt: number;
  /** Milliseconds from arrival to a stream's first generated text (time to first token), for the log line. */
  ttftMs?: number;
  /** Request fields the server ignored (unknown fields, a compat `model` it does not serve), for the log line. */
  ignoredFields?: readonly string[];
}
