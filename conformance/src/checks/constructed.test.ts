import { describe, expect, test } from 'vitest';
import { biasFor, DRAW_SEEDS, expectSupport, LIFT, type Draws, type PaletteToken } from './constructed.js';
import { Outcome } from './outcome.js';

const TOKENS: PaletteToken[] = [
  { id: 198, text: '\n', logprob: -1.9 },
  { id: 262, text: ' the', logprob: -2.4 },
  { id: 2504, text: 'That', logprob: -3.7 },
];

/** Draws over DRAW_SEEDS: `pattern[i % pattern.length]` is the index drawn by seed i (-1: another token). */
function draws(pattern: number[]): Draws {
  const bySeed = DRAW_SEEDS.map((s, i): [number, number] => [s, pattern[i % pattern.length]!]);
  return {
    counts: TOKENS.map((_, j) => bySeed.filter(([, k]) => k === j).length),
    others: bySeed.filter(([, k]) => k < 0).map(() => 'x'),
    bySeed,
  };
}

function verdict(fn: () => unknown): string {
  try {
    fn();
    return 'pass';
  } catch (err) {
    return err instanceof Outcome ? `${err.verdict}: ${err.message}` : String(err);
  }
}

describe('constructed distributions', () => {
  test('biasFor gives each token the logit LIFT + target above the model\'s normalizer', () => {
    const bias = biasFor(TOKENS, [1, 0.6, -1]);
    expect(Object.keys(bias)).toEqual(['198', '262', '2504']);
    TOKENS.forEach((t, i) => expect(t.logprob + bias[String(t.id)]!).toBeCloseTo(LIFT + [1, 0.6, -1][i]!, 12));
  });

  test('expectSupport passes when the kept tokens show and the removed ones never do', () => {
    expect(verdict(() => expectSupport(TOKENS, draws([0, 0, 1]), { seen: [[1, 0.4]], never: [2] }, 'rule'))).toBe('pass');
  });

  test('expectSupport fails on a removed token drawn, naming the seeds', () => {
    expect(verdict(() => expectSupport(TOKENS, draws([0, 2]), { never: [2] }, 'rule'))).toMatch(/^fail: rule: "That" must be removed, yet seeds 102, 104/);
  });

  test('expectSupport fails when a kept token never shows, with the chance of that', () => {
    expect(verdict(() => expectSupport(TOKENS, draws([0]), { seen: [[1, 0.4]] }, 'rule'))).toMatch(/^fail: rule: " the" keeps probability 0\.400, yet none of 24 seeds drew it \(chance 4\.7e-6/);
  });

  test('expectSupport fails when draws leave the constructed tokens', () => {
    expect(verdict(() => expectSupport(TOKENS, draws([0, -1]), {}, 'rule'))).toMatch(/^fail: rule: 12 of 24 draws gave tokens outside the constructed ones/);
  });
});
