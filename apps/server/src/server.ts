/**
 * The HTTP server: routing, authentication, CORS, model loading state, request logs and
 * graceful shutdown, on plain node:http. The route handlers live in routes.ts and
 * completions.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createRequire } from 'node:module';
import { loadEngine } from '@textgen-spec/engine';
import type { Engine, LoadProgressEvent } from '@textgen-spec/engine';
import { ApiKeyChecker } from './auth.js';
import { DEFAULT_CONFIG } from './config.js';
import type { ServerConfig } from './config.js';
import { ApiError } from './errors.js';
import { sendError } from './http.js';
import { silentLogger } from './logger.js';
import type { Logger } from './logger.js';
import { PresetStore } from './presets.js';
import { RequestQueue } from './queue.js';
import { ROUTES } from './routes.js';
import type { RequestContext } from './routes.js';

const packageJson = createRequire(import.meta.url)('../package.json') as { version: string };

/** The server's version (package.json). */
export const SERVER_VERSION: string = packageJson.version;

/** Options of `createServer`: any ServerConfig field, plus hooks for embedding and tests. */
export interface ServerOptions extends Partial<ServerConfig> {
  /**
   * A loaded engine (or one being loaded) to serve instead of loading `model`. The server
   * does not dispose an engine it was given.
   */
  engine?: Engine | Promise<Engine>;
  /** Where request logs go; default: a logger on stderr at `logLevel`. */
  logger?: Logger;
  /** Model download/load progress. */
  onProgress?: (event: LoadProgressEvent) => void;
}

/** Where the model stands. */
export type ModelState =
  | { status: 'loading' }
  | { status: 'ready'; engine: Engine; loadedAt: number }
  | { status: 'failed'; error: Error };

/**
 * The reference server. Construct it with `createServer`, then `listen()`; or use
 * `startServer` which does both.
 */
export class TextgenServer {
  readonly config: ServerConfig;
  readonly logger: Logger;
  readonly queue: RequestQueue;
  readonly http: Server;
  /** Resolves once the model is loaded; rejects if loading fails. */
  readonly ready: Promise<Engine>;
  readonly auth: ApiKeyChecker;
  /** The sampler presets of `config.presetsDir`, loaded and validated at construction. */
  readonly presets: PresetStore;
  #model: ModelState = { status: 'loading' };
  #ownsEngine: boolean;
  #draining = false;
  #closing: Promise<void> | null = null;
  readonly #active = new Set<ServerResponse>();
  #fingerprint = '';

  constructor(options: ServerOptions = {}) {
    const { engine, logger, onProgress, ...config } = options;
    this.config = { ...DEFAULT_CONFIG, ...stripUndefined(config) };
    // Before anything starts: a bad preset file is a startup error (PresetError).
    this.presets = this.config.presetsDir === null ? new PresetStore() : PresetStore.load(this.config.presetsDir);
    this.logger = logger ?? silentLogger;
    this.queue = new RequestQueue({ concurrency: this.config.maxConcurrency, maxQueue: this.config.maxQueue });
    this.auth = new ApiKeyChecker(this.config.apiKeys);
    this.#ownsEngine = engine === undefined;
    this.http = createHttpServer((req, res) => void this.#handle(req, res));
    this.http.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => onClientError(error, socket));

    const loading =
      engine ??
      loadEngine({
        model: this.config.model,
        device: this.config.device,
        dtype: this.config.dtype,
        cacheDir: this.config.cacheDir,
        localFilesOnly: this.config.offline,
        onProgress,
      });
    this.ready = Promise.resolve(loading).then(
      (loaded) => {
        this.#model = { status: 'ready', engine: loaded, loadedAt: Math.floor(Date.now() / 1000) };
        this.#fingerprint = systemFingerprint(loaded);
        return loaded;
      },
      (error: unknown) => {
        const failure = error instanceof Error ? error : new Error(String(error));
        this.#model = { status: 'failed', error: failure };
        throw failure;
      },
    );
    // Callers await `ready` when they care; an unobserved failure must not crash the process.
    this.ready.catch(() => {});
  }

  get model(): ModelState {
    return this.#model;
  }

  /** `fp_` + a hash of the server version, model, device and dtype (stable across restarts). */
  get systemFingerprint(): string {
    return this.#fingerprint;
  }

  /** True once close() was called: new requests get a 503. */
  get draining(): boolean {
    return this.#draining;
  }

  /** The loaded engine, or a 503 while loading (or after loading failed). */
  requireEngine(): Engine {
    const model = this.#model;
    if (model.status === 'ready') return model.engine;
    if (model.status === 'loading') {
      throw new ApiError(503, 'The model is still loading; retry shortly (GET /health returns 200 when ready).', {
        code: 'model_loading',
        headers: { 'Retry-After': '5' },
      });
    }
    throw new ApiError(503, `The model failed to load: ${model.error.message}`, { code: 'model_load_failed' });
  }

  /** Names a request's `model` may use: the served id first, then the aliases. */
  modelNames(): string[] {
    const engine = this.requireEngine();
    return [engine.info.id, ...this.config.modelAliases.filter((alias) => alias !== engine.info.id)];
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
    if (!this.#ownsEngine) return;
    if (this.#model.status === 'loading') {
      // Do not make shutdown wait for a load (or download) to finish: dispose when it does.
      this.ready.then((engine) => engine.dispose(), () => {});
      return;
    }
    if (this.#model.status === 'ready') await this.#model.engine.dispose();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const context: RequestContext = {
      server: this,
      req,
      res,
      id: requestId(req),
      path: '',
      promptTokens: undefined,
      completionTokens: undefined,
      queueMs: undefined,
    };
    this.#active.add(res);
    res.setHeader('X-Request-Id', context.id);
    res.once('close', () => {
      this.#active.delete(res);
      this.#logRequest(context, started);
    });
    try {
      await this.#dispatch(context);
    } catch (error) {
      this.#sendFailure(context, error);
    }
  }

  async #dispatch(context: RequestContext): Promise<void> {
    const { req, res } = context;
    context.path = pathOf(req.url);
    this.#applyCors(req, res);
    if (this.#draining) {
      res.setHeader('Connection', 'close');
      throw new ApiError(503, 'The server is shutting down.', { code: 'shutting_down' });
    }
    const candidates = ROUTES.filter((route) =>
      route.path.endsWith('/') ? context.path.startsWith(route.path) && context.path.length > route.path.length : context.path === route.path,
    );
    if (candidates.length === 0) {
      throw new ApiError(404, `Unknown route: ${req.method} ${context.path}`, { code: 'not_found' });
    }
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const allowed = [...new Set(candidates.map((route) => route.method))];
    if (method === 'OPTIONS') {
      res.writeHead(204, { Allow: [...allowed, 'OPTIONS'].join(', ') });
      res.end();
      return;
    }
    const route = candidates.find((candidate) => candidate.method === method);
    if (route === undefined) {
      throw new ApiError(405, `Method ${req.method} is not allowed on ${context.path}; use ${allowed.join(' or ')}.`, {
        code: 'method_not_allowed',
        headers: { Allow: allowed.join(', ') },
      });
    }
    if (route.auth) this.auth.check(req.headers);
    await route.handle(context);
  }

  #applyCors(req: IncomingMessage, res: ServerResponse): void {
    const origins = this.config.corsOrigins;
    const origin = req.headers.origin;
    if (origins.length === 0 || origin === undefined) return;
    const any = origins.includes('*');
    if (!any && !origins.includes(origin)) return;
    res.setHeader('Access-Control-Allow-Origin', any ? '*' : origin);
    if (!any) res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Expose-Headers', 'X-Request-Id, Retry-After');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? 'Authorization, Content-Type');
      res.setHeader('Access-Control-Max-Age', '600');
    }
  }

  #sendFailure(context: RequestContext, error: unknown): void {
    const apiError =
      error instanceof ApiError
        ? error
        : new ApiError(500, 'The server had an internal error while handling the request.', {
            code: 'internal_error',
            cause: error,
          });
    if (apiError.status >= 500 && apiError.cause !== undefined) {
      const cause = apiError.cause;
      this.logger.error('internal error', {
        id: context.id,
        path: context.path,
        error: cause instanceof Error ? (cause.stack ?? cause.message) : String(cause),
      });
    }
    sendError(context.res, apiError);
  }

  #logRequest(context: RequestContext, started: number): void {
    const { req, res } = context;
    // 499: the client closed the connection before the response was complete (nginx's code).
    const status = res.writableFinished ? res.statusCode : 499;
    this.logger.info('request', {
      id: context.id,
      method: req.method,
      path: context.path,
      status,
      prompt_tokens: context.promptTokens,
      completion_tokens: context.completionTokens,
      queue_ms: context.queueMs,
      duration_ms: Math.round(performance.now() - started),
    });
  }
}

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

function systemFingerprint(engine: Engine): string {
  const { id, path, modelType, device, dtype } = engine.info;
  const hash = createHash('sha256').update([SERVER_VERSION, id, path, modelType, device, dtype].join('\n')).digest('hex');
  return `fp_${hash.slice(0, 12)}`;
}

/** The client's X-Request-Id when it is a short token, else a new `req_...` id. */
function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  if (typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given)) return given;
  return `req_${randomBytes(9).toString('base64url')}`;
}

function pathOf(url: string | undefined): string {
  try {
    return new URL(url ?? '/', 'http://localhost').pathname;
  } catch {
    return '/';
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Malformed HTTP (not a request we can route): answer with an envelope and close. */
function onClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const reason = status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request';
  const body = JSON.stringify(
    new ApiError(status, `Malformed HTTP request (${error.code ?? 'parse error'}).`, { code: 'bad_http_request' }).toBody(),
  );
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
