/**
 * The candidate set that the warpers narrow down, and the scratch memory behind it.
 *
 * Two representations, so that the common chains touch the whole vocabulary as few times as
 * possible (at 150k tokens one pass costs about 0.2 ms here, one sort about 30 ms):
 *
 * - **dense**: every token id is a candidate unless its logit is -Infinity. Logits live in
 *   `work` (a copy of the model's logits, indexed by token id), multiplied by a pending `scale`
 *   and possibly transformed by a pending quadratic sampling: both are applied lazily, since a
 *   top_k right after them only needs the ranking, which they keep.
 * - **sparse**: `n` candidates as parallel arrays `ids` / `vals` (float64, all finite). Created by
 *   the first truncation: top_k and top_p select straight from the dense array, the other
 *   truncations compact it first.
 *
 * Sparse candidates are ordered either by token id (`idOrdered`) or best first (`sorted`: logit
 * descending, ties by lower token id), or neither. Removing candidates keeps the relative order.
 */
import {
  entropySums32,
  entropySums64,
  entropySumsOnline32,
  expInto32,
  expInto64,
  maxOf32,
  maxOf64,
  quadratic64,
  quadraticToSparse,
  quadraticValue,
  scaleInPlace32,
  selectTopDense,
  selectTopSparse,
  sumExp32,
  sumExp64,
  sumExpOnline32,
  TopHeap,
} from './kernels.js';
import { expNonPositive } from './math.js';
import { clampLogit } from './processors.js';

/** Reusable buffers for one vocabulary size. */
export class Workspace {
  readonly vocabSize: number;
  /** Dense logits, indexed by token id. */
  readonly work: Float32Array;
  ids: Int32Array;
  vals: Float64Array;
  /** Spare arrays that `ids`/`vals` swap with when candidates are reordered. */
  ids2: Int32Array;
  vals2: Float64Array;
  /** Probabilities (or unnormalized weights) per position. */
  readonly probs: Float64Array;
  /** Secondary per-position keys (typical_p's scores). */
  readonly keys: Float64Array;
  /** Positions selected by a partial selection. */
  readonly sel: Int32Array;
  /** Overflow list of the heap selection (tokens tied at the cut). */
  readonly overflow: Int32Array;
  /** Binary heap of the top-k selection. */
  readonly heap: TopHeap;
  /** Token id -> count, all zero between uses. */
  readonly counts: Int32Array;
  /** Token id -> position in the sparse set, all -1 between uses. */
  readonly posOf: Int32Array;
  /** Keep flags per position. */
  readonly keep: Uint8Array;
  /** Small outputs of the kernels. */
  readonly sums = new Float64Array(4);

  constructor(vocabSize: number) {
    this.vocabSize = vocabSize;
    this.work = new Float32Array(vocabSize);
    this.ids = new Int32Array(vocabSize);
    this.vals = new Float64Array(vocabSize);
    this.ids2 = new Int32Array(vocabSize);
    this.vals2 = new Float64Array(vocabSize);
    this.probs = new Float64Array(vocabSize);
    this.keys = new Float64Array(vocabSize);
    this.sel = new Int32Array(vocabSize);
    this.overflow = new Int32Array(vocabSize);
    this.heap = new TopHeap(vocabSize);
    this.counts = new Int32Array(vocabSize);
    this.posOf = new Int32Array(vocabSize).fill(-1);
    this.keep = new Uint8Array(vocabSize);
  }
}

export class Candidates {
  readonly ws: Workspace;
  dense = true;
  /** Pending multiplier of the dense logits (1 / temperature). Always 1 in sparse mode. */
  scale = 1;
  /**
   * Dense mode: quadratic sampling not yet written to `work`, applied after `scale`. Kept pending
   * only while nothing needs every value: top_k right after it selects on the raw logits (the
   * transform is monotone then) and transforms just the k survivors, saving a vocabulary pass.
   */
  private pendingQuadratic: { max: number; kf: number; hf: number } | null = null;
  /** Number of positions: the vocabulary size in dense mode, the candidate count in sparse mode. */
  n: number;
  /** Sparse mode: candidates are best first. */
  sorted = false;
  /** Sparse mode: candidates are in increasing token id order. */
  idOrdered = false;
  /**
   * The maximum, when known (cleared by every edit that can change it): in dense mode the raw
   * maximum of `work` (the maximum logit is then knownMax * scale, computed exactly like each
   * logit, so the best token's logit - max is exactly 0), in sparse mode the maximum of `vals`.
   */
  private knownMax: number | null = null;
  /**
   * Whether the last `selectTop` listed its positions best first (false: in position order,
   * for selections larger than SORT_LIMIT).
   */
  selectionSorted = true;
  /** Largest selection that `selectTop` sorts best first. */
  static readonly SORT_LIMIT = 1024;

  constructor(ws: Workspace) {
    this.ws = ws;
    this.n = ws.vocabSize;
  }

  /** Call after editing `work` or `vals` directly. */
  invalidate(): void {
    this.knownMax = null;
    if (!this.dense && this.n > 1) this.sorted = false;
  }

  /** Switches to the sparse representation, applying the pending scale; keeps id order. */
  toSparse(): void {
    this.flushQuadratic();
    if (!this.dense) return;
    const { work, ids, vals } = this.ws;
    const s = this.scale;
    let j = 0;
    for (let i = 0; i < work.length; i++) {
      const v = work[i]!;
      if (v > -Infinity) {
        ids[j] = i;
        vals[j] = v * s;
        j++;
      }
    }
    if (this.knownMax !== null) this.knownMax = this.knownMax * s;
    this.dense = false;
    this.scale = 1;
    this.n = j;
    this.idOrdered = true;
    this.sorted = j <= 1;
  }

  /** Applies the pending dense scale to `work` (needed before editing logits in place). */
  materializeScale(): void {
    this.flushQuadratic();
    if (!this.dense || this.scale === 1) return;
    scaleInPlace32(this.ws.work, this.n, this.scale);
    this.knownMax = null;
    this.scale = 1;
  }

  /**
   * Multiplies every logit by `factor` (> 0): temperature. Keeps the order. A product that
   * underflows to 0 makes the candidates equally likely (the limit T -> infinity).
   */
  multiply(factor: number): void {
    this.flushQuadratic();
    if (this.dense) {
      const next = this.scale * factor;
      if (next > 0 && next < Infinity) {
        this.scale = next;
        return;
      }
      this.toSparse(); // applies the current scale; the product is applied below
    }
    if (this.knownMax !== null) this.knownMax = clampLogit(this.knownMax * factor);
    const vals = this.ws.vals;
    for (let i = 0; i < this.n; i++) vals[i] = clampLogit(vals[i]! * factor);
  }

  /**
   * Quadratic sampling (see `applyQuadratic`): dense logits get it lazily, sparse ones now.
   * `kf`, `hf` are the finite coefficients of -kf·d² + hf·d³.
   */
  quadratic(kf: number, hf: number): void {
    this.flushQuadratic();
    const max = this.maxValue();
    if (this.dense) {
      if (max === -Infinity) return;
      this.pendingQuadratic = { max, kf, hf };
      return;
    }
    this.knownMax = quadratic64(this.ws.vals, this.n, max, kf, hf);
    if (this.n > 1) this.sorted = false;
  }

  /** Applies a pending quadratic transform to every candidate: one pass, to the sparse form. */
  private flushQuadratic(): void {
    const quad = this.pendingQuadratic;
    if (quad === null) return;
    this.pendingQuadratic = null;
    const { work, ids, vals, sums } = this.ws;
    this.n = quadraticToSparse(work, this.scale, quad.max, quad.kf, quad.hf, ids, vals, sums);
    this.knownMax = sums[0]!;
    this.dense = false;
    this.scale = 1;
    this.idOrdered = true;
    this.sorted = this.n <= 1;
  }

  /** Largest current logit (-Infinity when there is no candidate). */
  maxValue(): number {
    const quad = this.pendingQuadratic;
    if (quad !== null) return quadraticValue(quad.max, quad.max, quad.kf, quad.hf); // d = 0: the max
    if (this.dense) {
      this.knownMax ??= maxOf32(this.ws.work, this.n);
      return this.knownMax * this.scale;
    }
    if (this.knownMax === null) {
      this.knownMax = this.sorted && this.n > 0 ? this.ws.vals[0]! : maxOf64(this.ws.vals, this.n);
    }
    return this.knownMax;
  }

  /**
   * Entropy statistics of the current distribution without storing probabilities (one exp
   * pass): max logit, log Z with Z = Σ exp(logit - max), entropy H in nats, and the number of
   * candidates. H = log Z - Σ p·(logit - max), which needs no logarithm per token.
   */
  entropyStats(): { max: number; logZ: number; entropy: number; valid: number } {
    this.flushQuadratic();
    const out = this.ws.sums;
    let max: number;
    if (this.dense && this.knownMax === null) {
      entropySumsOnline32(this.ws.work, this.n, this.scale, out); // saves the separate max pass
      this.knownMax = out[3]!;
      max = this.knownMax * this.scale;
    } else {
      max = this.maxValue();
      if (this.dense) entropySums32(this.ws.work, this.n, this.scale, max, out);
      else entropySums64(this.ws.vals, this.n, max, out);
    }
    const z = out[0]!;
    const logZ = Math.log(z);
    return { max, logZ, entropy: logZ - out[1]! / z, valid: out[2]! };
  }

  /**
   * Softmax of the (sparse) candidates into `ws.probs`, per position. Returns the maximum logit
   * and log Z, where Z = Σ exp(logit - max).
   */
  softmax(): { max: number; logZ: number } {
    this.toSparse();
    const { probs, vals } = this.ws;
    const max = this.maxValue();
    const z = expInto64(vals, this.n, max, probs);
    const inv = 1 / z;
    for (let i = 0; i < this.n; i++) probs[i] = probs[i]! * inv;
    return { max, logZ: Math.log(z) };
  }

  /**
   * Keeps the positions whose `ws.keep` flag is 1, in their current order (sparse mode only).
   */
  retainKept(): void {
    const { ids, vals, keep } = this.ws;
    let j = 0;
    for (let i = 0; i < this.n; i++) {
      if (keep[i] === 1) {
        ids[j] = ids[i]!;
        vals[j] = vals[i]!;
        j++;
      }
    }
    if (j !== this.n) this.knownMax = null;
    this.n = j;
    if (j <= 1) this.sorted = true;
  }

  /** Keeps the first `count` positions (sparse mode). */
  truncate(count: number): void {
    if (count < this.n) {
      this.n = Math.max(count, 0);
      if (!this.sorted) this.knownMax = null;
    }
  }

  /**
   * Replaces the candidates by the listed positions, in the listed order. `positions` may alias
   * `ws.sel`; the old arrays become the spare ones.
   */
  reorder(positions: Int32Array, count: number, sorted: boolean): void {
    const { ids2, vals2 } = this.ws;
    // Positions listed in increasing order keep the id order of a dense or id-ordered set.
    let increasing = true;
    for (let i = 1; i < count && increasing; i++) increasing = positions[i]! > positions[i - 1]!;
    const idOrdered = count <= 1 || (increasing && (this.dense || this.idOrdered));
    if (this.dense) {
      const work = this.ws.work;
      const s = this.scale;
      const quad = this.pendingQuadratic;
      for (let i = 0; i < count; i++) {
        const p = positions[i]!;
        ids2[i] = p;
        vals2[i] = quad === null ? work[p]! * s : quadraticValue(work[p]! * s, quad.max, quad.kf, quad.hf);
      }
      this.pendingQuadratic = null;
      this.dense = false;
      this.scale = 1;
    } else {
      const { ids, vals } = this.ws;
      for (let i = 0; i < count; i++) {
        const p = positions[i]!;
        ids2[i] = ids[p]!;
        vals2[i] = vals[p]!;
      }
    }
    const ws = this.ws;
    [ws.ids, ws.ids2] = [ws.ids2, ws.ids];
    [ws.vals, ws.vals2] = [ws.vals2, ws.vals];
    this.n = count;
    this.knownMax = null;
    this.sorted = sorted || count <= 1;
    this.idOrdered = idOrdered;
  }

  /** Sorts the (sparse) candidates best first: logit descending, ties by lower token id. */
  sortDescending(): void {
    this.toSparse();
    if (this.sorted) return;
    const { ids, vals, sel } = this.ws;
    const order = sel.subarray(0, this.n);
    for (let i = 0; i < this.n; i++) order[i] = i;
    order.sort((a, b) => vals[b]! - vals[a]! || ids[a]! - ids[b]!);
    this.reorder(sel, this.n, true);
  }

  /**
   * Fills `ws.sel` with the positions of the best `k` candidates (logit descending, ties by
   * lower id), best first, and returns how many it wrote. With `keepTies`, every candidate whose
   * logit equals the k-th best is included too (Hugging Face's top_k keeps those). One pass
   * over the set and a binary heap of size k: no sort of the whole set.
   */
  selectTop(k: number, keepTies: boolean): number {
    // A monotone pending transform keeps the ranking: select on the raw logits.
    const quad = this.pendingQuadratic;
    if (quad !== null && !(quad.kf >= 0 && quad.hf >= 0)) this.flushQuadratic();
    const { sel, overflow, heap, ids } = this.ws;
    heap.size = 0;
    this.selectionSorted = true;
    if (k <= 0) return 0;
    // Dense: raw values; the pending scale is positive, so it does not change the ranking.
    const over = this.dense
      ? selectTopDense(this.ws.work, k, heap, overflow, keepTies)
      : selectTopSparse(this.ws.vals, ids, this.n, k, heap, overflow, keepTies);
    let count = heap.size;
    for (let i = 0; i < count; i++) sel[i] = heap.pos[i]!;
    const values: Float32Array | Float64Array = this.dense ? this.ws.work : this.ws.vals;
    if (keepTies && heap.size === k) {
      const cut = heap.v[0]!;
      for (let i = 0; i < over; i++) if (values[overflow[i]!] === cut) sel[count++] = overflow[i]!;
    }
    const chosen = sel.subarray(0, count);
    if (count > Candidates.SORT_LIMIT) {
      // A large selection (top_k 5000...) is not worth sorting: keep the current order.
      chosen.sort();
      this.selectionSorted = false;
    } else if (this.dense) {
      chosen.sort((a, b) => values[b]! - values[a]! || a - b);
    } else {
      chosen.sort((a, b) => values[b]! - values[a]! || ids[a]! - ids[b]!);
    }
    return count;
  }

  /**
   * The nucleus of the distribution: keeps, best first, each candidate while the probability
   * mass of the candidates before it is < `mass`. Without sorting the whole set: only the band
   * of candidates with logit >= max - D is collected and sorted, D doubling from 4 until the
   * band holds `mass`. Works from the dense array directly.
   */
  keepNucleus(mass: number): void {
    this.flushQuadratic();
    const { max, z } = this.maxAndZ();
    const order = this.nucleusBand(mass, max, z);
    const dense = this.dense;
    const work = this.ws.work;
    const vals = this.ws.vals;
    const s = this.scale;
    let kept = 0;
    let cum = 0;
    const invZ = 1 / z;
    while (kept < order.length && (kept === 0 || cum < mass)) {
      const p = order[kept]!;
      const v = dense ? work[p]! * s : vals[p]!;
      cum += expNonPositive(v - max) * invZ;
      kept++;
    }
    this.reorder(this.ws.sel, kept, true);
  }

  /** The maximum logit and Z = Σ exp(logit - max) over every candidate (one exp pass). */
  private maxAndZ(): { max: number; z: number } {
    const { work, vals, sums } = this.ws;
    if (this.dense && this.knownMax === null) {
      // One pass that also finds the unknown dense maximum.
      sumExpOnline32(work, this.n, this.scale, sums);
      this.knownMax = sums[1]!;
      return { max: this.knownMax * this.scale, z: sums[0]! };
    }
    const max = this.maxValue();
    return { max, z: this.dense ? sumExp32(work, this.n, this.scale, max) : sumExp64(vals, this.n, max) };
  }

  /**
   * The positions with logit >= max - D whose mass reaches `mass` (D doubling from 4), in
   * `ws.sel`, sorted best first: only this band needs sorting.
   */
  private nucleusBand(mass: number, max: number, z: number): Int32Array {
    const dense = this.dense;
    const { work, sel, ids, vals } = this.ws;
    const s = this.scale;
    const n = this.n;
    let band = 0;
    for (let d = 4; ; d *= 2) {
      const floor = max - d;
      let bandMass = 0;
      band = 0;
      if (dense) {
        const rawFloor = floor / s;
        for (let i = 0; i < n; i++) {
          if (work[i]! >= rawFloor && work[i]! > -Infinity) {
            sel[band++] = i;
            bandMass += expNonPositive(work[i]! * s - max);
          }
        }
      } else {
        for (let i = 0; i < n; i++) {
          if (vals[i]! >= floor) {
            sel[band++] = i;
            bandMass += expNonPositive(vals[i]! - max);
          }
        }
      }
      if (bandMass >= mass * z || !Number.isFinite(floor) || d > 1e300) break;
    }
    const order = sel.subarray(0, band);
    if (dense) order.sort((a, b) => work[b]! - work[a]! || a - b);
    else order.sort((a, b) => vals[b]! - vals[a]! || ids[a]! - ids[b]!);
    return order;
  }

  /**
   * Draws a candidate with probability proportional to exp(logit), walking candidates in
   * increasing token id order (so the result depends only on the distribution and `u`).
   * Returns the token id.
   */
  draw(u: number): number {
    this.flushQuadratic();
    const max = this.maxValue();
    return this.dense ? this.drawDense(u, max) : this.idOrdered ? this.drawIdOrdered(u, max) : this.drawById(u, max);
  }

  /** Dense: token id = position, so a walk over the array is in id order. */
  private drawDense(u: number, max: number): number {
    const { work, probs } = this.ws;
    const target = u * expInto32(work, this.n, this.scale, max, probs);
    let cum = 0;
    let last = -1;
    for (let i = 0; i < work.length; i++) {
      const e = probs[i]!;
      if (e <= 0) continue;
      cum += e;
      last = i;
      if (target < cum) return i;
    }
    return last;
  }

  /** Sparse candidates already in token id order. */
  private drawIdOrdered(u: number, max: number): number {
    const { ids, vals, probs } = this.ws;
    const target = u * expInto64(vals, this.n, max, probs);
    let cum = 0;
    let picked = -1;
    for (let i = 0; i < this.n; i++) {
      const e = probs[i]!;
      if (e <= 0) continue;
      cum += e;
      picked = ids[i]!;
      if (target < cum) break;
    }
    return picked;
  }

  /** Sparse candidates in another order: visit them by token id (a sorted copy of the ids, positions through posOf). */
  private drawById(u: number, max: number): number {
    const { ids, vals, probs, posOf } = this.ws;
    const target = u * expInto64(vals, this.n, max, probs);
    const order = this.ws.sel.subarray(0, this.n);
    for (let i = 0; i < this.n; i++) {
      order[i] = ids[i]!;
      posOf[ids[i]!] = i;
    }
    order.sort();
    let cum = 0;
    let picked = -1;
    for (let i = 0; i < this.n; i++) {
      const id = order[i]!;
      const e = probs[posOf[id]!]!;
      if (e <= 0) continue;
      cum += e;
      picked = id;
      if (target < cum) break;
    }
    for (let i = 0; i < this.n; i++) posOf[ids[i]!] = -1;
    return picked;
  }
}
