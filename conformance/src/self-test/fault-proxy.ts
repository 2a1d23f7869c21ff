/**
 * A fault-injection proxy for the self-test: an HTTP server on 127.0.0.1 that forwards
 * every request to a real server and, when a fault is set, rewrites the request or the
 * response the way a broken server would. Pointing the runner at the proxy with a fault
 * proves that the checks aimed at that fault can fail.
 *
 * Without a fault the proxy passes bytes through as they arrive (streams keep their timing).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SseParser } from '../http/sse.js';
import type { Fault, ProxyReply, ProxyRequest, ProxyState, SseItem } from './faults/index.js';

export interface FaultProxy {
  /** The proxy's URL (http://127.0.0.1:PORT). */
  readonly url: string;
  /** The active fault; null passes everything through. */
  fault: Fault | null;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  /** The real server's URL. */
  target: string;
  /** The server's API key, for faults that forge authentication. */
  apiKey?: string;
}

/** Starts the proxy on a free loopback port. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = options.target.replace(/\/+$/, '');
  const state: ProxyState = { inFlight: 0, requests: 0, startedAt: Math.floor(Date.now() / 1000), apiKey: options.apiKey };
  const proxy: { fault: Fault | null } = { fault: null };
  const server: Server = createServer((req, res) => {
    handle(req, res, target, proxy.fault, state).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`fault proxy: ${err instanceof Error ? err.message : String(err)}`);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get fault() {
      return proxy.fault;
    },
    set fault(f: Fault | null) {
      proxy.fault = f;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of req) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

function reply(res: ServerResponse, r: ProxyReply, fault: Fault | null = null): void {
  const body = typeof r.body === 'string' ? r.body : (fault?.json ?? JSON.stringify)(r.body);
  res.writeHead(r.status, { 'content-type': r.contentType ?? 'application/json', ...fault?.headers });
  res.end(body);
}

/** Reads a client request into the form faults see (JSON body parsed when it is JSON). */
async function readRequest(req: IncomingMessage): Promise<ProxyRequest> {
  const raw = await readBody(req);
  let body: unknown;
  try {
    body = raw === '' ? undefined : (JSON.parse(raw) as unknown);
  } catch {
    body = undefined;
  }
  const headers: Record<string, string> = {};
  for (const name of ['authorization', 'content-type', 'accept']) {
    const v = req.headers[name];
    if (typeof v === 'string') headers[name] = v;
  }
  return { method: req.method ?? 'GET', path: req.url ?? '/', headers, body, raw };
}

async function handle(req: IncomingMessage, res: ServerResponse, target: string, fault: Fault | null, state: ProxyState): Promise<void> {
  let request = await readRequest(req);
  state.requests++;
  state.inFlight++;
  try {
    if (fault?.request) {
      const out = await fault.request(request, state);
      if (out && 'status' in out) {
        reply(res, out, fault);
        return;
      }
      if (out) request = out;
    }
    const sendBody =
      request.method === 'GET' || request.method === 'HEAD' ? undefined : request.body !== undefined && request.body !== request.raw ? JSON.stringify(request.body) : request.raw;
    const upstream = await fetch(target + request.path, { method: request.method, headers: request.headers, body: sendBody });
    const contentType = upstream.headers.get('content-type') ?? '';
    const isStream = /text\/event-stream/i.test(contentType);
    if (isStream && fault && (fault.events || fault.serialize)) return await rewriteStream(res, upstream, fault, request, state);
    if (isStream && fault && (fault.streamContentType || fault.item || fault.frame || fault.pieces)) return await reframeStream(res, upstream, fault);
    if (!isStream && fault && (fault.response || fault.error)) return await rewriteBody(res, upstream, fault, request, state);
    // Pass through as the bytes arrive.
    res.writeHead(upstream.status, {
      'content-type': contentType,
      ...(isStream ? { 'cache-control': 'no-cache' } : {}),
      ...fault?.headers,
    });
    if (upstream.body) {
      for await (const chunk of upstream.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
    }
    res.end();
  } finally {
    state.inFlight--;
  }
}

/** Reads an upstream event stream whole, lets the fault rewrite its events, and sends it on. */
async function rewriteStream(res: ServerResponse, upstream: Response, fault: Fault, request: ProxyRequest, state: ProxyState): Promise<void> {
  const contentType = upstream.headers.get('content-type') ?? '';
  const parser = new SseParser(() => Date.now());
  const decoder = new TextDecoder();
  if (upstream.body) {
    for await (const chunk of upstream.body as unknown as AsyncIterable<Uint8Array>) parser.push(decoder.decode(chunk, { stream: true }));
  }
  parser.push(decoder.decode());
  parser.end();
  let items: SseItem[] = parser.events.map((e) => toItem(e.data));
  if (fault.events) items = fault.events(items, request, state, parser.events.map((e) => e.at));
  const out = fault.serialize ? fault.serialize(items) : items.map((i) => `data: ${typeof i === 'string' ? i : JSON.stringify(i)}\n\n`).join('');
  res.writeHead(upstream.status, { 'content-type': fault.streamContentType ?? contentType, 'cache-control': 'no-cache', ...fault.headers });
  for (const piece of fault.pieces ? fault.pieces(Buffer.from(out)) : [Buffer.from(out)]) {
    res.write(piece);
    if (fault.pieces) await new Promise((r) => setTimeout(r, 2));
  }
  res.end();
}

/** Parses one SSE data payload: [DONE], JSON, or the raw text. */
function toItem(data: string): SseItem {
  if (data.trim() === '[DONE]') return '[DONE]';
  try {
    return JSON.parse(data) as SseItem;
  } catch {
    return data as unknown as SseItem;
  }
}

/** Rewrites an upstream event stream event by event, as the events arrive (timing kept). */
async function reframeStream(res: ServerResponse, upstream: Response, fault: Fault): Promise<void> {
  res.writeHead(upstream.status, { 'content-type': fault.streamContentType ?? upstream.headers.get('content-type') ?? '', 'cache-control': 'no-cache', ...fault.headers });
  const parser = new SseParser();
  const decoder = new TextDecoder();
  let sent = 0;
  const flush = async () => {
    for (; sent < parser.events.length; sent++) {
      const item = (fault.item ?? ((i: SseItem) => i))(toItem(parser.events[sent]!.data));
      const data = typeof item === 'string' ? item : JSON.stringify(item);
      const bytes = Buffer.from(fault.frame ? fault.frame(data) : `data: ${data}\n\n`);
      for (const piece of fault.pieces ? fault.pieces(bytes) : [bytes]) {
        res.write(piece);
        if (fault.pieces) await new Promise((r) => setImmediate(r));
      }
    }
  };
  if (upstream.body) {
    for await (const chunk of upstream.body as unknown as AsyncIterable<Uint8Array>) {
      parser.push(decoder.decode(chunk, { stream: true }));
      await flush();
    }
  }
  parser.push(decoder.decode());
  parser.end();
  await flush();
  res.end();
}

/** Reads an upstream JSON answer and lets the fault rewrite a success or an error. */
async function rewriteBody(res: ServerResponse, upstream: Response, fault: Fault, request: ProxyRequest, state: ProxyState): Promise<void> {
  const contentType = upstream.headers.get('content-type') ?? '';
  const text = await upstream.text();
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    json = undefined;
  }
  if (upstream.status < 400 && fault.response && json !== undefined) {
    const out = fault.response(json as never, request, state);
    if (out && typeof out === 'object' && 'status' in out && 'body' in out && typeof (out as ProxyReply).status === 'number') {
      reply(res, out as ProxyReply, fault);
      return;
    }
    reply(res, { status: upstream.status, body: out ?? json, contentType }, fault);
    return;
  }
  if (upstream.status >= 400 && fault.error) {
    reply(res, fault.error(upstream.status, json, request), fault);
    return;
  }
  res.writeHead(upstream.status, { 'content-type': contentType, ...fault.headers });
  res.end(text);
}
