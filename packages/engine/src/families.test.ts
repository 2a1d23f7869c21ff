/**
 * The embedded family models (textgen-tiny-llama3, -qwen3, -gemma3, -llama2) through the
 * engine: loaded by name, described by their info, greedy text of the rhyme, sampling that ends
 * by itself on one of the family's EOS ids, and the fp16 / q8 / q4 graphs (llama3, qwen3) by dtype.
 */
import { CORPUS_TEXT, FAMILY_MODEL_NAMES, FAMILY_SPECS, MODEL_FAMILIES } from '@textgen-spec/tiny-model';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { collect } from './__fixtures__/engine.js';
import { greedy, makeRequest } from './__fixtures__/requests.js';
import { loadEngine } from './engine.js';
import { EMBEDDED_MODEL_IDS } from './load-model.js';
import type { LocalEngine } from './types.js';

const corpusWords = new Set(CORPUS_TEXT.split(/[^A-Za-z]+/).filter(Boolean));
const VOCAB = { llama3: 128256, qwen3: 151936, gemma3: 262144, llama2: 32000 } as const;

function expectRhymeWords(text: string): void {
  expect(text).not.toContain('\uFFFD');
  for (const word of text.split(/[^A-Za-z]+/).filter(Boolean)) expect(corpusWords).toContain(word);
}

test('every embedded model has a name, the default first', () => {
  expect(EMBEDDED_MODEL_IDS).toEqual(['textgen-tiny', 'textgen-tiny-llama3', 'textgen-tiny-qwen3', 'textgen-tiny-gemma3', 'textgen-tiny-llama2']);
});

describe.each(MODEL_FAMILIES.map((family) => ({ family })))('the embedded $family model', ({ family }) => {
  const spec = FAMILY_SPECS[family];
  let engine: LocalEngine;
  beforeAll(async () => {
    engine = await loadEngine({ model: FAMILY_MODEL_NAMES[family] });
  });
  afterAll(async () => {
    await engine?.dispose();
  });

  test('loads by name, with the family model type, vocabulary and EOS ids', () => {
    expect(engine.info).toMatchObject({
      id: FAMILY_MODEL_NAMES[family],
      source: 'embedded',
      modelType: spec.modelType,
      dtype: 'fp32',
      vocabSize: VOCAB[family],
      contextLength: spec.maxPositions,
    });
    expect([...engine.info.eosTokenIds].sort()).toEqual([...spec.eosTokenIds].sort());
    expect(engine.decode(engine.encode('This is the house that Jack built.'))).toContain('This is the house that Jack built.');
  });

  test('greedy text continues the prompt with words of the rhyme; streamed pieces add up to it', async () => {
    const { choices } = await collect(engine, greedy({ prompts: ['This is the'], max_tokens: 24 }));
    const [choice] = choices;
    expect(choice?.finish).toBe('length');
    expect(choice?.text.length).toBeGreaterThan(40);
    expect(choice?.pieces.join('')).toBe(choice?.text);
    expectRhymeWords(choice?.text ?? '');
  });

  test('sampling at temperature 1 ends by itself (finish_reason stop) for several seeds', async () => {
    for (const seed of [1, 2, 3]) {
      const { choices } = await collect(engine, makeRequest({ prompts: ['This is the'], max_tokens: 800, temperature: 1, seed }));
      expect(choices[0]?.finish, `seed ${seed}`).toBe('stop');
      // Sampled salad may glue pieces of words ("crumpled" + "orn"), so only the characters are checked.
      expect(choices[0]?.text).not.toContain('\uFFFD');
      expect(choices[0]?.text).toMatch(/^[A-Za-z .,\n']+$/);
    }
  });
});

describe('the extra graphs by dtype', () => {
  const cases = MODEL_FAMILIES.flatMap((family) => FAMILY_SPECS[family].extraDtypes.map((dtype) => ({ model: FAMILY_MODEL_NAMES[family], dtype })));
  test.each(cases)('$model loads its $dtype graph and speaks the rhyme', async ({ model, dtype }) => {
    const engine = await loadEngine({ model, dtype });
    try {
      expect(engine.info.dtype).toBe(dtype);
      const { choices } = await collect(engine, greedy({ prompts: ['This is the'], max_tokens: 16 }));
      expectRhymeWords(choices[0]?.text ?? '');
      expect(choices[0]?.text.length).toBeGreaterThan(20);
    } finally {
      await engine.dispose();
    }
  });
});
