/** The contrastive-search ranking (the decode loop against a reference computation is in contrastive-search.test.ts). */
import { describe, expect, test } from 'vitest';
import { HiddenContext, selectContrastive, topCandidates } from './contrastive.js';

describe('topCandidates', () => {
  test('the k most likely tokens with their probability over the whole vocabulary', () => {
    const logits = Float32Array.from([Math.log(0.1), Math.log(0.5), Math.log(0.3), Math.log(0.1)]);
    const top = topCandidates(logits, 2);
    expect(top.map((c) => c.token)).toEqual([1, 2]);
    expect(top[0]!.probability).toBeCloseTo(0.5, 6);
    expect(top[1]!.probability).toBeCloseTo(0.3, 6);
  });

  test('tokens removed by a grammar or a ban are never candidates', () => {
    const top = topCandidates(Float32Array.from([-Infinity, 2, -Infinity, 1]), 4);
    expect(top.map((c) => c.token)).toEqual([1, 3]);
  });
});

describe('selectContrastive', () => {
  test('alpha trades probability against similarity to the context', () => {
    const context = new HiddenContext();
    context.push(Float32Array.from([1, 0]));
    const candidates = [
      { token: 10, probability: 0.6 },
      { token: 11, probability: 0.4 },
    ];
    // Candidate 10 repeats the context (cosine 1), candidate 11 is orthogonal to it (cosine 0).
    const similarities = [context.maxSimilarity(Float32Array.from([3, 0])), context.maxSimilarity(Float32Array.from([0, 2]))];
    expect(similarities[0]).toBeCloseTo(1, 6);
    expect(similarities[1]).toBeCloseTo(0, 6);
    expect(selectContrastive(candidates, similarities, 0)).toBe(0);
    // 0.8 * 0.6 - 0.2 = 0.28 against 0.8 * 0.4 = 0.32.
    expect(selectContrastive(candidates, similarities, 0.2)).toBe(1);
  });
});
