/**
 * The playground's static files (GET /, GET /playground/...) and POST /v1/internal/sampler-trace,
 * over HTTP on a real server with the tiny model. The page itself is tested in Chromium by
 * playground-browser.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSchema } from '@textgen-spec/spec';
import { expectSchema } from './__fixtures__/assertions.js';
import { postJson, startTestServer } from './__fixtures__/harness.js';
import type { TextgenServer } from './server.js';

const PLAYGROUND = new URL('../playground/', import.meta.url);
const KEY = 'playground-secret';
const AUTH = { Authorization: `Bearer ${KEY}` };

// Set once in beforeAll: one server for the file.
let server: TextgenServer;
beforeAll(async () => {
  server = await startTestServer({ apiKeys: [KEY] });
});
afterAll(() => server.close());

/** A raw GET (the path is sent as written, no normalization), with its status, headers and body. */
function get(path: string, headers: Record<string, string> = {}, method = 'GET') {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = httpRequest(`${server.url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET / and the playground files', () => {
  it('serves the page without the API key, with its content type, an ETag, a CSP and revalidation', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toBe(readFileSync(new URL('index.html', PLAYGROUND), 'utf8'));
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    const etag = res.headers.etag as string;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await get('/', { 'If-None-Match': etag });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    const head = await get('/', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('serves every file of apps/server/playground with its type, and every file the page loads exists', async () => {
    const types: Record<string, string> = { html: 'text/html', css: 'text/css', js: 'text/javascript' };
    const files = readdirSync(PLAYGROUND);
    for (const file of files) {
      const res = await get(`/playground/${file}`);
      expect(res.status, file).toBe(200);
      expect(res.headers['content-type']).toBe(`${types[file.split('.').pop()!]}; charset=utf-8`);
    }
    // What the page and its modules reference: every name is one of the files.
    const text = files.map((f) => readFileSync(new URL(f, PLAYGROUND), 'utf8')).join('\n');
    const referenced = [...text.matchAll(/(?:\/playground\/|from '\.\/)([\w-]+\.(?:js|css))['"]/g)].map((m) => m[1]!);
    expect(referenced.length).toBeGreaterThan(5);
    for (const name of referenced) expect(files, name).toContain(name);
  });

  it('serves nothing outside the list: no traversal, no unknown file, no POST', async () => {
    for (const path of ['/playground/../package.json', '/playground/%2e%2e/package.json', '/playground/..%2fpackage.json', '/playground/nope.js', '/playground/', '/index.html']) {
      // Without the key, a path that leaves /playground/ is refused before routing (401); with it, 404.
      if (!path.startsWith('/playground/') || path.includes('/../')) expect((await get(path)).status, path).toBe(401);
      const res = await get(path, AUTH);
      expect(res.status, path).toBe(404);
      expect(JSON.parse(res.body).error.code).toBe('not_found');
    }
    const post = await postJson(server.url, '/', {}, AUTH);
    expect(post.status).toBe(405);
  });

  it('GET /playground/schema.json: the completion request schema in both profiles and the server profile', async () => {
    const res = await get('/playground/schema.json');
    expect(res.status).toBe(200);
    const doc = JSON.parse(res.body);
    expect(doc.profile).toBe('compat');
    expect(doc.schemas.strict).toEqual(getSchema('completion-request', 'strict'));
    expect(doc.schemas.compat).toEqual(getSchema('completion-request', 'compat'));
  });
});

describe('POST /v1/internal/sampler-trace', () => {
  const trace = (body: Record<string, unknown>, headers: Record<string, string> = AUTH) =>
    postJson(server.url, '/v1/internal/sampler-trace', body, headers);

  it('answers the steps of the chain in order, valid against the published schema', async () => {
    const res = await trace({ prompt: 'This is the house that', temperature: 1.5, top_k: 40, min_p: 0.01, top_logits: 8 });
    expect(res.status, res.text).toBe(200);
    const body = JSON.parse(res.text);
    expectSchema('sampler-trace-response', body);
    expect(body.steps.map((s: { stage: string }) => s.stage)).toEqual(['logits', 'temperature', 'top_k', 'min_p']);
    expect(body.steps[0].top).toHaveLength(8);
    expect(body.steps[2].candidates).toBe(40);
    const reordered = JSON.parse((await trace({ prompt: 'This is the house that', temperature: 1.5, top_k: 40, min_p: 0.01, sampler_priority: 'min_p,top_k' })).text);
    expect(reordered.steps.map((s: { stage: string }) => s.stage)).toEqual(['logits', 'min_p', 'top_k', 'temperature']);
  });

  it('applies a preset as a completion does', async () => {
    const body = JSON.parse((await trace({ prompt: 'Hello', preset: 'LLaMA-Precise' })).text);
    expect(body.steps.map((s: { stage: string }) => s.stage)).toEqual(['logits', 'repetition_penalty', 'temperature', 'top_k', 'top_p']);
  });

  it('rejects what it does not take, naming the parameter; needs the API key', async () => {
    const cases: [Record<string, unknown>, number, string | null][] = [
      [{ prompt: 'Hi', n: 2 }, 400, 'n'],
      [{ prompt: 'Hi', top_logits: 0 }, 400, 'top_logits'],
      [{ prompt: 'Hi', model: 'other' }, 404, 'model'],
      [{ prompt: 'Hi', guidance_scale: 2 }, 400, 'guidance_scale'],
    ];
    for (const [body, status, param] of cases) {
      const res = await trace(body);
      expect(res.status, res.text).toBe(status);
      expect(JSON.parse(res.text).error.param).toBe(param);
    }
    expect((await trace({ prompt: 'Hi' }, {})).status).toBe(401);
  });
});
