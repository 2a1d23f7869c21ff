/**
 * prompt_lookup_num_tokens on the tiny model: the output must be exactly what plain decoding
 * gives, token for token (text, pieces, finish reasons, usage, logprobs), while the draft
 * verification saves forward passes on the rhyme's repetitive text.
 */
import type { NormalizedCompletionRequest } from '@textgen-spec/spec';
import { afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { collect, tinyEngine, type Collected } from './__fixtures__/engine.js';
import { greedy, makeRequest } from './__fixtures__/requests.js';
import { ModelRunner } from './model-runner.js';
import type { LocalEngine } from './types.js';

let engine: LocalEngine;
beforeAll(async () => {
  engine = await tinyEngine();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const RHYME = 'This is the house that Jack built.\nThis is the malt\nThat lay in the house that Jack built.\nThis is the rat\nThat ate the malt\nThat lay in the house that Jack built.\n';

/** Runs `request` and counts the forward passes it took. */
async function run(request: NormalizedCompletionRequest): Promise<{ result: Collected; passes: number }> {
  const spy = vi.spyOn(ModelRunner.prototype, 'forward');
  const result = await collect(engine, request);
  const passes = spy.mock.calls.length;
  spy.mockRestore();
  return { result, passes };
}

/** Same choices as plain decoding; logprobs equal up to float rounding (several tokens per pass). */
function expectSameOutput(lookup: Collected, plain: Collected): void {
  expect(lookup.usage).toEqual(plain.usage);
  expect(lookup.choices.map((c) => [c.text, c.finish, c.pieces])).toEqual(plain.choices.map((c) => [c.text, c.finish, c.pieces]));
  lookup.choices.forEach((choice, i) => {
    const expected = plain.choices[i]!.logprobs;
    if (expected === null) return expect(choice.logprobs).toBeNull();
    expect(choice.logprobs!.tokens).toEqual(expected.tokens);
    expect(choice.logprobs!.text_offset).toEqual(expected.text_offset);
    choice.logprobs!.token_logprobs.forEach((lp, t) => expect(lp).toBeCloseTo(expected.token_logprobs[t]!, 4));
  });
}

async function compare(request: NormalizedCompletionRequest, draft = 8): Promise<{ plainPasses: number; lookupPasses: number }> {
  const plain = await run(request);
  const lookup = await run({ ...request, prompt_lookup_num_tokens: draft });
  expectSameOutput(lookup.result, plain.result);
  return { plainPasses: plain.passes, lookupPasses: lookup.passes };
}

describe('prompt_lookup_num_tokens', () => {
  test('greedy: the same tokens in far fewer forward passes', async () => {
    const { plainPasses, lookupPasses } = await compare(greedy({ prompts: [RHYME], max_tokens: 60, logprobs: 2, ban_eos_token: true }));
    expect(plainPasses).toBe(60); // prefill + 59 steps
    expect(lookupPasses).toBeLessThan(plainPasses / 2);
  });

  test('seeded sampling (temperature, mirostat, penalties, DRY): the same tokens for every seed', async () => {
    const configs: Partial<NormalizedCompletionRequest>[] = [
      { temperature: 1 },
      { temperature: 0.7, top_k: 5, min_p: 0.05 },
      { mirostat_mode: 2, mirostat_tau: 3 },
      { repetition_penalty: 1.15, dry_multiplier: 0.8, xtc_probability: 0.3, xtc_threshold: 0.05 },
    ];
    let saved = 0;
    for (const config of configs) {
      for (const seed of [1, 2]) {
        const { plainPasses, lookupPasses } = await compare(makeRequest({ prompts: [RHYME], seed, max_tokens: 40, logprobs: 1, ...config }));
        saved += plainPasses - lookupPasses;
      }
    }
    expect(saved).toBeGreaterThan(0);
  });

  test('stop strings, EOS and small max_tokens end where plain decoding ends', async () => {
    for (const stop of [['Jack built.\nThis'], ['malt'], ['at']]) {
      await compare(greedy({ prompts: [RHYME], max_tokens: 40, stop, logprobs: 0 }));
    }
    for (const max_tokens of [1, 2, 3, 7]) await compare(greedy({ prompts: [RHYME], max_tokens, ban_eos_token: true }), 10);
    // The model ends its text with EOS by itself (seed 3 reaches it within the budget).
    const eos = await compare(makeRequest({ prompts: ['Mary'], seed: 3, max_tokens: 200, logprobs: 0 }));
    expect(eos.plainPasses).toBeGreaterThan(1);
  });

  test('batches: several prompts, n and best_of, echo, different drafts per row', async () => {
    const prompts = [RHYME, 'The quick brown fox', 'That lay in the house that Jack built. That lay in the'];
    await compare(makeRequest({ prompts, n: 2, seed: 9, max_tokens: 30, logprobs: 1, echo: true }));
    await compare(makeRequest({ prompts: prompts.slice(0, 2), n: 2, best_of: 3, seed: 4, max_tokens: 20 }), 4);
    await compare(greedy({ prompts, max_tokens: 30, ban_eos_token: true }), 3);
  });

  test('a grammar constrains drafted tokens like sampled ones', async () => {
    await compare(makeRequest({ prompts: [RHYME], seed: 2, max_tokens: 40, grammar_string: 'root ::= [A-Za-z .\\n]+' }));
  });

  test('near the end of the context, no row is fed past the last position', async () => {
    // One row has room for long drafts, the other ends 12 positions before the end of the
    // context: the filler that pads its drafts must stop there too.
    const context = engine.info.contextLength;
    const ids = engine.encode(RHYME.repeat(40)).slice(-(context - 12));
    await compare(greedy({ prompts: [engine.encode(RHYME), ids], max_tokens: 50, ban_eos_token: true }), 10);
  });
});
