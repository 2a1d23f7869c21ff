import { describe, expect, it } from 'vitest';
import { dist, expectDist, renormalized, softmax } from './__fixtures__/helpers.js';
import {
  applyDry,
  applyNoRepeatNgram,
  countTokens,
  DRY_MAX_MATCH,
  penaltyWindow,
} from './processors.js';
import type { DryParams, LogitAccess } from './processors.js';

/** Array-backed LogitAccess for direct processor tests. */
function access(values: number[]): LogitAccess {
  return { get: (id) => values[id]!, set: (id, v) => void (values[id] = v), ban: (id) => void (values[id] = -Infinity) };
}

/** The probabilities softmax(expected logits), as a record. */
function expected(logits: number[]): Record<number, number> {
  const p = softmax(logits);
  return Object.fromEntries(p.flatMap((v, i) => (v > 0 ? [[i, v]] : [])));
}

const L = [2, -2, 1, 0.5, 0];

describe('penalty window', () => {
  it('takes the last `range` tokens; 0 or a longer range takes the whole context', () => {
    const ctx = [1, 2, 3, 4];
    expect(penaltyWindow(ctx, 2)).toEqual([3, 4]);
    expect(penaltyWindow(ctx, 0)).toEqual(ctx);
    expect(penaltyWindow(ctx, 10)).toEqual(ctx);
  });

  it('counts distinct tokens and leaves the scratch array zeroed', () => {
    const scratch = new Int32Array(8);
    const counts = countTokens([3, 1, 3, 3, 7], scratch);
    expect(counts).toEqual({ ids: [3, 1, 7], counts: [3, 1, 1] });
    expect([...scratch].every((v) => v === 0)).toBe(true);
  });
});

describe('repetition_penalty', () => {
  it('divides positive logits and multiplies negative ones, once per distinct token', () => {
    // Context holds token 0 (logit 2 -> 2/2) and token 1 twice (logit -2 -> -2*2).
    expectDist(dist(L, { repetition_penalty: 2 }, { prompt: [0, 1, 1] }), expected([1, -4, 1, 0.5, 0]));
  });

  it('penalizes only the last repetition_penalty_range tokens', () => {
    expectDist(
      dist(L, { repetition_penalty: 2, repetition_penalty_range: 2 }, { prompt: [0, 1], generated: [1] }),
      expected([2, -4, 1, 0.5, 0]),
    );
    // A range longer than the context covers all of it.
    expectDist(
      dist(L, { repetition_penalty: 2, repetition_penalty_range: 100 }, { prompt: [0], generated: [2] }),
      expected([1, -2, 0.5, 0.5, 0]),
    );
  });

  it('uses the requested penalty, not TGW v1.14 forced 1.1', () => {
    expectDist(dist(L, { repetition_penalty: 1.5, presence_penalty: 0.1 }, { prompt: [0] }), expected([2 / 1.5 - 0.1, -2, 1, 0.5, 0]));
  });
});

describe('presence_penalty and frequency_penalty', () => {
  it('subtract alpha once per distinct token, and alpha times the count', () => {
    expectDist(dist(L, { presence_penalty: 0.5 }, { prompt: [0, 2, 2] }), expected([1.5, -2, 0.5, 0.5, 0]));
    expectDist(dist(L, { frequency_penalty: 0.5 }, { prompt: [0, 2, 2] }), expected([1.5, -2, 0, 0.5, 0]));
  });

  it('run after the multiplicative penalty', () => {
    // (2 / 2) - 0.5 - 0.25 * 2 (token 0 seen twice).
    expectDist(
      dist(L, { repetition_penalty: 2, presence_penalty: 0.5, frequency_penalty: 0.25 }, { prompt: [0, 0] }),
      expected([0, -2, 1, 0.5, 0]),
    );
  });
});

describe('encoder_repetition_penalty', () => {
  it('boosts prompt tokens: multiplies positive logits, divides negative ones', () => {
    // Only the prompt counts: token 2 generated later is not affected.
    expectDist(
      dist(L, { encoder_repetition_penalty: 2 }, { prompt: [0, 1], generated: [2] }),
      expected([4, -1, 1, 0.5, 0]),
    );
  });
});

describe('no_repeat_ngram_size', () => {
  it('bans the tokens that would repeat an n-gram of the whole context', () => {
    const v = [0, 0, 0, 0, 0, 0, 0];
    applyNoRepeatNgram(access(v), [1, 2, 3, 1, 2], 3);
    expect(v[3]).toBe(-Infinity);
    expect(v.filter((x) => x === -Infinity)).toHaveLength(1);
  });

  it('with n = 1 bans every token already present; does nothing while the context is too short', () => {
    const v = [0, 0, 0, 0];
    applyNoRepeatNgram(access(v), [1, 3, 1], 1);
    expect(v).toEqual([0, -Infinity, 0, -Infinity]);
    const w = [0, 0, 0];
    applyNoRepeatNgram(access(w), [1], 3);
    expect(w).toEqual([0, 0, 0]);
  });

  it('runs in the chain over prompt and generated tokens', () => {
    expectDist(dist(L, { no_repeat_ngram_size: 2 }, { prompt: [3, 4], generated: [3] }), renormalized(L, [0, 1, 2, 3]));
  });
});

describe('logit_bias and suppress_tokens', () => {
  it('adds the bias and bans suppressed tokens; ids outside the vocabulary are ignored', () => {
    expectDist(
      dist(L, { logit_bias: { 1: 3, 4: -1, 99: 5 }, suppress_tokens: [2, 1000] }),
      expected([2, 1, -Infinity, 0.5, -1]),
    );
  });

  it('cannot bring a banned token back', () => {
    expectDist(dist(L, { logit_bias: { 2: 100 }, suppress_tokens: [2] }), expected([2, -2, -Infinity, 0.5, 0]));
  });
});

describe('DRY', () => {
  const dry = (overrides: Partial<DryParams> = {}): DryParams => ({
    multiplier: 0.8,
    base: 1.75,
    allowedLength: 2,
    breakers: [],
    ...overrides,
  });
  const run = (tokens: number[], p: DryParams, vocab = 12): number[] => {
    const v = new Array<number>(vocab).fill(0);
    applyDry(access(v), tokens, p);
    return v;
  };

  it('penalizes the token that would extend a repeat by multiplier * base^(L - allowed)', () => {
    // ... 1 2 | 3 ... 1 2: the repeat "1 2" has length 2, so token 3 loses 0.8 * 1.75^0.
    expect(run([1, 2, 3, 9, 1, 2], dry())).toEqual([0, 0, 0, -0.8, 0, 0, 0, 0, 0, 0, 0, 0]);
    // allowed_length 1: 0.8 * 1.75^(2 - 1).
    expect(run([1, 2, 3, 9, 1, 2], dry({ allowedLength: 1 }))[3]).toBeCloseTo(-1.4, 12);
    // A repeat shorter than allowed_length is not penalized.
    expect(run([1, 2, 3, 9, 1, 2], dry({ allowedLength: 3 }))[3]).toBe(0);
  });

  it('keeps the longest match per next token', () => {
    // "5 1 2" repeats with length 3 before token 4, "1 2" with length 2 before token 3.
    const v = run([5, 1, 2, 4, 7, 1, 2, 3, 5, 1, 2], dry());
    expect(v[4]).toBeCloseTo(-0.8 * 1.75, 12);
    expect(v[3]).toBeCloseTo(-0.8, 12);
  });

  it('stops a match at a sequence breaker and skips everything when the last token is one', () => {
    // Breaker 9 right before the last "1 2": the match may not include it (length stays 2).
    const tokens = [9, 1, 2, 3, 9, 1, 2];
    expect(run(tokens, dry())[3]).toBeCloseTo(-0.8 * 1.75, 12);
    expect(run(tokens, dry({ breakers: [[9]] }))[3]).toBeCloseTo(-0.8, 12);
    expect(run([1, 2, 3, 1, 2], dry({ breakers: [[2]] }))).toEqual(new Array(12).fill(0));
  });

  it('never penalizes a token that is a breaker', () => {
    expect(run([1, 2, 3, 1, 2], dry({ breakers: [[3]] }))[3]).toBe(0);
  });

  it('matches breakers of several tokens as sequences', () => {
    // Breaker "7 8" (two tokens) ends the context: nothing is penalized...
    expect(run([1, 7, 8, 4, 1, 7, 8], dry({ breakers: [[7, 8]] }))).toEqual(new Array(12).fill(0));
    // ...but its tokens alone do not break anything.
    expect(run([1, 7, 8, 4, 1, 7, 8], dry({ breakers: [[8, 7]] }))[4]).toBeCloseTo(-0.8 * 1.75, 12);
    // A breaker of several tokens inside the repeat limits the match to the tokens after it.
    expect(run([7, 8, 1, 2, 4, 7, 8, 1, 2], dry({ breakers: [[7, 8]] }))[4]).toBeCloseTo(-0.8, 12);
    expect(run([7, 8, 1, 2, 4, 7, 8, 1, 2], dry())[4]).toBeCloseTo(-0.8 * 1.75 ** 2, 12);
    // The token that would complete a multi-token breaker is not penalized.
    expect(run([7, 8, 5, 7, 8], dry({ breakers: [[8, 5]] }))[5]).toBe(0);
    expect(run([7, 8, 5, 7, 8], dry({ breakers: [[9, 5]] }))[5]).toBeCloseTo(-0.8, 12);
  });

  it('caps the match length at 50', () => {
    const first = Array.from({ length: 60 }, (_, i) => i);
    const tokens = [...first, ...first.slice(0, 59)]; // the next token would repeat 59 tokens
    const v = run(tokens, dry(), 64);
    expect(DRY_MAX_MATCH).toBe(50);
    expect(v[59]).toBeCloseTo(-0.8 * 1.75 ** (50 - 2), 0);
    expect(v.filter((x) => x !== 0)).toHaveLength(1);
  });

  it('looks only at the last repetition_penalty_range tokens in the chain', () => {
    const logits = new Array<number>(12).fill(0);
    const tokens = [1, 2, 3, 9, 1, 2];
    const inRange = dist(logits, { dry_multiplier: 0.8, repetition_penalty_range: 6 }, { prompt: tokens });
    const outOfRange = dist(logits, { dry_multiplier: 0.8, repetition_penalty_range: 4 }, { prompt: tokens });
    expectDist(inRange, expected(logits.map((v, i) => (i === 3 ? -0.8 : v))));
    expectDist(outOfRange, expected(logits));
  });
});
