import { describe, expect, it } from 'vitest';
import { createRng, randomSeed, seedToState, splitmix64, Xoshiro128StarStar } from './rng.js';

describe('splitmix64', () => {
  it('matches the published sequence for seed 1234567', () => {
    // Reference values of splitmix64 (Steele, Lea, Flood 2014) from seed 1234567.
    const expected = [
      6457827717110365317n,
      3203168211198807973n,
      9817491932198370423n,
      4593380528125082431n,
      16408922859458223821n,
    ];
    let state = 1234567n;
    for (const value of expected) {
      const out = splitmix64(state);
      expect(out.value).toBe(value);
      state = out.state;
    }
  });
});

describe('xoshiro128**', () => {
  it('matches the C reference implementation', () => {
    // State and outputs generated with https://prng.di.unimi.it/xoshiro128starstar.c
    // (test data of the xoshiro-6502 port, which checks itself against that C code).
    const rng = new Xoshiro128StarStar([0x964d4a0c, 0xd40ab895, 0xad7fdecb, 0x3006f0f0]);
    expect([rng.nextUint32(), rng.nextUint32(), rng.nextUint32(), rng.nextUint32()]).toEqual([
      0xf1391922, 0x6fe53806, 0xa5be2840, 0xf510ee70,
    ]);
    expect(rng.getState()).toEqual([0xfc65379c, 0x52006d70, 0x87487639, 0xf1908343]);
  });
});

describe('createRng', () => {
  it('seeds from the two splitmix64 outputs, high word first', () => {
    expect(seedToState(1234567)).toEqual([
      Number(6457827717110365317n >> 32n),
      Number(6457827717110365317n & 0xffffffffn),
      Number(3203168211198807973n >> 32n),
      Number(3203168211198807973n & 0xffffffffn),
    ]);
  });

  it('builds a double from 27 + 26 bits of two outputs', () => {
    const words = seedToState(99);
    const raw = new Xoshiro128StarStar(words);
    const a = raw.nextUint32() >>> 5;
    const b = raw.nextUint32() >>> 6;
    expect(createRng(99).next()).toBe((a * 2 ** 26 + b) / 2 ** 53);
  });

  it('gives the same sequence for the same seed and different ones for different seeds', () => {
    const draw = (seed: number): number[] => {
      const rng = createRng(seed);
      return Array.from({ length: 8 }, () => rng.next());
    };
    expect(draw(42)).toEqual(draw(42));
    const seeds = [0, 1, -1, 2 ** 31, 2 ** 32, 2 ** 32 + 1, -(2 ** 40), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    const firsts = seeds.map((s) => draw(s)[0]);
    expect(new Set(firsts).size).toBe(seeds.length);
  });

  it('reads negative and large seeds as 64-bit two complement integers', () => {
    expect(seedToState(-1)).toEqual(stateFromBigSeed(0xffffffffffffffffn));
    expect(seedToState(2 ** 40 + 3)).toEqual(stateFromBigSeed(2n ** 40n + 3n));
  });

  it('returns values in [0, 1)', () => {
    const rng = createRng(7);
    for (let i = 0; i < 10_000; i++) {
      const u = rng.next();
      expect(u >= 0 && u < 1).toBe(true);
    }
  });

  it('restores a snapshot of its state', () => {
    const rng = createRng(5);
    rng.next();
    const snapshot = rng.getState();
    const after = [rng.next(), rng.next()];
    rng.setState(snapshot);
    expect([rng.next(), rng.next()]).toEqual(after);
    expect(() => rng.setState([0, 0, 0, 0])).toThrow(RangeError);
    expect(() => rng.setState([1, 2, 3])).toThrow(RangeError);
  });

  it('rejects seeds that are not safe integers', () => {
    expect(() => createRng(1.5)).toThrow(RangeError);
    expect(() => createRng(Number.NaN)).toThrow(RangeError);
    expect(() => createRng(2 ** 60)).toThrow(RangeError);
  });
});

describe('randomSeed', () => {
  it('returns integers in [0, 2^31)', () => {
    const seeds = Array.from({ length: 50 }, () => randomSeed());
    for (const s of seeds) expect(Number.isInteger(s) && s >= 0 && s < 2 ** 31).toBe(true);
    expect(new Set(seeds).size).toBeGreaterThan(40);
  });
});

function stateFromBigSeed(seed: bigint): number[] {
  const first = splitmix64(seed);
  const second = splitmix64(first.state);
  return [first.value, second.value].flatMap((v) => [Number(v >> 32n), Number(v & 0xffffffffn)]);
}
