// What the tiny-model benches share: loading a generated folder through transformers.js
// (offline), and timing one cached forward step.
import { basename, dirname } from 'node:path';
import { AutoModelForCausalLM, AutoTokenizer, DynamicCache, Tensor, env } from '@huggingface/transformers';

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const int64 = (rows) => new Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [rows.length, rows[0].length]);

/** Tokenizer and model of a generated folder, offline, and the time both took to load. */
export async function loadTimed(dir, dtype) {
  env.allowRemoteModels = false;
  env.localModelPath = dirname(dir);
  const started = performance.now();
  const tokenizer = await AutoTokenizer.from_pretrained(basename(dir));
  const model = await AutoModelForCausalLM.from_pretrained(basename(dir), { device: 'cpu', dtype });
  return { tokenizer, model, loadMs: performance.now() - started };
}

/**
 * Median ms of one cached forward step after `prompt` (rows of token ids, same length): `steps`
 * steps feeding `next` to every row, the first 10 not counted (warm-up).
 */
export async function cachedStepMs(model, prompt, next, steps) {
  let out = await model.forward({ input_ids: int64(prompt), attention_mask: int64(prompt.map((r) => r.map(() => 1))) });
  let length = prompt[0].length;
  const times = [];
  for (let step = 0; step < steps; step++) {
    const past = {};
    for (const name in out) if (name.startsWith('present.')) past[name.replace('present.', 'past_key_values.')] = out[name];
    length++;
    const t = performance.now();
    out = await model.forward({
      input_ids: int64(prompt.map(() => [next])),
      attention_mask: int64(prompt.map(() => new Array(length).fill(1))),
      past_key_values: new DynamicCache(past),
    });
    times.push(performance.now() - t);
  }
  return median(times.slice(10));
}
