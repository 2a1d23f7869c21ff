import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLocal, tempDir } from './__fixtures__/helpers.js';
import { END_OF_TEXT_ID, encodeWithGpt3Encoder } from './tokenizer.js';
import { writeTinyModel } from './write-model.js';

const SAMPLES: Record<string, string> = {
  ascii: 'Hello, world! This is the house that Jack built.',
  whitespace: '  leading spaces,\ttabs\nand\n\nnewlines   ',
  accents: 'Café déjà vu, naïve façade — Ångström',
  cjk: '日本語のテキストと中文字符',
  emoji: 'emoji 😀👍🏽 and 🇫🇷 flags',
  code: 'function f(x) {\n  return x ** 2; // square\n}\n',
  contractions: "I'm sure it's what we'll've done, isn't it?",
};

describe('generated tokenizer (transformers.js) against gpt-3-encoder', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let tokenizer: PreTrainedTokenizer;

  beforeAll(async () => {
    dir = await tempDir('tokenizer');
    await writeTinyModel(dir.path);
    ({ tokenizer } = await loadLocal(dir.path));
  });
  afterAll(async () => dir.cleanup());

  for (const [name, text] of Object.entries(SAMPLES)) {
    it(`encodes ${name} text like gpt-3-encoder and decodes it back`, () => {
      const ids = tokenizer.encode(text);
      expect(ids).toEqual(encodeWithGpt3Encoder(text));
      expect(ids.length).toBeGreaterThan(1);
      expect(tokenizer.decode(ids)).toBe(text);
    });
  }

  it('knows <|endoftext|> as the special token 50256, used for BOS, EOS and padding', () => {
    expect(tokenizer.encode('<|endoftext|>')).toEqual([END_OF_TEXT_ID]);
    expect(tokenizer.decode([END_OF_TEXT_ID])).toBe('<|endoftext|>');
    expect(tokenizer.decode([464, END_OF_TEXT_ID], { skip_special_tokens: true })).toBe('The');
    expect(tokenizer.eos_token_id).toBe(END_OF_TEXT_ID);
    expect(tokenizer.pad_token_id).toBe(END_OF_TEXT_ID);
  });

  it('adds no BOS token by default (GPT-2 behaviour)', () => {
    expect(tokenizer.encode('This is')).toEqual([1212, 318]);
  });
});
