/** Requests the engine must refuse with an EngineRequestError naming the parameter. */
import { beforeAll, describe, expect, test } from 'vitest';
import { collect, tinyEngine } from './__fixtures__/engine.js';
import { greedy, makeRequest } from './__fixtures__/requests.js';
import { EngineRequestError, type LocalEngine } from './types.js';
import type { NormalizedCompletionRequest } from '@textgen-spec/spec';
import { planRequest, type PlanningModel } from './request-plan.js';

let engine: LocalEngine;
beforeAll(async () => {
  engine = await tinyEngine();
});

async function rejection(request: NormalizedCompletionRequest): Promise<EngineRequestError> {
  const iterator = engine.complete(request)[Symbol.asyncIterator]();
  // The error comes from the very first next(), before any event.
  const error = await iterator.next().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EngineRequestError);
  return error as EngineRequestError;
}

describe('request errors', () => {
  test('prompt token ids outside the vocabulary', async () => {
    const error = await rejection(makeRequest({ prompts: [[1, 2, engine.info.vocabSize]] }));
    expect(error.param).toBe('prompt');
    expect(error.message).toContain(String(engine.info.vocabSize));
  });

  test('logit_bias keys outside the vocabulary', async () => {
    const error = await rejection(makeRequest({ logit_bias: { [engine.info.vocabSize + 5]: 10 } }));
    expect(error.param).toBe('logit_bias');
  });

  test('custom_token_bans outside the vocabulary', async () => {
    expect((await rejection(makeRequest({ custom_token_bans: [99_999_999] }))).param).toBe('custom_token_bans');
  });

  test('a prompt longer than the context', async () => {
    const ids = new Array<number>(engine.info.contextLength + 1).fill(464);
    const error = await rejection(makeRequest({ prompts: [ids] }));
    expect(error.param).toBe('prompt');
    expect(error.code).toBe('context_length_exceeded');
    // truncation_length makes the same prompt acceptable.
    const ok = await collect(engine, greedy({ prompts: [ids], truncation_length: engine.info.contextLength, max_tokens: 2 }));
    expect(ok.usage.prompt_tokens).toBe(engine.info.contextLength - 2);
  });

  test('max_tokens that leaves no room within truncation_length', async () => {
    expect((await rejection(makeRequest({ truncation_length: 10, max_tokens: 10 }))).param).toBe('max_tokens');
  });

  test('adaptive-p (adaptive_target > 0) runs: seeded, the same text twice; named in sampler_priority too', async () => {
    const body = { adaptive_target: 0.3, adaptive_decay: 0.9, temperature: 1, seed: 7, max_tokens: 12 };
    const first = await collect(engine, makeRequest(body));
    const again = await collect(engine, makeRequest(body));
    expect(first.usage.completion_tokens).toBeGreaterThan(0);
    expect(again.choices[0]!.text).toBe(first.choices[0]!.text);
    const ordered = await collect(engine, makeRequest({ ...body, sampler_priority: ['adaptive_p', 'temperature'] }));
    expect(ordered.usage.completion_tokens).toBeGreaterThan(0);
  });

  test('suffix on a model that cannot fill in the middle', async () => {
    expect((await rejection(makeRequest({ suffix: 'end' }))).param).toBe('suffix');
  });

  test('a preset name (which the server resolves before the engine) is not silently ignored', async () => {
    const error = await rejection(makeRequest({ preset: 'Divine Intellect' }));
    expect(error.param).toBe('preset');
    expect(error.message).toMatch(/resolved by the server/);
  });

  test.each([
    ['penalty_alpha', { penalty_alpha: 0.6, top_k: 4 }, /deterministic/],
    ['top_k', { penalty_alpha: 0.6, top_k: 0, do_sample: false }, /top_k/],
    ['top_k', { penalty_alpha: 0.6, top_k: 1000, do_sample: false }, /up to 32/],
    ['n', { penalty_alpha: 0.6, top_k: 4, do_sample: false, n: 2 }, /every choice would be the same/],
    ['best_of', { penalty_alpha: 0.6, top_k: 4, do_sample: false, best_of: 2 }, /best_of/],
    ['guidance_scale', { penalty_alpha: 0.6, top_k: 4, do_sample: false, guidance_scale: 1.5 }, /guidance_scale/],
    ['prompt_lookup_num_tokens', { penalty_alpha: 0.6, top_k: 4, do_sample: false, prompt_lookup_num_tokens: 3 }, /contrastive/],
    ['prompt_lookup_num_tokens', { guidance_scale: 1.5, prompt_lookup_num_tokens: 3 }, /guidance/],
    ['prompt_lookup_num_tokens', { prompt_lookup_num_tokens: 65 }, /limited to 64/],
  ] as const)('a combination that cannot be honoured is named: %s', async (param, overrides, message) => {
    const error = await rejection(makeRequest(overrides as Partial<NormalizedCompletionRequest>));
    expect(error.param).toBe(param);
    expect(error.message).toMatch(message);
  });

  test('penalty_alpha on a model whose graph has no last hidden state', () => {
    const info = { ...engine.info, id: 'no-hidden', exposesHiddenStates: false };
    const model: PlanningModel = {
      info,
      encodePlain: (text) => engine.encode(text),
      addsBos: false,
      newlineTokenIds: [],
      compileGrammar: () => {
        throw new Error('unused');
      },
    };
    let error: unknown;
    try {
      planRequest(model, greedy({ penalty_alpha: 0.6, top_k: 4 }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EngineRequestError);
    expect((error as EngineRequestError).param).toBe('penalty_alpha');
    expect((error as EngineRequestError).message).toMatch(/no last_hidden_state output/);
  });

  test('a negative prompt that does not fit the context with max_tokens', async () => {
    const long = ' house'.repeat(engine.info.contextLength);
    const error = await rejection(makeRequest({ guidance_scale: 1.5, negative_prompt: long, max_tokens: 10 }));
    expect(error.param).toBe('negative_prompt');
  });

  test('a grammar whose only allowed token is banned', async () => {
    const x = engine.encode('x');
    expect(x).toHaveLength(1);
    const error = await rejection(makeRequest({ grammar_string: 'root ::= "x"', custom_token_bans: x }));
    expect(error.code).toBe('no_candidates');
    expect(error.param).toBe('custom_token_bans');
  });

  test('bans that leave nothing to sample', async () => {
    const all = Array.from({ length: engine.info.vocabSize }, (_, i) => i);
    const error = await rejection(makeRequest({ custom_token_bans: all }));
    expect(error.param).toBe('custom_token_bans');
    expect(error.code).toBe('no_candidates');
  });

  test('a seed beyond 2^53', async () => {
    expect((await rejection(makeRequest({ seed: 2 ** 60 }))).param).toBe('seed');
  });

  test('decode() refuses ids outside the vocabulary', () => {
    expect(() => engine.decode([engine.info.vocabSize])).toThrow(EngineRequestError);
  });
});
