/** Loading: what a model folder must contain, and the errors that name what is wrong. */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureTinyModel } from '@textgen-spec/tiny-model';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { collect } from './__fixtures__/engine.js';
import { greedy } from './__fixtures__/requests.js';
import { loadEngine } from './engine.js';
import { sessionOptions } from './load-model.js';
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
      id: 'textgen-tiny',
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

describe('onnxruntime threads', () => {
  test('maps count and spin to session options, and keeps onnxruntime\'s defaults when unset', () => {
    expect(sessionOptions(undefined)).toEqual({});
    expect(sessionOptions({ count: 0 })).toEqual({});
    expect(sessionOptions({ count: 3, spin: false })).toEqual({ intraOpNumThreads: 3, extra: { session: { intra_op: { allow_spinning: '0' } } } });
    expect(sessionOptions({ spin: true })).toEqual({ extra: { session: { intra_op: { allow_spinning: '1' } } } });
    expect(sessionOptions({ spin: 'run' })).toEqual({ extra: { session: { intra_op: { allow_spinning: '1' }, force_spinning_stop: '1' } } });
    expect(() => sessionOptions({ count: -1 })).toThrow(RangeError);
    expect(() => sessionOptions({ count: 1.5 })).toThrow(/integer >= 0/);
  });

  // onnxruntime starts count - 1 pool threads per session (the caller's thread is the other one):
  // the process's thread count shows that the option reached onnxruntime, not just a default.
  test.runIf(existsSync('/proc/self/task'))('a session runs with the thread count asked for, and gives the same tokens', async () => {
    const threadsNow = (): number => readdirSync('/proc/self/task').length;
    const grown = async (threads: EngineLoadOptions['threads']) => {
      const before = threadsNow();
      const engine = await loadEngine({ model: tiny, threads });
      const added = threadsNow() - before;
      const text = (await collect(engine, greedy({ prompts: ['This is the house'], max_tokens: 12 }))).choices[0]?.text;
      return { added, text, engine };
    };
    await (await loadEngine({ model: tiny })).dispose(); // libuv's and onnxruntime's own one-off threads
    const one = await grown({ count: 1, spin: false });
    const four = await grown({ count: 4, spin: 'run' });
    expect(four.added - one.added).toBe(3);
    expect(four.text).toBe(one.text);
    await one.engine.dispose();
    await four.engine.dispose();
  });
});

describe('prefillPassMs', () => {
  test('a model measured too slow for 256-position passes gets smaller chunks, and the same completion', async () => {
    const prompt = 'This is the house that Jack built. '.repeat(12);
    const request = greedy({ prompts: [prompt], max_tokens: 6, logprobs: 1 });
    const slow = await loadEngine({ model: tiny, prefillPassMs: 1e-6 });
    const usual = await loadEngine({ model: tiny });
    try {
      const passes = (engine: typeof slow) => engine.batchStats().forwardPasses;
      const before = [passes(slow), passes(usual)];
      const [a, b] = [await collect(slow, request), await collect(usual, request)];
      const promptTokens = a.usage.prompt_tokens;
      expect(promptTokens).toBeGreaterThan(64);
      // Prefill passes (16 positions each, or one of up to 256) plus 5 decoding steps.
      expect(passes(slow) - before[0]!).toBe(Math.ceil(promptTokens / 16) + 5);
      expect(passes(usual) - before[1]!).toBe(1 + 5);
      expect(a.choices[0]!.text).toBe(b.choices[0]!.text);
      a.choices[0]!.logprobs!.token_logprobs.forEach((lp, i) => expect(lp).toBeCloseTo(b.choices[0]!.logprobs!.token_logprobs[i]!, 4));
    } finally {
      await slow.dispose();
      await usual.dispose();
    }
  });

  test('must be a number >= 0', async () => {
    await expect(loadEngine({ model: tiny, prefillPassMs: -1 })).rejects.toThrow(/prefillPassMs must be a number >= 0/);
    await expect(loadEngine({ model: tiny, prefillPassMs: Number.NaN })).rejects.toThrow(RangeError);
  });
});

describe('BOS and special tokens', () => {
  /** The tiny model with a tokenizer that puts <|endoftext|> (its BOS) before every text. */
  function bosModel(): string {
    return variant('with-bos', (d) => {
      const file = path.join(d, 'tokenizer.json');
      const tokenizer = JSON.parse(readFileSync(file, 'utf8'));
      const bos = { id: '<|endoftext|>', ids: [50256], tokens: ['<|endoftext|>'] };
      tokenizer.post_processor = {
        type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: '<|endoftext|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
        pair: [{ SpecialToken: { id: '<|endoftext|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
        special_tokens: { '<|endoftext|>': bos },
      };
      writeFileSync(file, JSON.stringify(tokenizer));
    });
  }

  test('add_bos_token adds BOS once on a model that uses it, and removes it when false', async () => {
    const engine = await loadEngine({ model: bosModel() });
    try {
      const usage = async (prompt: string, add_bos_token: boolean) =>
        (await collect(engine, greedy({ prompts: [prompt], max_tokens: 1, add_bos_token, echo: true, skip_special_tokens: false }))).usage
          .prompt_tokens;
      const plain = engine.encode('Mary had').length;
      expect(engine.encode('Mary had', { addBos: true })).toEqual([50256, ...engine.encode('Mary had')]);
      expect(await usage('Mary had', true)).toBe(plain + 1);
      expect(await usage('Mary had', false)).toBe(plain);
      // A prompt that already starts with BOS does not get a second one.
      expect(await usage('<|endoftext|>Mary had', true)).toBe(plain + 1);
    } finally {
      await engine.dispose();
    }
  });

  test('a model without BOS (GPT-2) never gets one', async () => {
    const engine = await loadEngine({ model: tiny });
    const r = await collect(engine, greedy({ prompts: ['Mary had'], max_tokens: 1, add_bos_token: true }));
    expect(r.usage.prompt_tokens).toBe(engine.encode('Mary had').length);
    await engine.dispose();
  });

  test('skip_special_tokens decides whether special tokens show in the text', async () => {
    const engine = await loadEngine({ model: tiny });
    const echo = async (skip_special_tokens: boolean) =>
      (await collect(engine, greedy({ prompts: ['Mary<|endoftext|>had'], max_tokens: 0, echo: true, skip_special_tokens, logprobs: 0 })))
        .choices[0]!;
    const shown = await echo(false);
    expect(shown.text).toBe('Mary<|endoftext|>had');
    const skipped = await echo(true);
    expect(skipped.text).toBe('Maryhad');
    // One logprobs entry per token either way, joined to the text.
    expect(skipped.logprobs!.tokens).toEqual(['Mary', '', 'had']);
    await engine.dispose();
  });
});
