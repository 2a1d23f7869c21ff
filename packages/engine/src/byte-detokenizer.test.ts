/**
 * Byte-level incremental detokenization on the real tokenizers of each model family: streamed
 * pieces join to the tokenizer's own decode of the whole sequence (transformers.js), never
 * split a character, and special tokens are shown or skipped as the decode does.
 */
import { describe, expect, test } from 'vitest';
import { FAMILIES, familyTokenizer, unicodeText, type Family, type FamilyTokenizer } from './__fixtures__/family-tokenizers.js';
import { IncrementalDetokenizer, type TokenCodec } from './detokenizer.js';
import { detokenizerTable, type DetokenizerTable } from './detokenizer-table.js';

interface Setup {
  family: FamilyTokenizer;
  table: DetokenizerTable;
  codec: TokenCodec;
  /** Some special tokens of the family (end of turn, EOS...). */
  specials: number[];
}

const SPECIAL_TEXTS = ['<|eot_id|>', '<|end_of_text|>', '<|im_end|>', '<|endoftext|>', '<end_of_turn>', '<eos>', '</s>', '<start_of_turn>'];

async function setup(name: Family): Promise<Setup> {
  const family = await familyTokenizer(name);
  const table = detokenizerTable(family.json, family.config);
  if (typeof table === 'string') throw new Error(table);
  const { tokenizer } = family;
  const codec: TokenCodec = {
    decode: (ids, skip) => (ids.length === 0 ? '' : tokenizer.decode([...ids], { skip_special_tokens: skip })),
    table,
  };
  const specials = [...table.specialText].filter(([, text]) => SPECIAL_TEXTS.includes(text)).map(([id]) => id);
  return { family, table, codec, specials };
}

function stream(codec: TokenCodec, ids: readonly number[], skip: boolean, context: readonly number[] = []): string[] {
  const detokenizer = new IncrementalDetokenizer(codec, skip, context);
  const pieces = ids.map((id) => detokenizer.push(id));
  pieces.push(detokenizer.flush());
  return pieces;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Ids of a text with special tokens between some of its fragments, deterministically. */
function mixedIds(s: Setup, seed: number): number[] {
  // Every other text starts with a special token (BOS-like), where a decode's leading-space strip happens.
  const ids: number[] = seed % 2 === 0 && s.specials.length > 0 ? [s.specials[seed % s.specials.length]!] : [];
  for (let part = 0; part < 4; part++) {
    ids.push(...s.family.tokenizer.encode(unicodeText(seed * 4 + part, 3), { add_special_tokens: false }));
    if (part < 3 && s.specials.length > 0) ids.push(s.specials[(seed + part) % s.specials.length]!);
  }
  return ids;
}

describe.each(FAMILIES)('%s tokenizer', (name) => {
  test('the byte table maps it, with its decoder rules', async () => {
    const s = await setup(name);
    expect(s.table.kind).toBe(name === 'gemma3' || name === 'llama2' ? 'sentencepiece' : 'byte-level');
    // Llama 2's decoder strips the leading space of a decode; Gemma 3's does not.
    expect(s.table.stripLeadingSpaces).toBe(name === 'llama2' ? 1 : 0);
    // Only Llama 3's tokenizer config asks for clean_up_tokenization_spaces.
    expect(s.table.cleanUpSpaces).toBe(name === 'llama3');
    expect(s.specials.length).toBeGreaterThan(0);
  }, 120_000);

  test.each([true, false])('streamed pieces join to the whole decode (skip_special_tokens %s)', async (skip) => {
    const s = await setup(name);
    for (let seed = 1; seed <= 40; seed++) {
      const ids = mixedIds(s, seed);
      const pieces = stream(s.codec, ids, skip);
      const expected = s.family.tokenizer.decode(ids, { skip_special_tokens: skip });
      expect(pieces.join(''), `seed ${seed}`).toBe(expected);
      expect(expected).not.toContain('\uFFFD');
      for (const piece of pieces) expect(LONE_SURROGATE.test(piece), `seed ${seed}: ${JSON.stringify(piece)}`).toBe(false);
    }
  }, 120_000);

  test('after a prompt, pieces join to the decode of prompt and output minus the prompt (leading space kept)', async () => {
    const s = await setup(name);
    const { tokenizer } = s.family;
    for (let seed = 1; seed <= 20; seed++) {
      const context = tokenizer.encode(unicodeText(seed + 100, 3), { add_special_tokens: true });
      const ids = tokenizer.encode(` word ${unicodeText(seed, 6)}`, { add_special_tokens: false });
      for (const skip of [true, false]) {
        const joined = stream(s.codec, ids, skip, context).join('');
        if (s.table.cleanUpSpaces) {
          // The clean-up applies to the generated text alone (as TGW decodes the output ids).
          expect(joined).toBe(tokenizer.decode(ids, { skip_special_tokens: skip }));
          continue;
        }
        const prompt = tokenizer.decode(context, { skip_special_tokens: skip });
        const full = tokenizer.decode([...context, ...ids], { skip_special_tokens: skip });
        expect(full.startsWith(prompt)).toBe(true);
        expect(joined, `seed ${seed}`).toBe(full.slice(prompt.length));
        expect(joined).toMatch(/^ +word/);
      }
    }
  }, 120_000);

  test('random token ids (split and invalid byte sequences included) decode as the tokenizer does', async () => {
    const s = await setup(name);
    const candidates: number[] = [];
    s.table.tokenBytes.forEach((bytes, id) => {
      if (bytes && (bytes.length === 1 || bytes[0]! >= 0x80)) candidates.push(id);
    });
    let state = 12345;
    const pick = () => {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      return state;
    };
    for (let round = 0; round < 30; round++) {
      const ids = Array.from({ length: 24 }, () =>
        pick() % 5 === 0 ? pick() % s.table.tokenBytes.length : candidates[pick() % candidates.length]!,
      ).filter((id) => s.table.tokenBytes[id] || s.table.specialText.has(id));
      for (const skip of [true, false]) {
        expect(stream(s.codec, ids, skip).join(''), `round ${round}`).toBe(s.family.tokenizer.decode(ids, { skip_special_tokens: skip }));
      }
    }
  }, 120_000);
});
