/** The forward pass and the KV cache, at the level of raw logits. */
import type { InferenceSession } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { inspectGraph, loadModel, type LoadedModel } from './load-model.js';
import type { GenerationContext } from './generation-plan.js';
import { calibratePrefillChunk, MIN_PREFILL_CHUNK, PREFILL_CHUNK, prefill } from './prefill.js';
import { gatherRows, ModelRunner, type KvCache } from './model-runner.js';
import { fullForward } from './__fixtures__/reference.js';

let model: LoadedModel;
let runner: ModelRunner;
beforeAll(async () => {
  model = await loadModel({});
  runner = new ModelRunner(model.session, model.graph);
});
afterAll(() => model.dispose());

const TOKENS = [464, 2068, 7586, 21831, 11687, 625, 262, 16931, 3290, 13, 383, 3797];

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/** Logits of every position from one forward pass over the whole sequence (no cache). */
async function fullLogits(tokens: number[]): Promise<Float32Array> {
  return (await fullForward(runner, tokens, 'all')).logits;
}

describe('ModelRunner', () => {
  test('cached steps give the logits of a full recomputation', async () => {
    const vocab = model.graph.vocabSize;
    const full = await fullLogits(TOKENS);
    // Prefill four tokens, then one token per step.
    let r = await runner.forward({ tokens: [TOKENS.slice(0, 4)], padLeft: [0], positions: [0], cache: runner.emptyCache(1), logits: 'last' });
    expect(maxAbsDiff(r.logits, full.subarray(3 * vocab, 4 * vocab))).toBeLessThan(1e-4);
    for (let t = 4; t < TOKENS.length; t++) {
      r = await runner.forward({ tokens: [[TOKENS[t]!]], padLeft: [0], positions: [t], cache: r.cache, logits: 'last' });
      expect(r.cache.length).toBe(t + 1);
      expect(maxAbsDiff(r.logits, full.subarray(t * vocab, (t + 1) * vocab))).toBeLessThan(1e-4);
    }
  });

  test('left-padded rows of different lengths decode like each sequence alone', async () => {
    const vocab = model.graph.vocabSize;
    const prompts = [TOKENS.slice(0, 3), TOKENS.slice(0, 9), TOKENS.slice(5, 7)];
    const caches: KvCache[] = [];
    for (const p of prompts) {
      caches.push((await runner.forward({ tokens: [p], padLeft: [0], positions: [0], cache: runner.emptyCache(1), logits: 'last' })).cache);
    }
    // Rows: prompt 0, prompt 1 twice, prompt 2.
    const order = [0, 1, 1, 2];
    const batch = gatherRows(runner, order.map((p) => ({ cache: caches[p]!, row: 0, padLeft: 0 })));
    expect(batch.padLeft).toEqual([6, 0, 0, 7]);
    const next = 198;
    const step = await runner.forward({
      tokens: order.map(() => [next]),
      padLeft: batch.padLeft,
      positions: order.map((p) => prompts[p]!.length),
      cache: batch.cache,
      logits: 'last',
    });
    for (const [row, p] of order.entries()) {
      const alone = await fullLogits([...prompts[p]!, next]);
      const last = alone.subarray(prompts[p]!.length * vocab, (prompts[p]!.length + 1) * vocab);
      expect(maxAbsDiff(step.logits.subarray(row * vocab, (row + 1) * vocab), last)).toBeLessThan(1e-4);
    }
    // Dropping rows keeps the others intact and trims padding nobody needs any more.
    const kept = gatherRows(runner, [1, 2].map((row) => ({ cache: step.cache, row, padLeft: batch.padLeft[row]! })));
    expect(kept.padLeft).toEqual([0, 0]);
    expect(kept.cache.length).toBe(10);
  });
});

describe('prefill', () => {
  test('a prompt longer than one chunk gives the logits and prompt scores of one full pass', async () => {
    const vocab = model.graph.vocabSize;
    const tokens = Array.from({ length: PREFILL_CHUNK + 50 }, (_, i) => TOKENS[i % TOKENS.length]!);
    const ctx = { runner } as GenerationContext;
    const chunked = await prefill(ctx, tokens, 0, undefined);
    expect(chunked.cache.length).toBe(tokens.length);
    const full = await fullLogits(tokens);
    expect(maxAbsDiff(chunked.lastLogits, full.subarray((tokens.length - 1) * vocab))).toBeLessThan(1e-4);
    // Score of token t comes from the logits at t - 1, also across the chunk boundary.
    expect(chunked.scores).toHaveLength(tokens.length - 1);
    for (const t of [1, PREFILL_CHUNK - 1, PREFILL_CHUNK, PREFILL_CHUNK + 1, tokens.length - 1]) {
      const row = full.subarray((t - 1) * vocab, t * vocab);
      let max = -Infinity;
      for (const v of row) max = Math.max(max, v);
      let sum = 0;
      for (const v of row) sum += Math.exp(v - max);
      expect(chunked.scores[t - 1]!.logprob).toBeCloseTo(row[tokens[t]!]! - max - Math.log(sum), 4);
    }
  });
});

describe('the prefill chunk, calibrated at load', () => {
  test('fits the time a pass may take: 256 positions on a fast model, 16 when even 16 positions take longer', async () => {
    const calibrated = new ModelRunner(model.session, model.graph);
    expect(await calibratePrefillChunk(calibrated, 0, 60_000)).toBe(PREFILL_CHUNK);
    expect(await calibratePrefillChunk(calibrated, 0, 0)).toBe(PREFILL_CHUNK);
    expect(calibrated.passes).toBe(2); // two calibration passes; none for 0
    // A budget far below one position's time: the smallest chunk.
    expect(await calibratePrefillChunk(calibrated, 0, 1e-6)).toBe(MIN_PREFILL_CHUNK);
    expect(calibrated.prefillChunk).toBe(MIN_PREFILL_CHUNK);
  });

  test('a prompt fed in 16-position chunks gives the logits and cache of one full pass, in one pass per chunk', async () => {
    const small = new ModelRunner(model.session, model.graph);
    small.prefillChunk = MIN_PREFILL_CHUNK;
    const tokens = Array.from({ length: 100 }, (_, i) => TOKENS[i % TOKENS.length]!);
    const result = await prefill({ runner: small } as GenerationContext, tokens, null, undefined);
    expect(small.passes).toBe(Math.ceil(100 / MIN_PREFILL_CHUNK));
    expect(result.cache.length).toBe(100);
    const full = await fullLogits(tokens);
    const vocab = model.graph.vocabSize;
    expect(maxAbsDiff(result.lastLogits, full.subarray(99 * vocab))).toBeLessThan(1e-4);
  });
});

describe('inspectGraph', () => {
  const tensor = (name: string, shape: (number | string)[], type = 'float32') => ({ name, isTensor: true as const, type, shape });
  const fake = (inputs: ReturnType<typeof tensor>[], outputs: ReturnType<typeof tensor>[]) =>
    ({ inputMetadata: inputs, outputMetadata: outputs }) as unknown as InferenceSession;
  const ids = [tensor('input_ids', ['batch_size', 'sequence_length'], 'int64'), tensor('attention_mask', ['batch_size', 'total'], 'int64')];
  const logits = tensor('logits', ['batch_size', 'sequence_length', 100]);

  test('reads cache slots, dims and optional inputs', () => {
    const spec = inspectGraph(
      fake(
        [...ids, tensor('past_key_values.0.key', ['batch_size', 2, 'past', 8], 'float16'), tensor('num_logits_to_keep', [], 'int64')],
        [logits, tensor('present.0.key', ['batch_size', 2, 'total', 8], 'float16')],
      ),
      {},
    );
    expect(spec).toMatchObject({
      cache: [{ input: 'past_key_values.0.key', output: 'present.0.key', heads: 2, headDim: 8 }],
      cacheType: 'float16',
      hasNumLogitsToKeep: true,
      hasPositionIds: false,
      vocabSize: 100,
      hiddenOutput: null,
    });
  });

  test('refuses graphs without a KV cache, or with inputs it cannot feed', () => {
    expect(() => inspectGraph(fake(ids, [logits]), {})).toThrow(/no past_key_values/);
    expect(() => inspectGraph(fake([...ids, tensor('pixel_values', [1, 3, 224, 224])], [logits]), {})).toThrow(/pixel_values/);
  });
});
