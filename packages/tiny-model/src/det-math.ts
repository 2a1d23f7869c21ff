/**
 * Deterministic arithmetic for the weight generator.
 *
 * The generated files must be byte-identical on every run and on every JavaScript engine.
 * IEEE 754 guarantees correctly rounded results only for + - * / (and conversions such as
 * `Math.fround`); `Math.log`, `Math.exp`, `Math.cos` and friends are "implementation-approximated"
 * in ECMAScript and may differ in the last bit between engines. So everything here is built from
 * the four basic operations and 32-bit integer maths, evaluated in a fixed order.
 */

/** A seeded 32-bit PRNG (mulberry32): integer-only state updates, so the stream is exact everywhere. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Next value in [0, 2^32). */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1): an exact division by 2^32. */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /**
   * Approximately standard normal: the Irwin–Hall sum of four uniforms, centred and scaled to
   * unit variance (bounded to about ±3.46). Only additions and one multiplication.
   */
  normal(): number {
    const sum = this.uniform() + this.uniform() + this.uniform() + this.uniform();
    return (sum - 2) * SQRT3;
  }
}

const SQRT3 = 1.7320508075688772;
const LN2 = 0.6931471805599453;

/** Natural logarithm from basic operations only (argument reduction to [√½, √2] + atanh series). */
export function detLog(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) throw new RangeError(`detLog: argument must be finite and > 0, got ${x}`);
  let m = x;
  let k = 0;
  // Scaling by powers of two is exact.
  while (m >= 2) {
    m /= 2;
    k += 1;
  }
  while (m < 1) {
    m *= 2;
    k -= 1;
  }
  if (m > 1.4142135623730951) {
    m /= 2;
    k += 1;
  }
  // log(m) = 2·atanh(s) = 2·(s + s³/3 + s⁵/5 + …) with |s| <= 0.172: 20 terms are far below 1 ulp.
  const s = (m - 1) / (m + 1);
  const s2 = s * s;
  let term = s;
  let sum = 0;
  for (let i = 0; i < 20; i++) {
    sum += term / (2 * i + 1);
    term *= s2;
  }
  return k * LN2 + 2 * sum;
}

/** Square root from basic operations only (Newton's method with a fixed number of steps). */
export function detSqrt(x: number): number {
  if (!(x >= 0) || !Number.isFinite(x)) throw new RangeError(`detSqrt: argument must be finite and >= 0, got ${x}`);
  if (x === 0) return 0;
  // Start from a power of two near the root (exact), then Newton converges quadratically.
  let m = x;
  let guess = 1;
  while (m >= 4) {
    m /= 4;
    guess *= 2;
  }
  while (m < 1) {
    m *= 4;
    guess /= 2;
  }
  let y = guess * 1.5;
  for (let i = 0; i < 8; i++) y = (y + x / y) / 2;
  return y;
}

/** e^x from basic operations only (x = k·ln 2 + r with |r| <= ln 2 / 2, then a Taylor series). */
export function detExp(x: number): number {
  if (!Number.isFinite(x)) throw new RangeError(`detExp: argument must be finite, got ${x}`);
  const k = Math.round(x / LN2);
  const r = x - k * LN2;
  let term = 1;
  let sum = 1;
  for (let i = 1; i < 24; i++) {
    term *= r / i;
    sum += term;
  }
  let scale = 1;
  for (let i = 0; i < Math.abs(k); i++) scale *= 2;
  return k >= 0 ? sum * scale : sum / scale;
}

/** base^exponent for base > 0, from detLog and detExp. */
export function detPow(base: number, exponent: number): number {
  return detExp(exponent * detLog(base));
}
