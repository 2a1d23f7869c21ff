/**
 * Test support (not part of the build): one real engine per test worker on the embedded tiny
 * model, servers listening on 127.0.0.1 with a free port, and an SSE reader.
 */
import { request as httpRequest } from 'node:http';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { loadEngineInWorker } from '@textgen-spec/engine';
import type { Engine } from '@textgen-spec/engine';
import { createServer } from '../server.js';
import type { ServerOptions, TextgenServer } from '../server.js';

// Module-level on purpose: loading the engine takes a while, so every server of a test file
// (one module graph per file) shares one.
let shared: Promise<Engine> | undefined;

/**
 * The embedded tiny model in a worker thread (as the server runs it by default), loaded once
 * per test file and shared by its servers.
 */
export function tinyEngine(): Promise<Engine> {
  shared ??= loadEngineInWorker({});
  return shared;
}

/** GET `path` on a fresh connection; the body parsed as JSON. */
export function getJson(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    httpRequest(new URL(path, baseUrl), { headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    })
      .on('error', reject)
      .end();
  });
}

/** A listening server on 127.0.0.1 (free port) serving the tiny engine, ready to answer. */
export async function startTestServer(options: ServerOptions = {}): Promise<TextgenServer> {
  const server = createServer({ host: '127.0.0.1', port: 0, engine: tinyEngine(), ...options });
  await server.listen();
  await server.ready;
  return server;
}

export interface SseResult {
  status: number;
  headers: IncomingMessage['headers'];
  /** The raw body. */
  raw: string;
  /** Each `data:` payload parsed as JSON, `[DONE]` excluded. */
  events: Record<string, unknown>[];
  /** Whether the last event was `data: [DONE]`. */
  done: boolean;
}

/** Splits an SSE body into events; throws if an event is not `data: ...` or [DONE] is not last. */
export function parseSse(raw: string): { events: Record<string, unknown>[]; done: boolean } {
  const blocks = raw.split('\n\n');
  if (blocks.at(-1) !== '') throw new Error(`stream does not end with a blank line: ${JSON.stringify(raw.slice(-40))}`);
  blocks.pop();
  const events: Record<string, unknown>[] = [];
  let done = false;
  for (const block of blocks) {
    if (done) throw new Error('event after [DONE]');
    if (!block.startsWith('data: ') || block.includes('\n')) throw new Error(`not a single data line: ${JSON.stringify(block)}`);
    const data = block.slice('data: '.length);
    if (data === '[DONE]') done = true;
    else events.push(JSON.parse(data) as Record<string, unknown>);
  }
  return { events, done };
}

/** POSTs JSON with node:http and returns the status, headers and parsed body (JSON or SSE). */
export function postJson(
  baseUrl: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: IncomingMessage['headers']; text: string }> {
  return new Promise((resolve, reject) => {
    const req = openPost(baseUrl, path, body, headers);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** POSTs a streaming request and collects the whole SSE stream. */
export async function postStream(baseUrl: string, body: unknown, headers: Record<string, string> = {}): Promise<SseResult> {
  const response = await postJson(baseUrl, '/v1/completions', body, headers);
  if (response.status !== 200) {
    return { status: response.status, headers: response.headers, raw: response.text, events: [JSON.parse(response.text)], done: false };
  }
  return { status: response.status, headers: response.headers, raw: response.text, ...parseSse(response.text) };
}

/** Starts a POST (a new connection, no keep-alive) and returns the request to destroy it at will. */
export function openPost(baseUrl: string, path: string, body: unknown, headers: Record<string, string> = {}): ClientRequest {
  const url = new URL(path, baseUrl);
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const req = httpRequest(url, {
    method: 'POST',
    agent: false,
    headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload), ...headers },
  });
  req.end(payload);
  return req;
}

/** Resolves when `predicate` holds, polling every 5 ms; rejects after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
