/**
 * The Hugging Face path for real: the tiny model is served by a local HTTP server laid out
 * like the hub (`/<org>/<name>/resolve/<revision>/<file>`), transformers.js downloads it into
 * the cache with progress events, and a second load works offline from the cache.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { env } from '@huggingface/transformers';
import { ensureTinyModel } from '@textgen-spec/tiny-model';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { collect } from './__fixtures__/engine.js';
import { greedy } from './__fixtures__/requests.js';
import { loadEngine } from './engine.js';
import { EngineLoadError, type LoadProgressEvent } from './types.js';

const REPO = 'textgen-test/tiny-hub';
let folder: string;
let server: Server;
let cacheDir: string;
const requests: string[] = [];
const saved = { remoteHost: env.remoteHost, remotePathTemplate: env.remotePathTemplate };

beforeAll(async () => {
  folder = await ensureTinyModel({});
  cacheDir = await mkdtemp(path.join(tmpdir(), 'engine-hub-'));
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const match = /^\/textgen-test\/tiny-hub\/resolve\/main\/(.+)$/.exec(req.url ?? '');
    const file = match ? path.join(folder, decodeURIComponent(match[1]!)) : null;
    if (!file || !file.startsWith(folder + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Entry not found');
      return;
    }
    const body = readFileSync(file);
    if (req.headers.range === 'bytes=0-0') {
      // transformers.js asks for one byte to learn the size (progress totals).
      res.writeHead(206, { 'content-range': `bytes 0-0/${body.length}`, 'content-length': '1' }).end(body.subarray(0, 1));
      return;
    }
    res.writeHead(200, { 'content-length': String(body.length), 'content-type': 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  env.remoteHost = `http://127.0.0.1:${port}/`;
  env.remotePathTemplate = '{model}/resolve/{revision}/';
});

afterAll(async () => {
  env.remoteHost = saved.remoteHost;
  env.remotePathTemplate = saved.remotePathTemplate;
  await new Promise((resolve) => server?.close(resolve));
  await rm(cacheDir, { recursive: true, force: true });
});

describe('Hugging Face hub', () => {
  test('downloads into the cache with progress, then generates like the local copy', async () => {
    const progress: LoadProgressEvent[] = [];
    const engine = await loadEngine({ model: REPO, cacheDir, onProgress: (e) => progress.push(e) });
    try {
      expect(engine.info).toMatchObject({ id: REPO, source: 'hub', path: path.join(cacheDir, REPO) });
      // Files were fetched over HTTP and stored in the cache.
      expect(requests).toContain(`GET /${REPO}/resolve/main/onnx/model.onnx`);
      for (const file of ['config.json', 'tokenizer.json', 'onnx/model.onnx']) {
        // Buffer.equals: vitest's deep equality walks a 13 MB buffer key by key.
        expect(readFileSync(path.join(cacheDir, REPO, file)).equals(readFileSync(path.join(folder, file)))).toBe(true);
      }
      // Download progress, growing to 100, then ready.
      const downloads = progress.filter((e) => e.phase === 'download');
      expect(downloads.some((e) => e.file === 'onnx/model.onnx')).toBe(true);
      const values = downloads.map((e) => e.progress ?? 0);
      expect(values).toEqual([...values].sort((a, b) => a - b));
      expect(values.at(-1)).toBeCloseTo(100, 5);
      expect(progress.at(-1)).toEqual({ phase: 'ready' });

      const local = await loadEngine({ model: folder });
      const request = greedy({ prompts: ['The quick brown fox'], max_tokens: 10, ban_eos_token: true });
      expect((await collect(engine, request)).choices[0]!.text).toBe((await collect(local, request)).choices[0]!.text);
      await local.dispose();
    } finally {
      await engine.dispose();
    }
  });

  test('a cached model loads offline (localFilesOnly), without any request', async () => {
    const before = requests.length;
    const engine = await loadEngine({ model: REPO, cacheDir, localFilesOnly: true });
    expect(requests.length).toBe(before);
    expect((await collect(engine, greedy({ max_tokens: 3, ban_eos_token: true }))).usage.completion_tokens).toBe(3);
    await engine.dispose();
  });

  test('an unknown repository is a model_not_found load error', async () => {
    const error = await loadEngine({ model: 'textgen-test/missing', cacheDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineLoadError);
    expect((error as EngineLoadError).code).toBe('model_not_found');
  });

  test('localFilesOnly with nothing in the cache is a model_not_found load error', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'engine-hub-empty-'));
    const error = await loadEngine({ model: REPO, cacheDir: empty, localFilesOnly: true }).catch((e: unknown) => e);
    await rm(empty, { recursive: true, force: true });
    expect(error).toBeInstanceOf(EngineLoadError);
    expect((error as EngineLoadError).code).toBe('model_not_found');
  });
});
