import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './__fixtures__/helpers.js';
import { GENERATOR_VERSION, MANIFEST_FILE, writeTinyModel, type TinyModelManifest } from './write-model.js';

/**
 * The fingerprints of the generated folders. A change to the generator that changes any output
 * byte fails here: if the change is intended, bump GENERATOR_VERSION and update these values.
 */
const PINNED = {
  version: '1',
  default: '1a4d670238be9f378a6a278931aeb9c7f62d83f80ea6f3349a2c3202de487d00',
  large: '70edf0a481d6eca54613f81cae0556a4c33de6172adca91ddceeaac6e0304752',
} as const;

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/'))
    .sort();
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

describe('writeTinyModel', () => {
  let first: { path: string; cleanup: () => Promise<void> };
  let second: { path: string; cleanup: () => Promise<void> };
  let manifest: TinyModelManifest;

  beforeAll(async () => {
    first = await tempDir('write-a');
    second = await tempDir('write-b');
    manifest = await writeTinyModel(first.path);
    await writeTinyModel(second.path, { variant: 'default' });
  });
  afterAll(async () => {
    await first.cleanup();
    await second.cleanup();
  });

  it('writes the files transformers.js needs, and the manifest', async () => {
    expect(await listFiles(first.path)).toEqual([
      'config.json',
      'generation_config.json',
      'onnx/model.onnx',
      MANIFEST_FILE,
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    const onDisk = JSON.parse(await readFile(join(first.path, MANIFEST_FILE), 'utf8')) as TinyModelManifest;
    expect(onDisk).toEqual(manifest);
  });

  it('is byte-identical on every run', async () => {
    for (const file of await listFiles(first.path)) {
      const [a, b] = await Promise.all([readFile(join(first.path, file)), readFile(join(second.path, file))]);
      expect(sha256(b), file).toBe(sha256(a));
    }
  });

  it('records the true size and sha256 of every file', async () => {
    for (const file of manifest.files) {
      const data = await readFile(join(first.path, file.path));
      expect(file.bytes).toBe(data.byteLength);
      expect(file.sha256).toBe(sha256(data));
    }
  });

  it('matches the pinned fingerprint (bump GENERATOR_VERSION when the output changes on purpose)', () => {
    expect(GENERATOR_VERSION).toBe(PINNED.version);
    expect(manifest.fingerprint).toBe(PINNED.default);
  });

  it('writes a GPT-2 config that matches the manifest', async () => {
    const config = JSON.parse(await readFile(join(first.path, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({
      architectures: ['GPT2LMHeadModel'],
      model_type: 'gpt2',
      vocab_size: 50257,
      n_positions: 1024,
      n_embd: manifest.config.hidden,
      n_layer: manifest.config.layers,
      n_head: manifest.config.heads,
      bos_token_id: 50256,
      eos_token_id: 50256,
      tie_word_embeddings: true,
      'transformers.js_config': { dtype: 'fp32' },
    });
    expect(manifest.config).toMatchObject({ hidden: 96, layers: 2, heads: 4, headDim: 24, contextLength: 1024 });
    const generation = JSON.parse(await readFile(join(first.path, 'generation_config.json'), 'utf8')) as unknown;
    expect(generation).toEqual({ bos_token_id: 50256, eos_token_id: 50256, pad_token_id: 50256 });
  });

  it('keeps the default model small', () => {
    const total = manifest.files.reduce((sum, f) => sum + f.bytes, 0);
    expect(total).toBeLessThan(30_000_000);
  });

  it('rejects an unknown variant', async () => {
    await expect(writeTinyModel(join(first.path, 'x'), { variant: 'huge' as never })).rejects.toThrow(/unknown tiny model variant/);
  });
});

describe('writeTinyModel large', () => {
  it('writes the 4-layer, width-256 variant, pinned as well', async () => {
    const dir = await tempDir('write-large');
    try {
      const manifest = await writeTinyModel(dir.path, { variant: 'large' });
      expect(manifest.config).toMatchObject({ hidden: 256, layers: 4, heads: 8, headDim: 32, inner: 1024 });
      expect(manifest.fingerprint).toBe(PINNED.large);
    } finally {
      await dir.cleanup();
    }
  });
});
