import { spawn } from 'node:child_process';
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from './__fixtures__/helpers.js';
import { defaultCacheRoot, ensureTinyModel, tinyModelCacheKey } from './ensure.js';
import { MANIFEST_FILE, type TinyModelManifest } from './write-model.js';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(packageDir, '../..');

async function manifestOf(dir: string): Promise<TinyModelManifest> {
  return JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as TinyModelManifest;
}

/** Runs ensureTinyModel() from the built package in a child process; resolves with its stdout. */
function ensureInChild(env: NodeJS.ProcessEnv): Promise<string> {
  const script = "import { ensureTinyModel } from '@textgen-spec/tiny-model'; console.log(await ensureTinyModel());";
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: packageDir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise(out.trim()) : reject(new Error(`child exited ${code}: ${err}`))));
  });
}

describe('ensureTinyModel', () => {
  let cache: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    cache = await tempDir('cache');
  });
  afterEach(async () => cache.cleanup());

  it('generates into <cacheDir>/tiny-model/<variant>-<key> once, for concurrent callers in one process', async () => {
    const paths = await Promise.all([1, 2, 3].map(() => ensureTinyModel({ cacheDir: cache.path })));
    const expected = join(cache.path, 'tiny-model', `default-${tinyModelCacheKey('default')}`);
    expect(paths).toEqual([expected, expected, expected]);
    expect(await readdir(join(cache.path, 'tiny-model'))).toEqual([`default-${tinyModelCacheKey('default')}`]);
    const manifest = await manifestOf(expected);
    expect(manifest.variant).toBe('default');

    // A later call reuses the folder without writing anything.
    const before = await stat(join(expected, 'onnx/model.onnx'));
    expect(await ensureTinyModel({ cacheDir: cache.path })).toBe(expected);
    expect((await stat(join(expected, 'onnx/model.onnx'))).mtimeMs).toBe(before.mtimeMs);
  });

  it('is safe when several processes generate at once (TEXTGEN_CACHE_DIR names the cache)', async () => {
    const results = await Promise.all([1, 2, 3].map(() => ensureInChild({ TEXTGEN_CACHE_DIR: cache.path })));
    expect(new Set(results).size).toBe(1);
    const dir = results[0] as string;
    expect(dirname(dir)).toBe(join(cache.path, 'tiny-model'));
    // One complete folder, no temporary leftovers.
    expect(await readdir(join(cache.path, 'tiny-model'))).toEqual([dir.split('/').at(-1)]);
    const manifest = await manifestOf(dir);
    for (const file of manifest.files) expect((await stat(join(dir, file.path))).size).toBe(file.bytes);
  });

  it('regenerates a cached folder that lost a file', async () => {
    const dir = await ensureTinyModel({ cacheDir: cache.path });
    await rm(join(dir, 'onnx/model.onnx'));
    expect(await ensureTinyModel({ cacheDir: cache.path })).toBe(dir);
    const manifest = await manifestOf(dir);
    const onnx = manifest.files.find((f) => f.path === 'onnx/model.onnx');
    expect((await stat(join(dir, 'onnx/model.onnx'))).size).toBe(onnx?.bytes);
  });

  it('keys the cache by variant', () => {
    expect(tinyModelCacheKey('default')).toMatch(/^[0-9a-f]{16}$/);
    expect(tinyModelCacheKey('large')).not.toBe(tinyModelCacheKey('default'));
  });

  it('rejects an unknown family, and a family with a variant', async () => {
    await expect(ensureTinyModel({ family: 'llama9' as never, cacheDir: cache.path })).rejects.toThrow(/unknown model family/);
    await expect(ensureTinyModel({ family: 'llama2', variant: 'large', cacheDir: cache.path })).rejects.toThrow(/with a variant/);
  });

  it('rejects an unknown variant', async () => {
    await expect(ensureTinyModel({ variant: 'tiny' as never, cacheDir: cache.path })).rejects.toThrow(/unknown tiny model variant/);
  });
});

describe('defaultCacheRoot', () => {
  const saved = process.env.TEXTGEN_CACHE_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.TEXTGEN_CACHE_DIR;
    else process.env.TEXTGEN_CACHE_DIR = saved;
  });

  it('honours TEXTGEN_CACHE_DIR', () => {
    process.env.TEXTGEN_CACHE_DIR = '/some/where';
    expect(defaultCacheRoot()).toBe('/some/where');
  });

  it('is <repository root>/.cache inside the workspace', () => {
    delete process.env.TEXTGEN_CACHE_DIR;
    expect(defaultCacheRoot()).toBe(join(repoRoot, '.cache'));
  });
});
