import { describe, expect, it } from 'vitest';
import { expNonPositive } from './math.js';

describe('expNonPositive', () => {
  it('agrees with Math.exp to 1e-12 relative error on [-700, 0] (normal doubles)', () => {
    let worst = 0;
    for (let i = 0; i <= 200_000; i++) {
      const x = -700 * (i / 200_000) ** 2;
      const exact = Math.exp(x);
      worst = Math.max(worst, Math.abs(expNonPositive(x) - exact) / exact);
    }
    expect(worst).toBeLessThan(1e-12);
  });

  it('is exactly 1 at 0 and 0 for -Infinity and below the underflow limit', () => {
    expect(expNonPositive(0)).toBe(1);
    expect(expNonPositive(-Infinity)).toBe(0);
    expect(expNonPositive(-800)).toBe(0);
  });
});
