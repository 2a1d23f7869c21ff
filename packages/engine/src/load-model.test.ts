/** Loading: what a model folder must contain, and the errors that name what is wrong. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureTinyModel } from '@textgen-spec/tiny-model';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadEngine } from './engine.js';
import { EngineLoadError, type EngineLoadErrorCode, type EngineLoadOptions } from './types.js';

let tiny: string;
let scratch: string;
beforeAll(async () => {
  tiny = await ensureTinyModel({});
  scratch = mkdtempSync(path.join(tmpdir(), 'engine-load-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of the tiny model folder, altered by `edit`. */
function variant(name: string, edit: (dir: string) => void): string {
  const dir = path.join(scratch, name);
  cpSync(tiny, dir, { recursive: true });
  edit(dir);
  return dir;
}

async function loadError(options: EngineLoadOptions): Promise<EngineLoadError> {
  const error = await loadEngine(options).then(
    async (engine) => {
      await engine.dispose();
      return null;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EngineLoadError);
  return error as EngineLoadError;
}

describe('loadEngine', () => {
  test('the embedded default model, described by its info', async () => {
    const engine = await loadEngine({});
    expect(engine.info).toMatchObject({
      source: 'embedded',
      modelType: 'gpt2',
      device: 'cpu',
      dtype: 'fp32',
      contextLength: 1024,
      vocabSize: 50257,
      eosTokenIds: [50256],
      supportsInfill: false,
      exposesHiddenStates: true,
    });
    expect(engine.encode('Hello world')).toEqual([15496, 995]);
    expect(engine.decode([15496, 995])).toBe('Hello world');
    await engine.dispose();
  });

  test('a local folder, with load progress', async () => {
    const phases = new Set<string>();
    const engine = await loadEngine({ model: tiny, dtype: 'fp32', onProgress: (e) => phases.add(e.phase) });
    expect(engine.info).toMatchObject({ source: 'local', path: tiny, id: path.basename(tiny) });
    expect([...phases]).toEqual(['load', 'ready']);
    await engine.dispose();
  });

  test.each<[string, () => EngineLoadOptions, EngineLoadErrorCode, RegExp]>([
    ['a missing folder', () => ({ model: path.join(scratch, 'nope') }), 'model_not_found', /not found/],
    ['a relative path that does not exist', () => ({ model: './no/such/model' }), 'model_not_found', /not found/],
    ['a file instead of a folder', () => ({ model: path.join(tiny, 'config.json') }), 'model_not_found', /is a file/],
    [
      'a folder without config.json',
      () => ({ model: variant('no-config', (d) => rmSync(path.join(d, 'config.json'))) }),
      'invalid_model_files',
      /no config\.json/,
    ],
    [
      'a folder without an ONNX graph',
      () => ({ model: variant('no-onnx', (d) => rmSync(path.join(d, 'onnx'), { recursive: true })) }),
      'invalid_model_files',
      /no onnx/,
    ],
    ['a dtype whose file is absent', () => ({ model: tiny, dtype: 'q4' }), 'unsupported_dtype', /model_q4\.onnx.*available: fp32/],
    [
      'an architecture transformers.js cannot run as a causal LM',
      () => ({
        model: variant('t5', (d) => {
          const config = JSON.parse(readFileSync(path.join(d, 'config.json'), 'utf8'));
          writeFileSync(path.join(d, 'config.json'), JSON.stringify({ ...config, model_type: 'bert', architectures: ['BertModel'] }));
        }),
      }),
      'unsupported_architecture',
      /bert/,
    ],
  ])('%s is a clear load error', async (_name, options, code, message) => {
    const error = await loadError(options());
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  test('webgpu without any Vulkan driver is a webgpu_unavailable load error', async () => {
    // This file never starts WebGPU otherwise, so the driver search sees this setting.
    process.env.VK_ICD_FILENAMES = path.join(scratch, 'no-such-icd.json');
    const error = await loadError({ device: 'webgpu' });
    expect(error.code).toBe('webgpu_unavailable');
    expect(error.message).toMatch(/no WebGPU adapter.*libvulkan1/s);
  });
});
