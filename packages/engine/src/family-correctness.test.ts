/**
 * The engine on each model family's tiny model (real tokenizers, vocabularies of 32k to 262k):
 * every EOS id, BOS rules, special-token text in prompts, skip_special_tokens both ways, ids
 * far beyond GPT-2's 50,257 in logit_bias / custom_token_bans / prompts, grammars over the
 * whole vocabulary, echo with prompt logprobs, and streamed text consistent with its offsets.
 */
import type { ModelFamily } from '@textgen-spec/tiny-model';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { collect } from './__fixtures__/engine.js';
import { familyEngine } from './__fixtures__/family-engines.js';
import { parsedRequest } from './__fixtures__/requests.js';
import { codePointLength } from './detokenizer.js';
import type { LocalEngine, LogprobsSlice } from './types.js';
import { EngineRequestError } from './types.js';

interface FamilyCase {
  family: ModelFamily;
  /** The tokenizer config adds BOS (add_bos_token, or a missing-BOS fix as TGW does). */
  addsBos: boolean;
  bosText: string | null;
  /** A special token that is not EOS, generated to test skip_special_tokens. */
  special: string;
  /** Special-token text a chat template puts in prompts. */
  promptSpecial: string;
}

const CASES: FamilyCase[] = [
  { family: 'llama3', addsBos: true, bosText: '<|begin_of_text|>', special: '<|start_header_id|>', promptSpecial: '<|eot_id|>' },
  { family: 'qwen3', addsBos: false, bosText: null, special: '<|im_start|>', promptSpecial: '<|im_end|>' },
  { family: 'gemma3', addsBos: true, bosText: '<bos>', special: '<start_of_turn>', promptSpecial: '<end_of_turn>' },
  { family: 'llama2', addsBos: true, bosText: '<s>', special: '<unk>', promptSpecial: '</s>' },
];

const UNICODE = 'Ça va? 日本語のテキスト 🎉👩‍👩‍👧 e\u0301 naïve\n\tcode();';

const request = (body: Record<string, unknown>) => parsedRequest({ model: 'test', prompt: 'The cat', max_tokens: 8, temperature: 0, ...body });

/** The one id `text` (a special token) encodes to. */
function specialId(engine: LocalEngine, text: string): number {
  const ids = engine.encode(text);
  expect(ids, text).toHaveLength(1);
  return ids[0]!;
}

/** text_offset counts code points from the start of the text, token by token. */
function expectOffsetsConsistent(text: string, logprobs: LogprobsSlice, base: number): void {
  expect(logprobs.tokens.join('')).toBe(text);
  let offset = base;
  logprobs.tokens.forEach((token, i) => {
    expect(logprobs.text_offset[i]).toBe(offset);
    offset += codePointLength(token);
  });
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe.each(CASES)('$family tiny model', (c) => {
  let engine: LocalEngine;
  beforeAll(async () => {
    engine = await familyEngine(c.family);
  }, 600_000);
  afterAll(async () => {
    await engine?.dispose();
  });

  test('every EOS id of generation_config ends generation; ban_eos_token bans them all', async () => {
    expect(engine.info.eosTokenIds.length).toBeGreaterThan(c.family === 'llama2' ? 0 : 1);
    for (const eos of engine.info.eosTokenIds) {
      const run = await collect(engine, request({ logit_bias: { [eos]: 100 } }));
      expect(run.choices[0]!.finish, `eos ${eos}`).toBe('stop');
      expect(run.usage.completion_tokens).toBe(1);
      expect(run.choices[0]!.text).toBe('');
    }
    const bias = Object.fromEntries(engine.info.eosTokenIds.map((id) => [id, 100]));
    const banned = await collect(engine, request({ logit_bias: bias, ban_eos_token: true, max_tokens: 4 }));
    expect(banned.choices[0]!.finish).toBe('length');
    expect(banned.usage.completion_tokens).toBe(4);
  });

  test('BOS as the tokenizer config and the request say, never doubled', async () => {
    const plain = engine.encode('The cat').length;
    const count = async (body: Record<string, unknown>) => (await collect(engine, request({ max_tokens: 1, ...body }))).usage.prompt_tokens;
    expect(await count({ add_bos_token: true })).toBe(plain + (c.addsBos ? 1 : 0));
    expect(await count({ add_bos_token: false })).toBe(plain);
    if (c.bosText === null) return;
    const bos = engine.info.bosTokenId!;
    // The tokenizer endpoint's encode follows the same rule.
    expect(engine.encode(`${c.bosText}${c.bosText}The cat`, { addBos: true }).slice(0, 2)).toEqual([bos, engine.encode('The cat')[0]]);
    const withText = await count({ prompt: `${c.bosText}The cat`, add_bos_token: true });
    expect(await count({ prompt: `${c.bosText}${c.bosText}The cat`, add_bos_token: true })).toBe(withText);
    expect(await count({ prompt: `${c.bosText}The cat`, add_bos_token: false })).toBe(withText - 1);
  });

  test('special-token text in a prompt is the special token (as TGW tokenizes it)', async () => {
    const id = specialId(engine, c.promptSpecial);
    const ids = engine.encode(`Hi${c.promptSpecial}there`);
    expect(ids).toContain(id);
    const run = await collect(engine, request({ prompt: `Hi${c.promptSpecial}there`, max_tokens: 1, add_bos_token: false }));
    expect(run.usage.prompt_tokens).toBe(ids.length);
  });

  test('skip_special_tokens both ways on a generated special token', async () => {
    const id = specialId(engine, c.special);
    const body = { logit_bias: { [id]: 100 }, max_tokens: 3 };
    const shown = await collect(engine, request({ ...body, skip_special_tokens: false }));
    expect(shown.choices[0]!.text).toBe(c.special.repeat(3));
    const skipped = await collect(engine, request({ ...body, skip_special_tokens: true }));
    expect(skipped.choices[0]!.text).toBe('');
    expect(skipped.usage.completion_tokens).toBe(3);
  });

  test('logit_bias, custom_token_bans and token prompts take ids up to the top of the vocabulary', async () => {
    const [top, second] = await engine.nextTokenProbabilities(request({}), { useSamplers: false, top: 2 });
    const banned = await collect(engine, request({ max_tokens: 1, custom_token_bans: [top!.token] }));
    // (A token alone decodes without its SentencePiece leading space; after the prompt, with it.)
    expect(banned.choices[0]!.text.trim()).toBe(second!.text.trim());
    // The highest id that is an ordinary token of the tokenizer.
    let high = engine.info.vocabSize - 1;
    while (high > 0 && (engine.decode([high], { skipSpecialTokens: true }) === '' || engine.decode([high]).includes('\uFFFD'))) high--;
    if (c.family !== 'llama2') expect(high).toBeGreaterThan(50_257);
    const forced = await collect(engine, request({ max_tokens: 2, logit_bias: { [high]: 100 } }));
    expect(forced.choices[0]!.text).toBe(engine.decode([high, high]));
    const tokenPrompt = await collect(engine, request({ prompt: [high, high], max_tokens: 1 }));
    expect(tokenPrompt.usage.prompt_tokens).toBe(2);
    // The bounds are the loaded model's: one past its last logit is a 400 naming the parameter.
    const past = engine.info.vocabSize;
    await expect(collect(engine, request({ prompt: [past], max_tokens: 1 }))).rejects.toBeInstanceOf(EngineRequestError);
    await expect(collect(engine, request({ logit_bias: { [past]: 1 } }))).rejects.toMatchObject({ param: 'logit_bias' });
    await expect(collect(engine, request({ custom_token_bans: [past] }))).rejects.toMatchObject({ param: 'custom_token_bans' });
    const last = await collect(engine, request({ max_tokens: 1, custom_token_bans: [past - 1], logit_bias: { [past - 1]: 5 } }));
    expect(last.usage.completion_tokens).toBe(1);
  });

  test('a grammar over the whole vocabulary yields exactly its Unicode text, however it is tokenized', async () => {
    const target = '日本語 👩‍👩‍👧 é ok';
    for (const seed of [1, 2, 3]) {
      const run = await collect(engine, request({ grammar_string: `root ::= "${target}"`, temperature: 1, seed, max_tokens: 64 }));
      expect(run.choices[0]!.text, `seed ${seed}`).toBe(target);
    }
  });

  test('echo with prompt logprobs: the prompt text back, tokens joining to it, offsets consistent', async () => {
    const run = await collect(engine, request({ prompt: UNICODE, echo: true, logprobs: 2, max_tokens: 6 }));
    const choice = run.choices[0]!;
    // The prompt's tokens decoded: Qwen's tokenizer normalizes to NFC (e + U+0301 -> é).
    const prompt = c.family === 'qwen3' ? UNICODE.normalize('NFC') : UNICODE;
    expect(choice.text.startsWith(prompt)).toBe(true);
    expectOffsetsConsistent(choice.text, choice.logprobs!, 0);
    expect(choice.logprobs!.token_logprobs[0]).toBeNull();
    expect(choice.logprobs!.tokens.length).toBe(run.usage.prompt_tokens + run.usage.completion_tokens);
  });

  test('prompts of different lengths in one batch (left-padded, position_ids per row) decode as each alone', async () => {
    const prompts = ['The cat', 'This is the house that Jack built, and this is the'];
    const together = await collect(engine, request({ prompt: prompts, max_tokens: 16 }));
    for (const [i, prompt] of prompts.entries()) {
      const alone = await collect(engine, request({ prompt, max_tokens: 16 }));
      expect(together.choices[i]!.text, prompt).toBe(alone.choices[0]!.text);
    }
  });

  test('sampled text: pieces never split a character, offsets follow the text', async () => {
    for (const seed of [5, 6, 7]) {
      const run = await collect(engine, request({ prompt: UNICODE, temperature: 1.5, seed, max_tokens: 40, logprobs: 1 }));
      const choice = run.choices[0]!;
      for (const piece of choice.pieces) expect(LONE_SURROGATE.test(piece)).toBe(false);
      const prompt = engine.decode(engine.encode(UNICODE, { addBos: true }), { skipSpecialTokens: true });
      expectOffsetsConsistent(choice.text, choice.logprobs!, codePointLength(prompt));
    }
  });
});
