import { describe, expect, it } from 'vitest';
import { Rng, detExp, detLog, detPow, detSqrt } from './det-math.js';

describe('Rng', () => {
  it('produces the reference mulberry32 stream (pinned, so a change to the generator is noticed)', () => {
    const rng = new Rng(1);
    expect([rng.nextUint32(), rng.nextUint32(), rng.nextUint32()]).toEqual([2693262067, 11749833, 2265367787]);
  });

  it('draws normals with mean 0 and variance 1', () => {
    const rng = new Rng(42);
    let sum = 0;
    let squares = 0;
    const count = 100_000;
    for (let i = 0; i < count; i++) {
      const x = rng.normal();
      sum += x;
      squares += x * x;
    }
    expect(Math.abs(sum / count)).toBeLessThan(0.01);
    expect(Math.abs(squares / count - 1)).toBeLessThan(0.02);
  });
});

describe('detLog and detSqrt', () => {
  const samples = [1e-12, 3.7e-5, 0.03 / 514, 0.1, 0.5, 0.7071, 1, 1.5, Math.E, 10, 514, 1e9];

  it('detLog agrees with Math.log to about 1 ulp', () => {
    for (const x of samples) expect(Math.abs(detLog(x) - Math.log(x))).toBeLessThanOrEqual(4e-16 * Math.max(1, Math.abs(Math.log(x))));
    expect(detLog(1)).toBe(0);
  });

  it('detSqrt agrees with Math.sqrt to about 1 ulp', () => {
    for (const x of [0, ...samples, 48, 128]) expect(Math.abs(detSqrt(x) - Math.sqrt(x))).toBeLessThanOrEqual(4e-16 * Math.sqrt(x));
  });

  it('rejects arguments outside the domain', () => {
    expect(() => detLog(0)).toThrow(RangeError);
    expect(() => detLog(-1)).toThrow(RangeError);
    expect(() => detSqrt(-1)).toThrow(RangeError);
    expect(() => detSqrt(Number.NaN)).toThrow(RangeError);
  });
});

describe('detExp and detPow', () => {
  it('agree with Math.exp and Math.pow to a few ulp', () => {
    for (const x of [-30, -2.5, -0.1, 0, 1e-9, 0.5, 1, 13.1]) expect(Math.abs(detExp(x) - Math.exp(x))).toBeLessThanOrEqual(4e-15 * Math.exp(x));
    for (const [b, e] of [[500000, -1 / 12], [10000, -0.5], [2, 10]] as const) expect(Math.abs(detPow(b, e) - b ** e)).toBeLessThanOrEqual(1e-14 * b ** e);
    expect(() => detExp(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});
