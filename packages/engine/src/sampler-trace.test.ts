/** Engine.samplerTrace (the server's POST /v1/internal/sampler-trace) on the tiny model. */
import { beforeAll, describe, expect, test } from 'vitest';
import { collect, tinyEngine } from './__fixtures__/engine.js';
import { greedy, makeRequest } from './__fixtures__/requests.js';
import type { LocalEngine } from './types.js';

let engine: LocalEngine;
beforeAll(async () => {
  engine = await tinyEngine();
});

describe('samplerTrace', () => {
  test('greedy: the raw distribution, its most likely token the one a greedy completion produces', async () => {
    const request = greedy({ prompts: ['This is the house that'], max_tokens: 1 });
    const trace = await engine.samplerTrace(request, { top: 5 });
    expect(trace.greedy).toBe(true);
    expect(trace.promptTokens).toBe(engine.encode('This is the house that', { addBos: true }).length);
    expect(trace.steps.map((s) => s.stage)).toEqual(['logits']);
    const raw = trace.steps[0]!;
    expect(raw.candidates).toBe(engine.info.vocabSize);
    expect(raw.top).toHaveLength(5);
    const completion = await collect(engine, request);
    expect(completion.choices[0]!.text).toBe(raw.top[0]!.text);
  });

  test('each active stage in the chain order; min_p and sampler_priority change the survivors', async () => {
    const base = { prompts: ['This is the house that'], seed: 1, temperature: 1.5, top_k: 40, min_p: 0.01 };
    const trace = await engine.samplerTrace(makeRequest(base), { top: 50 });
    expect(trace.steps.map((s) => s.stage)).toEqual(['logits', 'temperature', 'top_k', 'min_p']);
    const [, , topK, minP] = trace.steps;
    expect(topK!.candidates).toBe(40);
    const stricter = await engine.samplerTrace(makeRequest({ ...base, min_p: 0.3 }), { top: 50 });
    expect(stricter.steps.at(-1)!.candidates).toBeLessThan(minP!.candidates);
    const last = await engine.samplerTrace(makeRequest({ ...base, temperature_last: true }), { top: 50 });
    expect(last.steps.map((s) => s.stage)).toEqual(['logits', 'top_k', 'min_p', 'temperature']);
    const reordered = await engine.samplerTrace(makeRequest({ ...base, sampler_priority: ['min_p', 'top_k', 'temperature'] }), { top: 50 });
    expect(reordered.steps.map((s) => s.stage)).toEqual(['logits', 'min_p', 'top_k', 'temperature']);
  });

  test('refuses what it does not trace, naming the parameter', async () => {
    await expect(engine.samplerTrace(makeRequest({ prompts: ['Hi'], guidance_scale: 1.5 }), { top: 5 })).rejects.toMatchObject({
      name: 'EngineRequestError',
      param: 'guidance_scale',
    });
  });
});
