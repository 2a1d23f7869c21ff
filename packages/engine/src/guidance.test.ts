/**
 * Classifier-free guidance on the tiny model, checked against a reference computation: full
 * forward passes without any cache, conditional and unconditional sequences run separately.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { collect, tinyEngine } from './__fixtures__/engine.js';
import { fullForward } from './__fixtures__/reference.js';
import { greedy, makeRequest, parsedRequest } from './__fixtures__/requests.js';
import { guidedScores } from './guidance.js';
import { loadModel, type LoadedModel } from './load-model.js';
import { ModelRunner } from './model-runner.js';
import type { LocalEngine } from './types.js';

let engine: LocalEngine;
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
  return (await fullForward(runner, tokens, 'last')).logits;
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

describe('an extreme guidance_scale', () => {
  // Found by the server's fuzz test: this body was a 500 (the guided scores overflowed float32 to
  // +/-Infinity, and no softmax survives +Infinity).
  const FUZZ_BODY = {
    smoothing_curve: 1,
    dry_base: 1,
    negative_prompt: ' ',
    logprobs: 0,
    do_sample: true,
    guidance_scale: -9.683490665955151e37,
    model: 'textgen-tiny',
    prompt: '',
    max_tokens: 1,
  };

  test('the fuzz request completes, the same for the same seed', async () => {
    const request = parsedRequest({ ...FUZZ_BODY, seed: 11 });
    const first = await collect(engine, request);
    expect(first.usage.completion_tokens).toBe(1);
    expect(first.choices).toHaveLength(1);
    expect(first.choices[0]!.logprobs!.token_logprobs).toHaveLength(1);
    expect(Number.isFinite(first.choices[0]!.logprobs!.token_logprobs[0])).toBe(true);
    const again = await collect(engine, request);
    expect(again.choices).toEqual(first.choices);
  });

  test('sampling with huge scales of either sign completes with tokens the model allows', async () => {
    for (const scale of [1e38, -1e38, 1e300, -1e300]) {
      const request = makeRequest({ prompts: [PROMPT], guidance_scale: scale, negative_prompt: NEGATIVE, seed: 4, max_tokens: 3, ban_eos_token: true, logprobs: 1 });
      const r = await collect(engine, request);
      expect(r.usage.completion_tokens).toBe(3);
      expect(r.choices[0]!.finish).toBe('length');
      // Logprobs are those of the raw conditional logits: every chosen token has a finite one.
      for (const lp of r.choices[0]!.logprobs!.token_logprobs) expect(Number.isFinite(lp)).toBe(true);
    }
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

  test('scores beyond float32 are clamped to its finite range; ruled-out tokens stay out for any sign of the scale', () => {
    const cond = Float32Array.from([-Infinity, 0, 5, -5]);
    const uncond = Float32Array.from([0, -Infinity, 0, 0]);
    for (const scale of [1e38, -1e38, 1e300, -1e300, 3]) {
      const out = guidedScores(cond, uncond, scale, new Float32Array(4));
      expect(out[0]).toBe(-Infinity);
      expect(out[1]).toBe(-Infinity);
      expect(Number.isFinite(out[2])).toBe(true);
      expect(Number.isFinite(out[3])).toBe(true);
      // The order of the two remaining tokens follows the sign of the scale.
      expect(Math.sign(out[2]! - out[3]!)).toBe(Math.sign(scale));
    }
  });
});
