/**
 * The runner's HTTP client: plain `fetch`, one request per call, no retries (a check that
 * needs a second try says so itself), a per-request timeout, and a record of every
 * exchange so a failed check can show what it sent and what came back.
 */
import type { ReportExchange } from '../report/types.js';
import { SseParser } from './sse.js';

/** What the runner keeps of one HTTP exchange (shown for failed checks): the report's own type. */
export type Exchange = ReportExchange;

/** A buffered (non-streaming) response. */
export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed body when it is JSON; undefined otherwise. */
  json: unknown;
  exchange: Exchange;
}

/** A response read as an event stream (or, when the server answered with JSON, as text). */
export interface StreamResponse extends HttpResponse {
  /** True when the Content-Type is text/event-stream. */
  isEventStream: boolean;
  sse: SseParser;
  /** Milliseconds from sending the request to the end of the body. */
  durationMs: number;
}

/** A transport-level failure: the server could not be reached or did not answer in time. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly exchange: Exchange,
    readonly timedOut: boolean,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

export interface HttpClientOptions {
  /** Server root, e.g. http://127.0.0.1:5000 (a trailing /v1 is accepted and removed). */
  baseUrl: string;
  apiKey?: string;
  /** Per-request timeout in milliseconds. */
  timeoutMs: number;
}

export interface RequestOptions {
  /** JSON body (serialized with JSON.stringify). */
  json?: unknown;
  /** Raw body text, sent as application/json (for malformed-JSON checks). */
  raw?: string;
  /** Leave out the Authorization header (for auth checks). */
  noAuth?: boolean;
  headers?: Record<string, string>;
}

const EXCERPT_CHARS = 4000;

/** Normalizes a user-supplied server URL to its root (no trailing slash, no trailing /v1). */
export function normalizeBaseUrl(url: string): string {
  let u = url.trim().replace(/\/+$/, '');
  if (u.endsWith('/v1')) u = u.slice(0, -3);
  return u;
}

export class HttpClient {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  private readonly apiKey: string | undefined;

  constructor(options: HttpClientOptions) {
    this.baseUrl = normalizeBaseUrl(options.baseUrl);
    this.timeoutMs = options.timeoutMs;
    this.apiKey = options.apiKey;
  }

  /** Sends one request and buffers the whole response. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<HttpResponse> {
    const { init, exchange, started, signal, clear } = this.prepare(method, path, options);
    try {
      const res = await fetch(this.baseUrl + path, { ...init, signal });
      const text = await res.text();
      exchange.status = res.status;
      exchange.contentType = res.headers.get('content-type') ?? undefined;
      exchange.response = excerpt(text);
      exchange.durationMs = Date.now() - started;
      return { status: res.status, headers: res.headers, text, json: parseJson(text), exchange };
    } catch (err) {
      throw this.transportError(err, exchange, started, signal);
    } finally {
      clear();
    }
  }

  /** Sends one request and reads the response as an event stream, event by event. */
  async stream(path: string, options: RequestOptions = {}): Promise<StreamResponse> {
    const { init, exchange, started, signal, clear } = this.prepare('POST', path, options);
    try {
      const res = await fetch(this.baseUrl + path, { ...init, signal });
      const headersAt = Date.now();
      const contentType = res.headers.get('content-type') ?? '';
      const isEventStream = /^text\/event-stream\b/i.test(contentType);
      const sse = new SseParser(() => Date.now() - headersAt);
      let text = '';
      if (res.body) {
        const decoder = new TextDecoder();
        for await (const bytes of res.body as unknown as AsyncIterable<Uint8Array>) {
          const piece = decoder.decode(bytes, { stream: true });
          text += piece;
          sse.push(piece);
        }
        const rest = decoder.decode();
        text += rest;
        sse.push(rest);
      }
      sse.end();
      exchange.status = res.status;
      exchange.contentType = contentType || undefined;
      exchange.response = excerpt(text);
      exchange.durationMs = Date.now() - started;
      return {
        status: res.status,
        headers: res.headers,
        text,
        json: isEventStream ? undefined : parseJson(text),
        exchange,
        isEventStream,
        sse,
        durationMs: exchange.durationMs,
      };
    } catch (err) {
      throw this.transportError(err, exchange, started, signal);
    } finally {
      clear();
    }
  }

  private prepare(method: string, path: string, options: RequestOptions) {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | undefined;
    const exchange: Exchange = { method, path, durationMs: 0 };
    if (options.raw !== undefined) {
      body = options.raw;
      exchange.request = options.raw;
    } else if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      exchange.request = options.json;
    }
    if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json';
    }
    if (this.apiKey && !options.noAuth) headers.authorization = `Bearer ${this.apiKey}`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = body;
    return { init, exchange, started: Date.now(), signal: controller.signal, clear: () => clearTimeout(timer) };
  }

  private transportError(err: unknown, exchange: Exchange, started: number, signal: AbortSignal): TransportError {
    exchange.durationMs = Date.now() - started;
    if (signal.aborted) {
      exchange.error = `no complete answer within ${this.timeoutMs / 1000} s`;
      return new TransportError(exchange.error, exchange, true);
    }
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    exchange.error = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
    return new TransportError(`request failed: ${exchange.error}`, exchange, false);
  }
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The first few thousand characters of a body, marked when cut. */
export function excerpt(text: string, max = EXCERPT_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}
