/**
 * Classifier-free guidance on the tiny model, checked against a reference computation: full
 * forward passes without any cache, conditional and unconditional sequences run separately.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { collect, tinyEngine } from './__fixtures__/engine.js';
import { greedy, makeRequest } from './__fixtures__/requests.js';
import { guidedScores } from './guidance.js';
import { loadModel, type LoadedModel } from './load-model.js';
import { ModelRunner } from './model-runner.js';
import type { Engine } from './types.js';

let engine: Engine;
let model: LoadedModel;
let runner: ModelRunner;
beforeAll(async () => {
  engine = await tinyEngine();
  model = await loadModel({});
  runner = new ModelRunner(model.session, model.graph);
});
afterAll(() => model.dispose());

const PROMPT = 'The quick brown fox';
const NEGATIVE = 'That lay in the';

/** Logits after the last token of `tokens`, from one pass over the whole sequence. */
async function lastLogits(tokens: number[]): Promise<Float32Array> {
  const r = await runner.forward({ tokens: [tokens], padLeft: [0], positions: [0], cache: runner.emptyCache(1), logits: 'last' });
  return r.logits.slice();
}

function logSoftmax(logits: Float32Array): number[] {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  const z = max + Math.log(sum);
  return Array.from(logits, (v) => v - z);
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** Greedy guided decoding, recomputed from scratch at every step (HF's formula, written out). */
async function referenceGuided(prompt: number[], uncondStart: number[], scale: number, steps: number): Promise<number[]> {
  const generated: number[] = [];
  for (let s = 0; s < steps; s++) {
    const cond = logSoftmax(await lastLogits([...prompt, ...generated]));
    const uncond = logSoftmax(await lastLogits([...uncondStart, ...generated]));
    generated.push(argmax(cond.map((c, i) => scale * (c - uncond[i]!) + uncond[i]!)));
  }
  return generated;
}

describe('guidance_scale and negative_prompt', () => {
  test('guided greedy decoding equals the reference computation, and differs from plain decoding', async () => {
    const prompt = engine.encode(PROMPT);
    const steps = 10;
    const expected = await referenceGuided(prompt, engine.encode(NEGATIVE), 1.5, steps);
    const r = await collect(engine, greedy({ prompts: [PROMPT], guidance_scale: 1.5, negative_prompt: NEGATIVE, max_tokens: steps, ban_eos_token: true }));
    expect(r.choices[0]!.text).toBe(engine.decode(expected));
    const plain = await collect(engine, greedy({ prompts: [PROMPT], max_tokens: steps, ban_eos_token: true }));
    expect(r.choices[0]!.text).not.toBe(plain.choices[0]!.text);
  });

  test('an empty negative prompt starts the unconditional sequence from the last prompt token', async () => {
    const prompt = engine.encode(PROMPT);
    const expected = await referenceGuided(prompt, prompt.slice(-1), 3, 8);
    const r = await collect(engine, greedy({ prompts: [PROMPT], guidance_scale: 3, max_tokens: 8, ban_eos_token: true }));
    expect(r.choices[0]!.text).toBe(engine.decode(expected));
    const plain = await collect(engine, greedy({ prompts: [PROMPT], max_tokens: 8, ban_eos_token: true }));
    expect(r.choices[0]!.text).not.toBe(plain.choices[0]!.text);
  });

  test('guidance_scale 1 is plain decoding, whatever the negative prompt', async () => {
    const request = makeRequest({ prompts: [PROMPT, 'Mary'], n: 2, seed: 5, max_tokens: 24 });
    const plain = await collect(engine, request);
    const one = await collect(engine, { ...request, guidance_scale: 1, negative_prompt: NEGATIVE });
    expect(one.choices.map((c) => c.text)).toEqual(plain.choices.map((c) => c.text));
  });

  test('in a batch (prompts x n, seeded), each sequence has its own unconditional row', async () => {
    const request = makeRequest({ prompts: [PROMPT, 'Mary'], n: 2, seed: 21, max_tokens: 16, guidance_scale: 2, negative_prompt: NEGATIVE, temperature: 0.8 });
    const batch = await collect(engine, request);
    for (let p = 0; p < 2; p++) {
      for (let k = 0; k < 2; k++) {
        const alone = await collect(engine, { ...request, prompts: [request.prompts[p]!], n: 1, seed: 21 + p * 2 + k });
        expect(batch.choices[p * 2 + k]!.text).toBe(alone.choices[0]!.text);
      }
    }
    // Guidance changed the sampled texts.
    const unguided = await collect(engine, { ...request, guidance_scale: 1 });
    expect(batch.choices.map((c) => c.text)).not.toEqual(unguided.choices.map((c) => c.text));
  });

  test('logprobs stay those of the raw conditional logits', async () => {
    const r = await collect(engine, greedy({ prompts: [PROMPT], guidance_scale: 1.5, negative_prompt: NEGATIVE, max_tokens: 6, logprobs: 2, ban_eos_token: true }));
    const completion = r.choices[0]!;
    // Score prompt + completion without guidance (echo): the same values.
    const scored = await collect(engine, greedy({ prompts: [PROMPT + completion.text], max_tokens: 0, echo: true, logprobs: 2 }));
    const promptLength = r.usage.prompt_tokens;
    expect(scored.choices[0]!.logprobs!.tokens.slice(promptLength)).toEqual(completion.logprobs!.tokens);
    completion.logprobs!.token_logprobs.forEach((lp, i) => {
      expect(lp).toBeCloseTo(scored.choices[0]!.logprobs!.token_logprobs[promptLength + i]!, 4);
    });
  });
});

describe('guidedScores', () => {
  test('scale 1 gives the log-softmax of the conditional logits', () => {
    const cond = Float32Array.from([1, 2, 3]);
    const out = guidedScores(cond, Float32Array.from([3, 0, -1]), 1, new Float32Array(3));
    logSoftmax(cond).forEach((v, i) => expect(out[i]).toBeCloseTo(v, 6));
  });

  test('a token the model rules out stays out', () => {
    const out = guidedScores(Float32Array.from([-Infinity, 0]), Float32Array.from([-Infinity, 0]), 0, new Float32Array(2));
    expect(out[0]).toBe(-Infinity);
  });
});
