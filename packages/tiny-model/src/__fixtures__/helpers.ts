/** Shared helpers of the tests: load a generated folder with transformers.js, offline. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import {
  AutoModelForCausalLM,
  AutoTokenizer,
  DynamicCache,
  Tensor,
  env,
  type PreTrainedModel,
  type PreTrainedTokenizer,
} from '@huggingface/transformers';
import type { Rng } from '../det-math.js';

/** A fresh temporary folder and a function that removes it. */
export async function tempDir(prefix: string): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `tiny-model-${prefix}-`));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** Loads model and tokenizer from a local folder with remote models disabled. */
export async function loadLocal(
  dir: string,
  dtype: 'fp32' | 'fp16' | 'q8' | 'q4' = 'fp32',
): Promise<{ model: PreTrainedModel; tokenizer: PreTrainedTokenizer }> {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = dirname(dir);
  const id = basename(dir);
  const tokenizer = await AutoTokenizer.from_pretrained(id);
  const model = await AutoModelForCausalLM.from_pretrained(id, { device: 'cpu', dtype });
  return { model, tokenizer };
}

export function int64(values: readonly number[][]): Tensor {
  const rows = values.length;
  const cols = values[0]?.length ?? 0;
  return new Tensor('int64', BigInt64Array.from(values.flat(), (v) => BigInt(v)), [rows, cols]);
}

/** Model outputs of one forward pass. */
export type Outputs = Record<string, Tensor>;

/** One forward pass; `past` is a previous pass's outputs (its present.* become the cache). */
export async function forward(
  model: PreTrainedModel,
  inputIds: number[][],
  attentionMask: number[][],
  past?: Outputs,
): Promise<Outputs> {
  const inputs: Record<string, unknown> = { input_ids: int64(inputIds), attention_mask: int64(attentionMask) };
  if (past) {
    const entries: Record<string, Tensor> = {};
    for (const [name, tensor] of Object.entries(past)) {
      if (name.startsWith('present.')) entries[name.replace('present.', 'past_key_values.')] = tensor;
    }
    inputs.past_key_values = new DynamicCache(entries);
  }
  return (await model.forward(inputs)) as Outputs;
}

/** The logits row of batch item `b` at position `pos` of a [batch, seq, vocab] tensor. */
export function logitsRow(logits: Tensor, b: number, pos: number): Float32Array {
  const [, seq, vocab] = logits.dims as [number, number, number];
  const data = logits.data as Float32Array;
  const start = (b * seq + pos) * vocab;
  return data.subarray(start, start + vocab);
}

export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if ((row[i] as number) > (row[best] as number)) best = i;
  return best;
}

/** log-softmax in float64. */
export function logSoftmax(row: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) max = Math.max(max, row[i] as number);
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += Math.exp((row[i] as number) - max);
  const lse = max + Math.log(sum);
  const out = new Float64Array(row.length);
  for (let i = 0; i < row.length; i++) out[i] = (row[i] as number) - lse;
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

/** Draws a token from softmax(logits) at temperature 1, over the whole vocabulary. */
export function sample(logits: Float32Array, rng: Rng): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] as number);
  const weights = new Float64Array(logits.length);
  let total = 0;
  for (let i = 0; i < logits.length; i++) {
    weights[i] = Math.exp((logits[i] as number) - max);
    total += weights[i] as number;
  }
  let u = rng.uniform() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i] as number;
    if (u < 0) return i;
  }
  return weights.length - 1;
}
