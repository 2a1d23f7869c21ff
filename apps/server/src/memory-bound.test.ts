/**
 * Peak memory per request (issue 13): a request with the most sequences the server allows
 * (MAX_BATCH_ROWS rows: prompts x n) stays under the bound documented in docs/server.md
 * ("Peak memory per request"):
 *
 *   6 x rows x positions x KV bytes per position  +  4 x rows x vocabulary x 4 bytes
 *
 * (the KV cache, alive as past, present, its copy out of onnxruntime and garbage not yet
 * collected; the last step's logits, likewise). Measured as the growth of this process's RSS,
 * which holds the engine's worker thread and onnxruntime, sampled every 2 ms while the request
 * runs. Kept fast: all 256 rows, but about 100 prompt tokens and 4 new ones, not the full
 * context (the bound is linear in positions).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BATCH_ROWS } from '@textgen-spec/engine';
import { VARIANT_SPECS } from '@textgen-spec/tiny-model';
import type { TextgenServer } from './server.js';
import { postJson, startTestServer, tinyEngine } from './__fixtures__/harness.js';

/** The documented bound, in bytes, for a GPT-2-style float32 model. */
function peakBound(rows: number, positions: number, arch: { layers: number; hidden: number; vocabSize: number }): number {
  const kvBytesPerPosition = arch.layers * 2 * arch.hidden * 4;
  return 6 * rows * positions * kvBytesPerPosition + 4 * rows * arch.vocabSize * 4;
}

// Set in beforeAll, read by the test.
let server: TextgenServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('peak memory per request', () => {
  it('MAX_BATCH_ROWS sequences stay under the documented bound', async () => {
    const arch = VARIANT_SPECS.default.architecture;
    const info = (await tinyEngine()).info;
    expect(info.vocabSize).toBe(arch.vocabSize); // the bound below is for this model
    const model = info.id;
    // Warm up: the model's first run allocates what every request shares.
    expect((await postJson(server.url, '/v1/completions', { model, prompt: 'a', max_tokens: 2 })).status).toBe(200);

    const prompts = 16;
    const n = MAX_BATCH_ROWS / prompts;
    const maxTokens = 4;
    const body = {
      model,
      prompt: Array.from({ length: prompts }, (_, i) => `${i} ${'word '.repeat(100)}`),
      n,
      max_tokens: maxTokens,
      ban_eos_token: true,
      temperature: 1,
    };
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = process.memoryUsage.rss();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 2);
    const res = await postJson(server.url, '/v1/completions', body);
    clearInterval(sampler);

    expect(res.status, res.text).toBe(200);
    const usage = JSON.parse(res.text).usage as { prompt_tokens: number; completion_tokens: number };
    expect(usage.completion_tokens).toBe(MAX_BATCH_ROWS * maxTokens);
    const positions = Math.ceil(usage.prompt_tokens / prompts) + 1 + maxTokens;
    const bound = peakBound(MAX_BATCH_ROWS, positions, arch);
    const grew = peak - before;
    const mb = (x: number) => `${Math.round(x / 1024 / 1024)} MB`;
    expect(grew, `RSS grew ${mb(grew)}; the bound is ${mb(bound)}`).toBeLessThan(bound);
    // The sampler saw the request's memory at all: at least one copy of its KV cache.
    expect(grew).toBeGreaterThan(MAX_BATCH_ROWS * positions * arch.layers * 2 * arch.hidden * 4);
  });
});
