/**
 * The package's own pseudo-random number generator, so that a seed gives the same tokens on
 * every run, machine, Node version and batch composition (Math.random cannot be seeded).
 *
 * Algorithm: **xoshiro128\*\*** (Blackman and Vigna, 2018) on four 32-bit words, in 32-bit
 * integer arithmetic (`Math.imul`, `>>>`), seeded through **splitmix64**:
 *
 * 1. The seed, any safe integer (negative values and values of 2^32 and more included), is
 *    taken as a 64-bit two's-complement integer.
 * 2. splitmix64 is run from that value twice; its two 64-bit outputs give the four state
 *    words (high half first).
 * 3. `next()` draws two 32-bit outputs a, b and returns `((a >>> 5) * 2^26 + (b >>> 6)) / 2^53`,
 *    a double in [0, 1) with 53 random bits.
 */
import { randomFillSync } from 'node:crypto';
const MASK64 = (1n << 64n) - 1n;
/**
 * One splitmix64 step. Returns the new 64-bit state and the 64-bit output.
 * Reference: Steele, Lea and Flood, "Fast splittable pseudorandom number generators" (2014).
 */
export function splitmix64(state) {
    const next = (state + 0x9e3779b97f4a7c15n) & MASK64;
    let z = next;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    z = z ^ (z >> 31n);
    return { state: next, value: z };
}
function rotl(x, k) {
    return (x << k) | (x >>> (32 - k));
}
/** xoshiro128** on four 32-bit words (reference: https://prng.di.unimi.it/xoshiro128starstar.c). */
export class Xoshiro128StarStar {
    s0 = 0;
    s1 = 0;
    s2 = 0;
    s3 = 0;
    constructor(words) {
        this.setState(words);
    }
    /** One raw 32-bit output, as an unsigned integer. */
    nextUint32() {
        const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
        const t = this.s1 << 9;
        this.s2 ^= this.s0;
        this.s3 ^= this.s1;
        this.s1 ^= this.s2;
        this.s0 ^= this.s3;
        this.s2 ^= t;
        this.s3 = rotl(this.s3, 11);
        return result;
    }
    next() {
        const a = this.nextUint32() >>> 5; // 27 bits
        const b = this.nextUint32() >>> 6; // 26 bits
        return (a * 67108864 + b) / 9007199254740992;
    }
    getState() {
        return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
    }
    setState(state) {
        if (state.length !== 4 || state.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
            throw new RangeError('an Rng state is four unsigned 32-bit integers');
        }
        if (state.every((w) => w === 0)) {
            throw new RangeError('the all-zero state is not a valid xoshiro128** state');
        }
        this.s0 = state[0] | 0;
        this.s1 = state[1] | 0;
        this.s2 = state[2] | 0;
        this.s3 = state[3] | 0;
    }
}
/** The four xoshiro128** state words that `createRng(seed)` starts from. */
export function seedToState(seed) {
    if (!Number.isSafeInteger(seed)) {
        throw new RangeError(`a seed must be a safe integer, got ${seed}`);
    }
    let sm = BigInt.asUintN(64, BigInt(seed));
    const words = [];
    for (let i = 0; i < 2; i++) {
        const out = splitmix64(sm);
        sm = out.state;
        words.push(Number(out.value >> 32n), Number(out.value & 0xffffffffn));
    }
    // splitmix64 is a bijection of its counter, so two consecutive zero outputs cannot happen;
    // keep the guard anyway so the invariant is visible.
    if (!words.some((w) => w !== 0))
        words[0] = 1;
    return words;
}
/** A seeded generator: the same seed gives the same sequence on every machine. */
export function createRng(seed) {
    return new Xoshiro128StarStar(seedToState(seed));
}
/**
 * A fresh seed for a request that gave none (or -1): crypto-random, in [0, 2^31), so it can be
 * reported back and replayed.
 */
export function randomSeed() {
    const buf = new Uint32Array(1);
    randomFillSync(buf);
    return buf[0] >>> 1;
}
