/** The per-request bounds (request-bounds.ts) on the real tiny engine: each a 400 before any work. */
import { beforeAll, describe, expect, test } from 'vitest';
import type { NormalizedCompletionRequest } from '@textgen-spec/spec';
import { collect, tinyEngine } from './__fixtures__/engine.js';
import { greedy, makeRequest } from './__fixtures__/requests.js';
import { MAX_BATCH_ROWS, MAX_BEST_OF, MAX_STRING_LIST_CHARS, maxInputChars } from './request-bounds.js';
import { EngineRequestError, type LocalEngine } from './types.js';

let engine: LocalEngine;
beforeAll(async () => {
  engine = await tinyEngine();
});

async function rejection(request: NormalizedCompletionRequest): Promise<EngineRequestError> {
  const error = await engine.complete(request)[Symbol.asyncIterator]().next().then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(EngineRequestError);
  return error as EngineRequestError;
}

describe('request bounds', () => {
  test('best_of and n are limited to 20', async () => {
    expect((await rejection(makeRequest({ best_of: MAX_BEST_OF + 1 }))).param).toBe('best_of');
    expect((await rejection(makeRequest({ n: MAX_BEST_OF + 1, best_of: MAX_BEST_OF + 1 }))).param).toBe('best_of');
    const ok = await collect(engine, greedy({ prompts: ['a'], best_of: MAX_BEST_OF, n: 1, max_tokens: 1 }));
    expect(ok.choices).toHaveLength(1);
  });

  test('prompts x best_of is bounded', async () => {
    const prompts = Array.from({ length: MAX_BATCH_ROWS / 4 + 1 }, () => 'a');
    const error = await rejection(makeRequest({ prompts, best_of: 4 }));
    expect(error).toMatchObject({ param: 'prompt', code: 'too_many_sequences' });
  });

  test('a text prompt that cannot fit is refused before tokenizing, and quickly', async () => {
    expect(engine.info.maxTokenChars).toBeGreaterThan(1);
    const huge = 'ab '.repeat(Math.ceil(maxInputChars(engine.info) / 3) + 1);
    const started = performance.now();
    const error = await rejection(makeRequest({ prompts: [huge] }));
    expect(error).toMatchObject({ param: 'prompt', code: 'context_length_exceeded' });
    // Tokenizing it would take seconds; the check is a length comparison.
    expect(performance.now() - started).toBeLessThan(2000);
  });

  test('with truncation_length, a huge prompt keeps its tail as if it were tokenized whole', async () => {
    const tail = ' Mary had a little lamb';
    const huge = 'x y z '.repeat(Math.ceil(maxInputChars(engine.info) / 6)) + tail;
    const cut = await collect(engine, greedy({ prompts: [huge], truncation_length: 64, max_tokens: 4 }));
    const expected = engine.encode(huge.slice(-2000)).slice(-(64 - 4));
    const direct = await collect(engine, greedy({ prompts: [expected], max_tokens: 4 }));
    expect(cut.choices[0]!.text).toBe(direct.choices[0]!.text);
    expect(cut.usage.prompt_tokens).toBe(60);
  });

  test('stop strings and DRY sequence breakers are bounded in size', async () => {
    const big = 'x'.repeat(MAX_STRING_LIST_CHARS + 1);
    expect((await rejection(makeRequest({ stop: [big] }))).param).toBe('stop');
    expect((await rejection(makeRequest({ dry_sequence_breakers: [big] }))).param).toBe('dry_sequence_breakers');
  });
});
