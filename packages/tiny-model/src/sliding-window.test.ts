/**
 * Gemma 3's sliding window (on its sliding layers, every other layer) past the window: the KV
 * cache still gives the logits of a full recomputation, and the window really applies: the same
 * weights built without it agree before the window is full and differ after. The graphs here are
 * the gemma3 model's own weights and builder with a window of WINDOW positions instead of 512, so
 * that sequences past it stay short (a pass over 512 positions computes 512 x 262,144 logits);
 * the builder reads the window from the spec, the same code for any value.
 */
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AutoModelForCausalLM, type Tensor } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { argmax, forward, loadLocal, logitsRow, maxAbsDiff, tempDir } from './__fixtures__/helpers.js';
import { ensureTinyModel } from './ensure.js';
import { FAMILY_SPECS } from './families.js';
import { designFamilyModel } from './family-design.js';
import { buildFamilyOnnx } from './llama-graph.js';

const spec = FAMILY_SPECS.gemma3;
const WINDOW = 24;
const ones = (length: number): number[] => new Array<number>(length).fill(1);

/** The logits rows of a [1, seq, vocab] tensor at `positions`, copied (the tensor itself is large). */
function rows(logits: Tensor, positions: readonly number[]): Float32Array[] {
  return positions.map((p) => logitsRow(logits, 0, p).slice());
}

describe(`the gemma3 graph's sliding window (${WINDOW} positions)`, () => {
  /** BOS and the rhyme, then greedy tokens decoded with the KV cache: WINDOW + 10 tokens in all. */
  const sequence: number[] = [];
  /** The logits that predicted each token decoded with the cache, by position. */
  const stepLogits = new Map<number, Float32Array>();
  /** Positions compared: before the window is full, at its edge, past it. */
  const POSITIONS = [0, 10, WINDOW - 2, WINDOW - 1, WINDOW, WINDOW + 1, WINDOW + 8];
  let windowed: Float32Array[];
  let open: Float32Array[];
  let cleanup: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const folder = await ensureTinyModel({ family: 'gemma3' });
    expect(spec.gemma?.slidingWindow).toBe(512);
    const scratch = await tempDir('window');
    cleanup = scratch.cleanup;
    const { tensors } = designFamilyModel('gemma3');
    /** A copy of the gemma3 model folder with its graph rebuilt with a `window`-position sliding window. */
    const withWindow = (name: string, window: number): string => {
      const copy = join(scratch.path, name);
      cpSync(folder, copy, { recursive: true });
      const graph = buildFamilyOnnx({ ...spec, gemma: { ...spec.gemma!, slidingWindow: window } }, tensors, `window ${window}`, 'test');
      writeFileSync(join(copy, 'onnx', 'model.onnx'), graph);
      return copy;
    };
    const { model, tokenizer } = await loadLocal(withWindow('gemma3-window', WINDOW));
    withWindow('gemma3-no-window', 1 << 20); // longer than any sequence here
    // loadLocal pointed transformers.js at the scratch folder, offline; the tokenizer is the same.
    const unwindowed = await AutoModelForCausalLM.from_pretrained('gemma3-no-window', { device: 'cpu', dtype: 'fp32' });
    try {
      sequence.push(...tokenizer.encode('This is the house that Jack built. '.repeat(4)).slice(0, WINDOW - 6));
      let cached = await forward(model, [sequence], [ones(sequence.length)]);
      let last = logitsRow(cached.logits as Tensor, 0, sequence.length - 1).slice();
      while (sequence.length < WINDOW + 10) {
        sequence.push(argmax(last));
        cached = await forward(model, [[sequence.at(-1) as number]], [ones(sequence.length)], cached);
        last = logitsRow(cached.logits as Tensor, 0, 0).slice();
        stepLogits.set(sequence.length - 1, last);
      }
      windowed = rows((await forward(model, [sequence], [ones(sequence.length)])).logits as Tensor, POSITIONS);
      open = rows((await forward(unwindowed, [sequence], [ones(sequence.length)])).logits as Tensor, POSITIONS);
    } finally {
      await model.dispose();
      await unwindowed.dispose();
    }
  }, 120_000);
  afterAll(async () => {
    await cleanup?.();
  });

  it('keeps KV-cache steps equal to a full recomputation across and past the window', () => {
    for (const [i, position] of POSITIONS.entries()) {
      const step = stepLogits.get(position);
      if (step) expect(maxAbsDiff(step, windowed[i]!), `position ${position}`).toBeLessThan(1e-4);
    }
    expect([...stepLogits.keys()].filter((p) => p >= WINDOW).length).toBeGreaterThanOrEqual(9);
    expect(POSITIONS.filter((p) => stepLogits.has(p))).toEqual([WINDOW - 2, WINDOW - 1, WINDOW, WINDOW + 1, WINDOW + 8]);
    expect(Math.max(...stepLogits.keys())).toBe(WINDOW + 9);
  });

  it('changes the logits only from position WINDOW on, where a sliding layer first drops a key', () => {
    // Query position p sees keys p - WINDOW + 1 .. p on a sliding layer: nothing is dropped up to
    // p = WINDOW - 1, so the two graphs compute the same numbers there, bit for bit. From WINDOW on
    // the oldest keys (first the BOS) leave the sliding layers: a small but certain change.
    for (const [i, position] of POSITIONS.entries()) {
      const diff = maxAbsDiff(windowed[i]!, open[i]!);
      if (position < WINDOW) expect(diff, `position ${position}`).toBe(0);
      else expect(diff, `position ${position}`).toBeGreaterThan(1e-6);
    }
  });
});
