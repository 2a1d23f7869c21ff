import { describe, expect, it } from 'vitest';
import {
  entropySums32,
  entropySumsOnline32,
  maxOf32,
  selectTopDense,
  sumExp32,
  sumExpOnline32,
  TopHeap,
} from './kernels.js';
import { createRng } from './rng.js';

function randomValues(seed: number, n: number, order: 'random' | 'ascending'): Float32Array {
  const rng = createRng(seed);
  const v = Float32Array.from({ length: n }, () => (rng.next() < 0.05 ? -Infinity : (rng.next() - 0.5) * 40));
  if (order === 'ascending') v.sort();
  return v;
}

describe('one-pass kernels with a running maximum', () => {
  it('agree with the two-pass versions, whatever the order of the values', () => {
    const out = new Float64Array(4);
    const ref = new Float64Array(4);
    for (const order of ['random', 'ascending'] as const) {
      for (let seed = 0; seed < 20; seed++) {
        const v = randomValues(seed, 2000, order);
        const s = 0.7;
        const max = maxOf32(v, v.length) * s;
        sumExpOnline32(v, v.length, s, out);
        expect(out[1]! * s).toBe(max);
        expect(out[0]!).toBeCloseTo(sumExp32(v, v.length, s, max), 9);
        entropySumsOnline32(v, v.length, s, out);
        entropySums32(v, v.length, s, max, ref);
        expect(out[3]! * s).toBe(max);
        expect(out[0]!).toBeCloseTo(ref[0]!, 9);
        expect(out[1]!).toBeCloseTo(ref[1]!, 9);
        expect(out[2]).toBe(ref[2]);
      }
    }
  });
});

describe('selectTopDense', () => {
  it('finds the k best (ties by lower id) and reports every token tied with the cut', () => {
    const heap = new TopHeap(1000);
    const overflow = new Int32Array(1000);
    const rng = createRng(9);
    for (let trial = 0; trial < 50; trial++) {
      // Few distinct values: many ties.
      const v = Float32Array.from({ length: 300 }, () => (rng.next() < 0.1 ? -Infinity : Math.floor(rng.next() * 12)));
      const k = 1 + Math.floor(rng.next() * 40);
      const over = selectTopDense(v, k, heap, overflow, true);
      const ranked = [...v.keys()].filter((i) => v[i]! > -Infinity).sort((a, b) => v[b]! - v[a]! || a - b);
      const chosen = [...heap.pos.subarray(0, heap.size)].sort((a, b) => v[b]! - v[a]! || a - b);
      expect(chosen).toEqual(ranked.slice(0, k));
      const cut = v[ranked[k - 1]!]!;
      const ties = [...overflow.subarray(0, over)].filter((p) => v[p] === cut);
      expect(new Set([...chosen, ...ties])).toEqual(new Set(ranked.filter((i) => v[i]! >= cut)));
    }
  });
});
