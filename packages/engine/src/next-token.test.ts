/** Engine.nextTokenProbabilities (TGW's /v1/internal/logits) and Engine.stopAll (its stop-generation). */
import { beforeAll, describe, expect, test } from 'vitest';
import { collect, tinyEngine } from './__fixtures__/engine.js';
import { greedy, makeRequest } from './__fixtures__/requests.js';
import type { CompletionEvent, LocalEngine } from './types.js';

let engine: LocalEngine;
beforeAll(async () => {
  engine = await tinyEngine();
});

describe('nextTokenProbabilities', () => {
  test('raw: the model distribution, most likely first, its argmax the greedy token', async () => {
    const request = greedy({ prompts: ['This is the house that'], max_tokens: 1 });
    const top = await engine.nextTokenProbabilities(request, { useSamplers: false, top: 10 });
    expect(top).toHaveLength(10);
    for (let i = 1; i < top.length; i++) expect(top[i - 1]!.probability).toBeGreaterThanOrEqual(top[i]!.probability);
    const sum = top.reduce((s, e) => s + e.probability, 0);
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThanOrEqual(1 + 1e-6);
    const completion = await collect(engine, request);
    expect(completion.choices[0]!.text).toBe(top[0]!.text);
  });

  test('with the sampler chain: top_k 2 leaves two tokens whose probabilities add up to 1', async () => {
    const request = makeRequest({ prompts: ['This is the house that'], top_k: 2, seed: 1 });
    const warped = await engine.nextTokenProbabilities(request, { useSamplers: true, top: 10 });
    const kept = warped.filter((e) => e.probability > 0);
    expect(kept).toHaveLength(2);
    expect(kept[0]!.probability + kept[1]!.probability).toBeCloseTo(1, 6);
    const raw = await engine.nextTokenProbabilities(request, { useSamplers: false, top: 2 });
    expect(kept.map((e) => e.token)).toEqual(raw.map((e) => e.token));
    expect(raw[0]!.probability).toBeLessThan(kept[0]!.probability);
  });
});

describe('stopAll', () => {
  test('ends every running generation cleanly: a finish (stop) per choice, then done', async () => {
    expect(engine.stopAll()).toBe(0);
    const request = makeRequest({ prompts: ['This is the'], max_tokens: 400, ban_eos_token: true, seed: 3, n: 2 });
    const events: CompletionEvent[] = [];
    let stopped = -1;
    for await (const event of engine.complete(request)) {
      events.push(event);
      if (event.type === 'text' && stopped < 0) stopped = engine.stopAll();
    }
    expect(stopped).toBe(1);
    const finishes = events.filter((e) => e.type === 'finish');
    expect(finishes.map((e) => e.type === 'finish' && e.finish_reason)).toEqual(['stop', 'stop']);
    const done = events.at(-1);
    expect(done?.type).toBe('done');
    expect(done?.type === 'done' && done.usage.completion_tokens).toBeLessThan(800);
    expect(engine.stopAll()).toBe(0);
  });
});
