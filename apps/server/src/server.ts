/**
 * The HTTP server on plain node:http: owns the configuration, the queue, the presets and the
 * model (model-host.ts), answers each request through the route table (routes.ts), and
 * shuts down gracefully. Route handlers see it only as `RouteServices` (request-context.ts).
 */
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { loadEngineInWorker } from '@textgen-spec/engine';
import type { Engine, EngineLoadOptions, LoadProgressEvent } from '@textgen-spec/engine';
import { ApiKeyChecker } from './auth.js';
import { DEFAULT_CONFIG, engineThreads } from './config.js';
import type { ServerConfig } from './config.js';
import { applyCors } from './cors.js';
import { ApiError } from './errors.js';
import { describeError, toApiError } from './error-mapping.js';
import { answerClientError, sendError } from './http.js';
import { silentLogger } from './logger.js';
import type { Logger } from './logger.js';
import { ServerModelAdmin } from './model-admin.js';
import { ModelHost } from './model-host.js';
import { PresetStore } from './presets.js';
import { RequestQueue } from './queue.js';
import type { ModelState, RequestContext, RouteServices } from './request-context.js';
import { logRequest, requestId } from './request-log.js';
import { isPublicPath, matchRoute, pathOf } from './router.js';
import { ROUTES } from './routes.js';

/** Options of `createServer`: any ServerConfig field, plus hooks for embedding and tests. */
export interface ServerOptions extends Partial<ServerConfig> {
  /**
   * A loaded engine (or one being loaded) to serve instead of loading `model`. The server
   * does not dispose an engine it was given. Without one, the server loads `model` in a worker
   * thread (`loadEngineInWorker`), so model work never blocks the HTTP thread.
   */
  engine?: Engine | Promise<Engine>;
  /** Where request logs go; default: a logger on stderr at `logLevel`. */
  logger?: Logger;
  /** Model download/load progress. */
  onProgress?: (event: LoadProgressEvent) => void;
}

/**
 * The reference server. Construct it with `createServer`, then `listen()`; or use
 * `startServer` which does both.
 */
export class TextgenServer implements RouteServices {
  readonly config: ServerConfig;
  readonly logger: Logger;
  readonly queue: RequestQueue;
  readonly http: Server;
  /** Resolves once the model is loaded; rejects if loading fails. */
  readonly ready: Promise<Engine>;
  readonly auth: ApiKeyChecker;
  /** The sampler presets of `config.presetsDir`, loaded and validated at construction. */
  readonly presets: PresetStore;
  readonly #model: ModelHost;
  /** Model management (model/list, load, unload) behind the admin key. */
  readonly models: ServerModelAdmin;
  #draining = false;
  #closing: Promise<void> | null = null;
  readonly #active = new Set<ServerResponse>();

  constructor(options: ServerOptions = {}) {
    const { engine, logger, onProgress, ...config } = options;
    this.config = { ...DEFAULT_CONFIG, ...stripUndefined(config) };
    // Before anything starts: a bad preset file is a startup error (PresetError).
    this.presets = this.config.presetsDir === null ? new PresetStore() : PresetStore.load(this.config.presetsDir);
    this.logger = logger ?? silentLogger;
    this.queue = new RequestQueue({ concurrency: this.config.maxConcurrency, maxQueue: this.config.maxQueue });
    this.auth = new ApiKeyChecker(this.config.apiKeys);
    this.http = createHttpServer(HTTP_OPTIONS, (req, res) => void this.#handle(req, res));
    this.http.maxConnections = this.config.maxConnections;
    this.http.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => answerClientError(error, socket));
    this.#model = new ModelHost(engine ?? this.#loadInWorker(onProgress), {
      owned: engine === undefined,
      aliases: this.config.modelAliases,
    });
    this.ready = this.#model.ready;
    this.models = new ServerModelAdmin(this.config, this.#model, this.queue, this.logger);
  }

  /** The served model in its own worker thread, watched by the stall timeout (a replaced worker is logged). */
  #loadInWorker(onProgress: ServerOptions['onProgress']): Promise<Engine> {
    return loadEngineInWorker(engineLoadOptions(this.config, onProgress), {
      stallTimeoutMs: this.config.workerStallTimeoutMs,
      onRestart: (reason) => this.logger.error('engine worker replaced', { reason }),
    });
  }

  get model(): ModelState {
    return this.#model.state;
  }

  /** `fp_` + a hash of the server version, model, device and dtype (stable across restarts). */
  get systemFingerprint(): string {
    return this.#model.systemFingerprint;
  }

  /** True once close() was called: new requests get a 503. */
  get draining(): boolean {
    return this.#draining;
  }

  /** The loaded engine, or a 503 while loading (or after loading failed). */
  requireEngine(): Engine {
    return this.#model.requireEngine();
  }

  /** Names a request's `model` may use: the served id first, then the aliases. */
  modelNames(): string[] {
    return this.#model.modelNames();
  }

  /** Listens on `config.host:config.port` (port 0 = a free one) and resolves with the base URL. */
  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.config.port, this.config.host, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    return this.url;
  }

  /** `http://host:port` once listening. */
  get url(): string {
    const address = this.http.address() as AddressInfo | null;
    if (address === null || typeof address === 'string') throw new Error('server is not listening');
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  /**
   * Graceful shutdown: stops accepting connections, answers new requests on open
   * connections with 503, waits for running and queued requests to finish, then disposes
   * the engine (if the server loaded it).
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#draining = true;
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeIdleConnections();
    while (this.#active.size > 0) {
      await Promise.all([...this.#active].map((res) => new Promise((resolve) => res.once('close', resolve))));
    }
    this.http.closeAllConnections();
    await closed;
    await this.#model.dispose();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const context: RequestContext = {
      services: this,
      req,
      res,
      id: requestId(req),
      path: pathOf(req.url),
      promptTokens: undefined,
      completionTokens: undefined,
      queueMs: undefined,
      arrivedAt: started,
    };
    this.#active.add(res);
    res.setHeader('X-Request-Id', context.id);
    res.once('close', () => {
      this.#active.delete(res);
      logRequest(this.logger, context, started);
    });
    try {
      await this.#dispatch(context);
    } catch (error) {
      this.#sendFailure(context, error);
    }
  }

  async #dispatch(context: RequestContext): Promise<void> {
    const { req, res } = context;
    applyCors(this.config.corsOrigins, req, res);
    if (this.#draining) {
      res.setHeader('Connection', 'close');
      throw new ApiError(503, 'The server is shutting down.', { code: 'shutting_down' });
    }
    // Authentication comes before routing (a 404 or 405 says nothing to a caller without a key)
    // and before the body is read; OPTIONS preflights and the public routes (/health) are open.
    if (req.method !== 'OPTIONS' && !isPublicPath(ROUTES, context.path)) this.#authenticate(context);
    const match = matchRoute(ROUTES, req.method, context.path);
    if (match.kind === 'options') {
      res.writeHead(204, { Allow: [...match.allowed, 'OPTIONS'].join(', ') });
      res.end();
      return;
    }
    await match.route.handle(context);
  }

  /** The 401 of a request without a valid key; one that came with a body closes the connection unread. */
  #authenticate({ req, res }: RequestContext): void {
    try {
      this.auth.check(req.headers);
    } catch (error) {
      if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) res.setHeader('Connection', 'close');
      throw error;
    }
  }

  #sendFailure(context: RequestContext, error: unknown): void {
    const apiError = toApiError(error, { during: 'handling the request' });
    if (apiError.status >= 500 && apiError.cause !== undefined) {
      this.logger.error('internal error', { id: context.id, path: context.path, error: describeError(apiError.cause) });
    }
    sendError(context.res, apiError);
  }
}

/**
 * Connection hygiene: idle keep-alive connections close after 5 s, a client has 10 s to send
 * its headers, and those deadlines are checked every second (Node's default check runs every
 * 30 s, so idle sockets lingered over a minute).
 */
const HTTP_OPTIONS = { keepAliveTimeout: 5_000, headersTimeout: 10_000, connectionsCheckingInterval: 1_000 } as const;


/**
 * Creates a server (not yet listening); the model starts loading at once. Throws PresetError
 * when a preset of `presetsDir` is invalid.
 */
export function createServer(options: ServerOptions = {}): TextgenServer {
  return new TextgenServer(options);
}

/** Creates a server and listens; resolves once it listens (the model may still be loading). */
export async function startServer(options: ServerOptions = {}): Promise<TextgenServer> {
  const server = createServer(options);
  await server.listen();
  return server;
}

function engineLoadOptions(config: ServerConfig, onProgress: ServerOptions['onProgress']): EngineLoadOptions {
  return {
    model: config.model,
    device: config.device,
    dtype: config.dtype,
    cacheDir: config.cacheDir,
    localFilesOnly: config.offline,
    batch: { maxRows: config.maxBatchRows, maxTokens: config.maxBatchTokens },
    threads: engineThreads(config),
    prefillPassMs: config.prefillPassMs,
    onProgress,
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
