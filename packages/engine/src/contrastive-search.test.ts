/**
 * penalty_alpha (contrastive search) on the tiny model, against a reference computation that
 * recomputes everything from scratch (no KV cache, one candidate at a time).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { collect, tinyEngine } from './__fixtures__/engine.js';
import { fullForward } from './__fixtures__/reference.js';
import { greedy } from './__fixtures__/requests.js';
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

/** Logits of the last position and the hidden state of every position, from one full pass. */
async function fullPass(tokens: number[]): Promise<{ logits: Float32Array; hidden: number[][] }> {
  const r = await fullForward(runner, tokens, 'last', true);
  const size = r.hidden!.length / tokens.length;
  const hidden = tokens.map((_, t) => Array.from(r.hidden!.subarray(t * size, (t + 1) * size)));
  return { logits: r.logits, hidden };
}

const cosine = (a: number[], b: number[]) => {
  const dot = a.reduce((s, v, i) => s + v * b[i]!, 0);
  return dot / Math.sqrt(a.reduce((s, v) => s + v * v, 0) * b.reduce((s, v) => s + v * v, 0));
};

/** Contrastive search written out: Su et al.'s score over the top k, every pass from scratch. */
async function referenceContrastive(prompt: number[], alpha: number, k: number, steps: number): Promise<number[]> {
  const tokens = [...prompt];
  for (let s = 0; s < steps; s++) {
    const context = await fullPass(tokens);
    const max = Math.max(...context.logits);
    const weights = Array.from(context.logits, (v) => Math.exp(v - max));
    const total = weights.reduce((a, b) => a + b, 0);
    const top = weights.map((w, token) => ({ token, p: w / total })).sort((a, b) => b.p - a.p).slice(0, k);
    let best = { token: -1, score: -Infinity };
    for (const { token, p } of top) {
      const candidate = (await fullPass([...tokens, token])).hidden.at(-1)!;
      const penalty = Math.max(...context.hidden.map((h) => cosine(h, candidate)));
      const score = (1 - alpha) * p - alpha * penalty;
      if (score > best.score) best = { token, score };
    }
    tokens.push(best.token);
  }
  return tokens.slice(prompt.length);
}

describe('penalty_alpha (contrastive search)', () => {
  test.each([
    ['Mary', 0.6, 4],
    ['This is the house that Jack built', 0.9, 8],
  ] as const)('%s, alpha %s, top_k %s: equals the reference computation and differs from greedy', async (prompt, alpha, k) => {
    const steps = 12;
    const expected = await referenceContrastive(engine.encode(prompt), alpha, k, steps);
    const r = await collect(engine, greedy({ prompts: [prompt], penalty_alpha: alpha, top_k: k, max_tokens: steps, logprobs: 0 }));
    expect(r.choices[0]!.text).toBe(engine.decode(expected));
    expect(r.usage.completion_tokens).toBe(steps);
    const plain = await collect(engine, greedy({ prompts: [prompt], max_tokens: steps }));
    expect(r.choices[0]!.text).not.toBe(plain.choices[0]!.text);
  });

  test('several prompts in one batch decode as each alone; stop strings and logprobs as usual', async () => {
    const prompts = ['Mary', 'This is the house that Jack built'];
    const request = greedy({ prompts, penalty_alpha: 0.9, top_k: 6, max_tokens: 16, logprobs: 1, stop: ['malt'] });
    const batch = await collect(engine, request);
    for (const [p, prompt] of prompts.entries()) {
      const alone = await collect(engine, { ...request, prompts: [prompt] });
      expect(batch.choices[p]!.text).toBe(alone.choices[0]!.text);
      batch.choices[p]!.logprobs!.token_logprobs.forEach((lp, i) => expect(lp).toBeCloseTo(alone.choices[0]!.logprobs!.token_logprobs[i]!, 4));
    }
    // "That lay in the malt" comes up in the second prompt's continuation, and the stop cuts it.
    expect(batch.choices[1]!.finish).toBe('stop');
    expect(batch.choices[1]!.text.endsWith('the ')).toBe(true);
  });

  test('a grammar restricts the candidates', async () => {
    const r = await collect(engine, greedy({ prompts: ['Mary'], penalty_alpha: 0.6, top_k: 4, grammar_string: 'root ::= [a-z ]{1,30}', max_tokens: 12 }));
    expect(r.choices[0]!.text).toMatch(/^[a-z ]{1,30}$/);
  });
});
