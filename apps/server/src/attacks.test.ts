/**
 * The attack suite (issue 13): what an attacker or a careless client sends, each case bounded
 * to seconds, each asserting its status and, where the attack costs the server work, that
 * /health answers meanwhile (before the attack request finished, or within a generous 1 s).
 * Real servers on 127.0.0.1, the tiny model in its worker thread.
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BEST_OF } from '@textgen-spec/engine';
import { createServer } from './server.js';
import type { TextgenServer } from './server.js';
import { openPost, postJson, startTestServer, tinyEngine, waitFor } from './__fixtures__/harness.js';

// Set in beforeAll, read by every case of this file.
let server: TextgenServer;
let model: string;
beforeAll(async () => {
  server = await startTestServer({ maxBodyBytes: 4 * 1024 * 1024, maxConcurrency: 1, maxQueue: 1, writeTimeoutMs: 500 });
  model = (await tinyEngine()).info.id;
});
afterAll(() => server.close());

type Response = Awaited<ReturnType<typeof postJson>>;

/** GET /health: its status and how long it took. */
async function health(base = server.url): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${base}/health`);
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - started };
}

/**
 * Runs `attack` and checks /health while it runs: answered (200) before the attack finished,
 * or within 1 s.
 */
async function underAttack<T>(attack: Promise<T>): Promise<T> {
  let finished = false;
  void attack.finally(() => (finished = true)).catch(() => {});
  const probe = await health();
  expect(probe.status).toBe(200);
  expect(!finished || probe.ms < 1000, `health took ${Math.round(probe.ms)} ms`).toBe(true);
  return attack;
}

function errorOf(res: Response): { message: string; param: string | null; code: string | null } {
  return (JSON.parse(res.text) as { error: { message: string; param: string | null; code: string | null } }).error;
}

function complete(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
  return postJson(server.url, '/v1/completions', { model, max_tokens: 4, ...body }, headers);
}

describe('grammar attacks', () => {
  it.each([
    ['nested repetitions', 'root ::= ("x"{0,10000}){0,10000}', 'max_expanded_size'],
    ['ambiguous optional chain', 'root ::= ("x"?){10000}', 'max_parse_stacks'],
    ['ambiguity after some text', 'root ::= "a" ("x"?){5000}', 'max_parse_stacks'],
    ['6,000 nested parentheses', `root ::= ${'('.repeat(6000)}"x"${')'.repeat(6000)}`, 'limit of 100'],
    // Inside every structural limit, but its first token mask alone took two minutes.
    ['slow to match (the compile-time budget)', 'root ::= (.?){4000}', 'max_compile_ms'],
    // The same after one forced token: compiling is cheap, the second token's mask is not.
    ['slow after the first token (the per-mask budget)', 'root ::= "\\x01" (.?){4000}', 'max_match_ms'],
  ])('%s: a 400 naming grammar_string and the limit', async (_name, grammar, limit) => {
    const res = await underAttack(complete({ prompt: 'a', grammar_string: grammar }));
    expect(res.status, res.text).toBe(400);
    expect(errorOf(res).param).toBe('grammar_string');
    expect(errorOf(res).message).toContain(limit);
  });
});

describe('size attacks', () => {
  it('a 1 MB prompt is refused before tokenizing (context_length_exceeded)', async () => {
    const res = await underAttack(complete({ prompt: 'x'.repeat(1024 * 1024) }));
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({ param: 'prompt', code: 'context_length_exceeded' });
  });

  it('a 1 MB token-count is refused before tokenizing', async () => {
    const res = await underAttack(postJson(server.url, '/v1/internal/token-count', { text: 'x'.repeat(1024 * 1024) }));
    expect(res.status).toBe(400);
    expect(errorOf(res).param).toBe('text');
  });

  it('900 KB of dry_sequence_breakers is a 400', async () => {
    const res = await underAttack(complete({ prompt: 'a', dry_multiplier: 0.8, dry_sequence_breakers: ['y'.repeat(900 * 1024)] }));
    expect(res.status).toBe(400);
    expect(errorOf(res).param).toBe('dry_sequence_breakers');
  });

  it('best_of 6000 is a 400 (at most 20)', async () => {
    const res = await underAttack(complete({ prompt: 'a', best_of: 6000 }));
    expect(res.status).toBe(400);
    expect(errorOf(res).param).toBe('best_of');
    expect(errorOf(res).message).toContain(String(MAX_BEST_OF));
  });

  it('10,000 prompts is a 400 (too many sequences)', async () => {
    const res = await underAttack(complete({ prompt: Array.from({ length: 10_000 }, () => 'a') }));
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({ param: 'prompt', code: 'too_many_sequences' });
  });

  it('a long generation does not hold up /health', async () => {
    const res = await underAttack(complete({ prompt: 'a', max_tokens: 300, n: 8, ban_eos_token: true }));
    expect(res.status).toBe(200);
  });
});

describe('browsers and encodings', () => {
  it.each([
    ['text/plain', { 'Content-Type': 'text/plain' }],
    ['a form', { 'Content-Type': 'application/x-www-form-urlencoded' }],
    ['gzip', { 'Content-Encoding': 'gzip' }],
  ])('%s body: 415 envelope', async (_name, headers) => {
    const res = await postJson(server.url, '/v1/completions', { model, prompt: 'a', max_tokens: 1 }, headers);
    expect(res.status).toBe(415);
    expect(errorOf(res).code).toBe('unsupported_media_type');
  });

  it('no CORS headers by default', async () => {
    const res = await fetch(`${server.url}/v1/models`, { headers: { Origin: 'https://evil.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('//v1/completions reports the path as sent', async () => {
    const res = await new Promise<Response>((resolve, reject) => {
      const req = httpRequest(`${server.url}/`, { method: 'GET', path: '//v1/completions' }, (r) => {
        let text = '';
        r.on('data', (c: Buffer) => (text += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, headers: r.headers, text }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(res.status).toBe(404);
    expect(errorOf(res).message).toContain('//v1/completions');
  });
});

describe('slow readers and paced streams', () => {
  it('a client that stops reading is cut off after the write timeout and frees its slot', async () => {
    const url = new URL(server.url);
    // About 14 MB of chunks (4 prompts of 900 tokens echoed with logprobs, 20 choices each):
    // more than the socket buffers hold while the client reads nothing.
    const prompt = Array.from({ length: 4 }, (_, i) => `${i} ${'word '.repeat(900)}`);
    const body = JSON.stringify({ model, prompt, max_tokens: 1, n: 20, logprobs: 5, echo: true, stream: true });
    const socket: Socket = connect(Number(url.port), url.hostname);
    socket.on('error', () => {});
    socket.write(
      `POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    socket.pause(); // reads nothing
    await waitFor(() => server.queue.running === 1, 10_000, 'the stream to start');
    await waitFor(() => server.queue.running === 0, 30_000, 'the slot to be freed');
    // What reached the client is cut short: no [DONE].
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.resume();
    await ended;
    expect(Buffer.concat(chunks).toString('utf8')).not.toContain('data: [DONE]');
    const next = await complete({ prompt: 'a', max_tokens: 2 });
    expect(next.status).toBe(200);
  }, 40_000);

  it('paced streams count against the queue bound', async () => {
    // One slot and one place in the line: two paced streams whose generation is over hold both.
    const pacedBody = { model, prompt: 'a', max_tokens: 6, ban_eos_token: true, max_tokens_second: 4, stream: true };
    const paced = [postJson(server.url, '/v1/completions', pacedBody), postJson(server.url, '/v1/completions', pacedBody)];
    await waitFor(() => server.queue.delivering === 2, 10_000, 'both paced generations to finish');
    const refused = await complete({ prompt: 'a', max_tokens: 1 });
    expect(refused.status).toBe(429);
    for (const res of await Promise.all(paced)) expect(res.status).toBe(200);
    expect((await complete({ prompt: 'a', max_tokens: 1 })).status).toBe(200);
  });
});

describe('connections', () => {
  it('a client that sends its headers too slowly (slowloris) gets a 408 and is closed', async () => {
    expect(server.http.headersTimeout).toBe(10_000); // the server's setting
    // Bounded: a server of its own with a 1 s header deadline (Node checks it every second).
    const slowloris = await startTestServer();
    slowloris.http.headersTimeout = 1000;
    const url = new URL(slowloris.url);
    const socket = connect(Number(url.port), url.hostname).on('error', () => {});
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
    // A header line every 100 ms: bytes keep arriving, the headers never end.
    const trickle = setInterval(() => socket.writable && socket.write('X-Slow: y\r\n'), 100);
    const started = performance.now();
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect((await health(slowloris.url)).status).toBe(200); // others are served meanwhile
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5000))]);
    clearInterval(trickle);
    const ms = performance.now() - started;
    expect(socket.destroyed || socket.readableEnded, 'the connection is closed').toBe(true);
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    socket.destroy();
    await slowloris.close();
  });

  it('closes an idle keep-alive connection within a few seconds', async () => {
    const url = new URL(server.url);
    const socket = connect(Number(url.port), url.hostname);
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    socket.resume();
    const started = performance.now();
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect(performance.now() - started).toBeLessThan(8000);
  });

  it('refuses connections over --max-connections and serves again once they close', async () => {
    const limited = await startTestServer({ maxConnections: 4 });
    const url = new URL(limited.url);
    const sockets = Array.from({ length: 8 }, () => connect(Number(url.port), url.hostname).on('error', () => {}));
    const closed = sockets.map((s) => new Promise<boolean>((resolve) => {
      s.once('close', () => resolve(true));
      setTimeout(() => resolve(false), 1500);
    }));
    const refused = (await Promise.all(closed)).filter(Boolean).length;
    expect(refused).toBeGreaterThanOrEqual(4);
    for (const s of sockets) s.destroy();
    await waitFor(() => (limited.http as unknown as { _connections: number })._connections === 0, 5000, 'connections to close');
    expect((await health(limited.url)).status).toBe(200);
    await limited.close();
  });
});

describe('authentication', () => {
  let secured: TextgenServer;
  beforeAll(async () => {
    secured = await startTestServer({ apiKeys: ['k'] });
  });
  afterAll(() => secured.close());

  it('401 comes before 404 and 405, and /health stays open', async () => {
    expect((await fetch(`${secured.url}/v1/nothing`)).status).toBe(401);
    expect((await fetch(`${secured.url}/v1/completions`)).status).toBe(401);
    expect((await fetch(`${secured.url}/health`)).status).toBe(200);
    expect((await fetch(`${secured.url}/v1/nothing`, { headers: { Authorization: 'Bearer k' } })).status).toBe(404);
  });

  it("'Bearer k other' is an invalid key, not a missing one", async () => {
    const res = await postJson(secured.url, '/v1/completions', { prompt: 'a' }, { Authorization: 'Bearer k other' });
    expect(res.status).toBe(401);
    expect(errorOf(res).code).toBe('invalid_api_key');
  });

  it('a 401 does not read a 50 MB body: it answers and closes', async () => {
    const req = openPost(secured.url, '/v1/completions', 'x', { 'Content-Length': String(50 * 1024 * 1024) });
    const status = await new Promise<number>((resolve, reject) => {
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
    });
    req.destroy();
    expect(status).toBe(401);
  });

  it('an empty or blank key is refused at construction', () => {
    expect(() => createServer({ apiKeys: [''], engine: tinyEngine() })).toThrow(/empty or blank/);
    expect(() => createServer({ apiKeys: [' '], engine: tinyEngine() })).toThrow(/empty or blank/);
  });
});

describe('watchdog', () => {
  it('replaces a worker that stops answering, fails its request with 503, and serves again', async () => {
    // Its own worker (not the shared one): a 300 ms stall bound, and a tokenization that blocks the worker for seconds.
    const watched = createServer({ host: '127.0.0.1', port: 0, workerStallTimeoutMs: 300 });
    await watched.listen();
    await watched.ready;
    const blocking = postJson(watched.url, '/v1/internal/token-count', { text: 'x'.repeat(100_000) });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const probe = await health(watched.url);
    expect(probe.ms).toBeLessThan(1000);
    const res = await blocking;
    expect(res.status, res.text).toBe(503);
    expect(errorOf(res).code).toBe('worker_stalled');
    await waitFor(() => watched.model.status === 'ready', 60_000, 'the new worker');
    expect((await health(watched.url)).status).toBe(200);
    const after = await postJson(watched.url, '/v1/completions', { prompt: 'a', max_tokens: 2 });
    expect(after.status).toBe(200);
    await watched.close();
  }, 90_000);
});
