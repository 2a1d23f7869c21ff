/**
 * Real inference on the embedded tiny model (a word-bigram model of "The House That Jack
 * Built"): decoding, batching, seeds, stop strings, echo, logprobs and prompt forms.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { collect, tinyEngine, type Choice } from './__fixtures__/engine.js';
import { greedy, makeRequest } from './__fixtures__/requests.js';
import { codePointLength } from './detokenizer.js';
import type { LocalEngine } from './types.js';

let engine: LocalEngine;
beforeAll(async () => {
  engine = await tinyEngine();
});

const PROMPT = 'The quick brown fox';
const PROMPTS = [PROMPT, 'Mary', 'This is the cat that killed the rat that ate'];

/** Text offsets must advance by the code-point length of each token. */
function expectConsistentOffsets(choice: Choice, base: number): void {
  const lp = choice.logprobs!;
  expect(lp.tokens.join('')).toBe(choice.text);
  let offset = base;
  lp.tokens.forEach((token, i) => {
    expect(lp.text_offset[i]).toBe(offset);
    offset += codePointLength(token);
  });
}

describe('greedy decoding', () => {
  test('is deterministic and follows the model', async () => {
    const a = await collect(engine, greedy({ prompts: [PROMPT], max_tokens: 20 }));
    const b = await collect(engine, greedy({ prompts: [PROMPT], max_tokens: 20 }));
    expect(a.choices[0]!.text).toBe(b.choices[0]!.text);
    // The bigram model of the rhyme continues with its own words.
    expect(a.choices[0]!.text).toMatch(/Jack built/);
    expect(a.choices[0]!.finish).toBe('length');
    expect(a.usage).toEqual({ prompt_tokens: 4, completion_tokens: 20, total_tokens: 24 });
  });

  test('EOS ends a choice with "stop" and is counted but never shown', async () => {
    // Sentences end with "." and the model then reaches <|endoftext|> on its own.
    const r = await collect(engine, makeRequest({ prompts: ['Mary'], max_tokens: 200, seed: 3, logprobs: 0 }));
    const choice = r.choices[0]!;
    expect(choice.finish).toBe('stop');
    expect(choice.text).not.toContain('<|endoftext|>');
    // One logprobs entry per generated token, EOS included (with empty text).
    expect(choice.logprobs!.tokens.length).toBe(r.usage.completion_tokens);
    expect(choice.logprobs!.tokens.at(-1)).toBe('');
    expect(r.usage.completion_tokens).toBeLessThan(200);
  });

  test('ban_eos_token runs to max_tokens', async () => {
    const r = await collect(engine, makeRequest({ prompts: ['Mary'], max_tokens: 60, seed: 3, ban_eos_token: true }));
    expect(r.choices[0]!.finish).toBe('length');
    expect(r.usage.completion_tokens).toBe(60);
  });

  test('custom_token_bans changes the greedy continuation', async () => {
    const plain = await collect(engine, greedy({ prompts: [PROMPT], max_tokens: 1, logprobs: 0 }));
    const first = engine.encode(plain.choices[0]!.text);
    expect(first).toHaveLength(1);
    const banned = await collect(engine, greedy({ prompts: [PROMPT], max_tokens: 1, custom_token_bans: first }));
    expect(banned.choices[0]!.text).not.toBe(plain.choices[0]!.text);
  });
});

describe('KV cache', () => {
  test('step-by-step logprobs equal a full recomputation (echo of the same tokens)', async () => {
    const gen = await collect(engine, greedy({ prompts: [PROMPT], max_tokens: 12, ban_eos_token: true, logprobs: 1 }));
    const completion = gen.choices[0]!;
    // Score prompt + completion in a single prefill (no cache steps).
    const full = await collect(engine, greedy({ prompts: [PROMPT + completion.text], max_tokens: 0, echo: true, logprobs: 1 }));
    const echoed = full.choices[0]!.logprobs!;
    const promptLength = gen.usage.prompt_tokens;
    // The text re-tokenizes to the same tokens, so the positions line up.
    expect(echoed.tokens.slice(promptLength)).toEqual(completion.logprobs!.tokens);
    completion.logprobs!.token_logprobs.forEach((lp, i) => {
      expect(echoed.token_logprobs[promptLength + i]).toBeCloseTo(lp!, 4);
    });
  });
});

describe('batching', () => {
  test('n x several prompts in one batch equals each sequence alone (greedy)', async () => {
    const batch = await collect(engine, greedy({ prompts: PROMPTS, n: 2, max_tokens: 12, logprobs: 1, ban_eos_token: true }));
    expect(batch.choices).toHaveLength(6);
    for (const [p, prompt] of PROMPTS.entries()) {
      const alone = (await collect(engine, greedy({ prompts: [prompt], max_tokens: 12, logprobs: 1, ban_eos_token: true }))).choices[0]!;
      for (const k of [0, 1]) {
        const choice = batch.choices[p * 2 + k]!;
        expect(choice.text).toBe(alone.text);
        choice.logprobs!.token_logprobs.forEach((lp, i) => expect(lp).toBeCloseTo(alone.logprobs!.token_logprobs[i]!, 4));
      }
    }
  });

  test('sequence j of a seeded request samples with seed + j, whatever the batch', async () => {
    const seed = 1234;
    const batch = await collect(engine, makeRequest({ prompts: PROMPTS.slice(0, 2), n: 2, seed, max_tokens: 16 }));
    expect(batch.seed).toBe(seed);
    for (let p = 0; p < 2; p++) {
      for (let k = 0; k < 2; k++) {
        const alone = await collect(engine, makeRequest({ prompts: [PROMPTS[p]!], seed: seed + p * 2 + k, max_tokens: 16 }));
        expect(batch.choices[p * 2 + k]!.text).toBe(alone.choices[0]!.text);
        expect(batch.choices[p * 2 + k]!.finish).toBe(alone.choices[0]!.finish);
      }
    }
    // The candidates of one prompt differ from each other (different seeds).
    expect(new Set(batch.choices.map((c) => c.text)).size).toBeGreaterThan(1);
  });

  test('usage counts every generated token of every choice, prompts once', async () => {
    const r = await collect(engine, makeRequest({ prompts: PROMPTS.slice(0, 2), n: 3, seed: 7, max_tokens: 10, ban_eos_token: true }));
    expect(r.usage.prompt_tokens).toBe(engine.encode(PROMPTS[0]!).length + engine.encode(PROMPTS[1]!).length);
    expect(r.usage.completion_tokens).toBe(60);
  });

  test('best_of picks the n candidates with the highest mean token logprob', async () => {
    const seed = 99;
    const request = makeRequest({ prompts: ['Mary'], n: 2, best_of: 5, seed, max_tokens: 12, logprobs: 0, temperature: 1.5 });
    const r = await collect(engine, request);
    expect(r.choices).toHaveLength(2);
    // The five candidates, one by one (candidate k uses seed + k).
    const candidates = [];
    for (let k = 0; k < 5; k++) {
      const c = (await collect(engine, { ...request, n: 1, best_of: 1, seed: seed + k })).choices[0]!;
      const lps = c.logprobs!.token_logprobs as number[];
      candidates.push({ text: c.text, mean: lps.reduce((a, b) => a + b, 0) / lps.length, tokens: lps.length });
    }
    const ranked = [...candidates].sort((a, b) => b.mean - a.mean);
    expect(r.choices.map((c) => c.text)).toEqual(ranked.slice(0, 2).map((c) => c.text));
    // Usage counts the discarded candidates too.
    expect(r.usage.completion_tokens).toBe(candidates.reduce((a, c) => a + c.tokens, 0));
  });
});

describe('seeds', () => {
  test('the same seed gives the same tokens; the reported seed reproduces a random run', async () => {
    const request = makeRequest({ prompts: ['Mary'], max_tokens: 24, temperature: 1.2 });
    const first = await collect(engine, request);
    const again = await collect(engine, { ...request, seed: first.seed });
    expect(again.choices[0]!.text).toBe(first.choices[0]!.text);
    const a = await collect(engine, { ...request, seed: 5 });
    const b = await collect(engine, { ...request, seed: 5 });
    expect(a.choices[0]!.text).toBe(b.choices[0]!.text);
  });
});

describe('stop strings', () => {
  let reference: string;
  beforeAll(async () => {
    reference = (await collect(engine, greedy({ prompts: [PROMPT], max_tokens: 24, ban_eos_token: true }))).choices[0]!.text;
  });

  const run = async (stop: string[], logprobs: number | null = null) =>
    (await collect(engine, greedy({ prompts: [PROMPT], max_tokens: 24, ban_eos_token: true, stop, logprobs }))).choices[0]!;

  test('a stop string inside one token cuts inside it', async () => {
    expect(reference).toContain(' house');
    const choice = await run(['ous']);
    expect(choice.finish).toBe('stop');
    expect(choice.text).toBe(reference.slice(0, reference.indexOf('ous')));
  });

  test('a stop string across tokens is found, and no part of it is ever streamed', async () => {
    const choice = await run(['Jack built']);
    expect(choice.finish).toBe('stop');
    expect(choice.text).toBe(reference.slice(0, reference.indexOf('Jack built')));
    // Events are append-only: their concatenation is the final text, so nothing leaked.
    expect(choice.pieces.join('')).toBe(choice.text);
  });

  test('the earliest match wins over list order', async () => {
    const choice = await run(['built', ' lay']);
    expect(choice.text).toBe(reference.slice(0, Math.min(reference.indexOf('built'), reference.indexOf(' lay'))));
  });

  test('held-back text that turns out not to be a stop string is released, nothing lost', async () => {
    // "that J" is a prefix of the stop string and appears in the text; "that Jill" never does.
    expect(reference).toContain('that Jack');
    const choice = await run(['that Jill']);
    expect(choice.finish).toBe('length');
    expect(choice.text).toBe(reference);
    // While "that" / "that J" were pending, no event ended with them.
    const released: string[] = [];
    let sofar = '';
    for (const piece of choice.pieces) {
      sofar += piece;
      released.push(sofar);
    }
    for (const text of released.slice(0, -1)) expect(text.endsWith('that') || text.endsWith('that J')).toBe(false);
  });

  test('with logprobs, each event carries its own tokens and the text never contains the stop', async () => {
    const choice = await run(['Jack built'], 1);
    expect(choice.text).toBe(reference.slice(0, reference.indexOf('Jack built')));
    expectConsistentOffsets(choice, codePointLength(PROMPT));
  });
});

describe('echo and logprobs', () => {
  test('echo returns the prompt first, with prompt logprobs (first null)', async () => {
    const r = await collect(engine, greedy({ prompts: [PROMPT], max_tokens: 5, echo: true, logprobs: 2, ban_eos_token: true }));
    const choice = r.choices[0]!;
    expect(choice.pieces[0]).toBe(PROMPT);
    expect(choice.text.startsWith(PROMPT)).toBe(true);
    const lp = choice.logprobs!;
    expect(lp.token_logprobs[0]).toBeNull();
    expect(lp.top_logprobs[0]).toBeNull();
    expect(lp.tokens).toHaveLength(r.usage.prompt_tokens + r.usage.completion_tokens);
    for (let i = 1; i < lp.tokens.length; i++) {
      expect(lp.token_logprobs[i]).toBeLessThanOrEqual(0);
      const keys = Object.keys(lp.top_logprobs[i]!);
      expect(keys.length).toBeGreaterThanOrEqual(2);
      expect(keys.length).toBeLessThanOrEqual(3);
    }
    // Greedy: each generated token is the best of its top_logprobs.
    for (let i = r.usage.prompt_tokens; i < lp.tokens.length; i++) {
      const best = Math.max(...Object.values(lp.top_logprobs[i]!));
      expect(lp.token_logprobs[i]).toBeCloseTo(best, 6);
    }
    expectConsistentOffsets(choice, 0);
  });

  test('echo with max_tokens 0 returns just the prompt and its logprobs (lm-eval loglikelihood)', async () => {
    const r = await collect(engine, makeRequest({ prompts: ['That lay in the house'], max_tokens: 0, echo: true, logprobs: 1 }));
    const choice = r.choices[0]!;
    expect(choice.text).toBe('That lay in the house');
    expect(choice.finish).toBe('length');
    expect(r.usage.completion_tokens).toBe(0);
    expect(choice.logprobs!.tokens).toHaveLength(r.usage.prompt_tokens);
    // A likely continuation in the rhyme scores far better than an unlikely one.
    const likely = choice.logprobs!.token_logprobs.at(-1)!;
    const odd = (await collect(engine, makeRequest({ prompts: ['That lay in the fox'], max_tokens: 0, echo: true, logprobs: 1 })))
      .choices[0]!.logprobs!.token_logprobs.at(-1)!;
    expect(likely).toBeGreaterThan(odd);
  });

  test('without echo, text_offset counts from the start of the prompt (OpenAI)', async () => {
    const r = await collect(engine, greedy({ prompts: [PROMPT], max_tokens: 8, logprobs: 0, ban_eos_token: true }));
    const choice = r.choices[0]!;
    expect(choice.logprobs!.tokens).toHaveLength(8);
    expect(choice.logprobs!.text_offset[0]).toBe(codePointLength(PROMPT));
    expectConsistentOffsets(choice, codePointLength(PROMPT));
    // logprobs 0 still lists the chosen token.
    for (const top of choice.logprobs!.top_logprobs) expect(Object.keys(top!)).toHaveLength(1);
  });
});

describe('UTF-8 across tokens', () => {
  test('a character split over two tokens is streamed whole', async () => {
    // "日" is three bytes; GPT-2 splits it over two tokens, each of them part of a character.
    const ids = engine.encode('日');
    expect(ids).toHaveLength(2);
    expect(engine.decode([ids[0]!])).toContain('\uFFFD');
    // Force the two tokens in order: a strong bias for both, and no token may repeat.
    const r = await collect(
      engine,
      greedy({
        prompts: ['Mary'],
        max_tokens: 2,
        logit_bias: { [ids[0]!]: 100, [ids[1]!]: 90 },
        no_repeat_ngram_size: 1,
        logprobs: 0,
      }),
    );
    const choice = r.choices[0]!;
    expect(choice.text).toBe('日');
    for (const piece of choice.pieces) expect(piece).not.toContain('\uFFFD');
    expect(choice.logprobs!.tokens).toEqual(['', '日']);
  });

  test('echoed token prompts that split a character are shown whole', async () => {
    const ids = engine.encode('a😀b');
    expect(ids.length).toBeGreaterThan(3);
    const r = await collect(engine, makeRequest({ prompts: [ids], max_tokens: 0, echo: true, logprobs: 0 }));
    expect(r.choices[0]!.text).toBe('a😀b');
    expect(r.choices[0]!.logprobs!.tokens.join('')).toBe('a😀b');
    for (const token of r.choices[0]!.logprobs!.tokens) expect(token).not.toContain('\uFFFD');
  });
});

describe('prompt forms', () => {
  test('string, token ids, and arrays of both give the same completions', async () => {
    const ids = engine.encode(PROMPT);
    const base = { max_tokens: 8, ban_eos_token: true };
    const fromString = (await collect(engine, greedy({ ...base, prompts: [PROMPT] }))).choices[0]!.text;
    const fromIds = (await collect(engine, greedy({ ...base, prompts: [ids] }))).choices[0]!.text;
    expect(fromIds).toBe(fromString);
    const mixed = await collect(engine, greedy({ ...base, prompts: ['Mary', ids, PROMPT, engine.encode('Mary')] }));
    expect(mixed.choices.map((c) => c.text)).toEqual([mixed.choices[3]!.text, fromString, fromString, mixed.choices[0]!.text]);
  });

  test('an empty prompt feeds the end-of-text token, as OpenAI does', async () => {
    const r = await collect(engine, makeRequest({ prompts: [''], max_tokens: 5, seed: 1, ban_eos_token: true }));
    expect(r.usage.prompt_tokens).toBe(1);
    expect(r.choices[0]!.text.length).toBeGreaterThan(0);
  });
});

describe('lengths and truncation', () => {
  const long = 'This is the house that Jack built. '.repeat(8);

  test('truncation_length keeps the last truncation_length - max_tokens prompt tokens', async () => {
    const full = engine.encode(long).length;
    expect(full).toBeGreaterThan(30);
    const r = await collect(engine, greedy({ prompts: [long], max_tokens: 5, truncation_length: 20, echo: true, ban_eos_token: true }));
    expect(r.usage.prompt_tokens).toBe(15);
    // The model saw (and echo shows) the last 15 prompt tokens.
    expect(r.choices[0]!.pieces[0]).toBe(engine.decode(engine.encode(long).slice(-15)));
  });

  test('auto_max_new_tokens fills the window up to truncation_length', async () => {
    const r = await collect(engine, greedy({ prompts: [PROMPT], max_tokens: 2, auto_max_new_tokens: true, truncation_length: 30, ban_eos_token: true }));
    expect(r.usage.total_tokens).toBe(30);
    expect(r.choices[0]!.finish).toBe('length');
  });

  test('auto_max_new_tokens with a truncated prompt: max_tokens decides the cut, the rest of the window the budget', async () => {
    // TGW: the prompt keeps its last truncation_length - max_tokens tokens (20 - 6 = 14), then
    // auto_max_new_tokens allows truncation_length - 14 = 6 new tokens.
    const r = await collect(engine, greedy({ prompts: [long], max_tokens: 6, auto_max_new_tokens: true, truncation_length: 20, ban_eos_token: true }));
    expect(r.usage).toEqual({ prompt_tokens: 14, completion_tokens: 6, total_tokens: 20 });
    // A short prompt is not truncated, and the budget grows to fill the window.
    const short = await collect(engine, greedy({ prompts: ['Mary'], max_tokens: 6, auto_max_new_tokens: true, truncation_length: 20, ban_eos_token: true }));
    expect(short.usage).toEqual({ prompt_tokens: 1, completion_tokens: 19, total_tokens: 20 });
  });

  test('the context limit ends a choice with "length"', async () => {
    const context = engine.info.contextLength;
    const ids = Array.from({ length: context - 3 }, (_, i) => engine.encode(' house')[0]! + (i % 2));
    const r = await collect(engine, greedy({ prompts: [ids], max_tokens: 50, ban_eos_token: true }));
    expect(r.usage.completion_tokens).toBe(3);
    expect(r.choices[0]!.finish).toBe('length');
  });
});
