/**
 * The candidate set that the warpers narrow down, and the scratch memory behind it.
 *
 * Two representations, so that the common chains never touch the whole vocabulary more than
 * they must:
 *
 * - **dense**: every token id is a candidate unless its logit is -Infinity. Logits live in
 *   `work` (a copy of the model's logits, indexed by token id) and are multiplied by a pending
 *   `scale` (temperature is applied lazily: top_k after temperature never needs the division).
 * - **sparse**: `n` candidates as parallel arrays `ids` / `vals` (float64, all finite). Created by
 *   the first truncation (top_k selects straight from the dense array; the others compact it).
 *
 * Candidates are ordered either by token id (`idOrdered`) or best first (`sorted`: logit
 * descending, ties by lower token id), or neither. Removing candidates keeps the relative order.
 */
import { expNonPositive } from './math.js';

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
  /** Token id -> count, all zero between uses. */
  readonly counts: Int32Array;
  /** Token id -> position in the sparse set, all -1 between uses. */
  readonly posOf: Int32Array;

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
    this.counts = new Int32Array(vocabSize);
    this.posOf = new Int32Array(vocabSize).fill(-1);
  }
}

export class Candidates {
  readonly ws: Workspace;
  dense = true;
  /** Pending multiplier of the dense logits (1 / temperature). Always 1 in sparse mode. */
  scale = 1;
  /** Number of positions: the vocabulary size in dense mode, the candidate count in sparse mode. */
  n: number;
  /** Sparse mode: candidates are best first. */
  sorted = false;
  /** Sparse mode: candidates are in increasing token id order. */
  idOrdered = false;

  constructor(ws: Workspace) {
    this.ws = ws;
    this.n = ws.vocabSize;
  }

  /** Token id at a position. */
  idAt(pos: number): number {
    return this.dense ? pos : this.ws.ids[pos]!;
  }

  /** Current logit at a position (-Infinity for a removed dense token). */
  valueAt(pos: number): number {
    return this.dense ? this.ws.work[pos]! * this.scale : this.ws.vals[pos]!;
  }

  /** Number of candidates left (finite logits). */
  count(): number {
    if (!this.dense) return this.n;
    const work = this.ws.work;
    let c = 0;
    for (let i = 0; i < work.length; i++) if (work[i]! > -Infinity) c++;
    return c;
  }

  /** Switches to the sparse representation, applying the pending scale; keeps id order. */
  toSparse(): void {
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
    this.dense = false;
    this.scale = 1;
    this.n = j;
    this.idOrdered = true;
    this.sorted = j <= 1;
  }

  /** Applies the pending dense scale to `work` (needed before editing logits in place). */
  materializeScale(): void {
    if (!this.dense || this.scale === 1) return;
    const work = this.ws.work;
    const s = this.scale;
    for (let i = 0; i < work.length; i++) work[i] = work[i]! * s;
    this.scale = 1;
  }

  /** Multiplies every logit by `factor` (> 0): temperature. */
  multiply(factor: number): void {
    if (this.dense) {
      this.scale *= factor;
      return;
    }
    const vals = this.ws.vals;
    for (let i = 0; i < this.n; i++) vals[i] = vals[i]! * factor;
  }

  /** Largest current logit (-Infinity when there is no candidate). */
  maxValue(): number {
    let m = -Infinity;
    if (this.dense) {
      const work = this.ws.work;
      for (let i = 0; i < work.length; i++) if (work[i]! > m) m = work[i]!;
      return m * this.scale;
    }
    if (this.sorted && this.n > 0) return this.ws.vals[0]!;
    const vals = this.ws.vals;
    for (let i = 0; i < this.n; i++) if (vals[i]! > m) m = vals[i]!;
    return m;
  }

  /**
   * Softmax of the current logits into `ws.probs` (per position; removed dense tokens get 0).
   * Returns the maximum logit and log Z, where Z = sum exp(logit - max).
   */
  softmax(): { max: number; logZ: number } {
    const probs = this.ws.probs;
    const max = this.maxValue();
    let z = 0;
    if (this.dense) {
      const work = this.ws.work;
      const s = this.scale;
      for (let i = 0; i < work.length; i++) {
        const e = expNonPositive(work[i]! * s - max);
        probs[i] = e;
        z += e;
      }
    } else {
      const vals = this.ws.vals;
      for (let i = 0; i < this.n; i++) {
        const e = expNonPositive(vals[i]! - max);
        probs[i] = e;
        z += e;
      }
    }
    const inv = 1 / z;
    for (let i = 0; i < this.n; i++) probs[i] = probs[i]! * inv;
    return { max, logZ: Math.log(z) };
  }

  /**
   * Keeps the positions whose `keep` flag is 1, in their current order (sparse mode only).
   * `keep` is indexed by position and is left as it was.
   */
  retain(keep: Uint8Array): void {
    const { ids, vals } = this.ws;
    let j = 0;
    for (let i = 0; i < this.n; i++) {
      if (keep[i] === 1) {
        ids[j] = ids[i]!;
        vals[j] = vals[i]!;
        j++;
      }
    }
    this.n = j;
    if (j <= 1) this.sorted = true;
  }

  /** Keeps the first `count` positions (sparse mode). */
  truncate(count: number): void {
    if (count < this.n) this.n = Math.max(count, 0);
  }

  /**
   * Replaces the candidates by the listed positions, in the listed order. `positions` may alias
   * `ws.sel`; the old arrays become the spare ones.
   */
  reorder(positions: Int32Array, count: number, sorted: boolean): void {
    const { ids2, vals2 } = this.ws;
    if (this.dense) {
      const work = this.ws.work;
      const s = this.scale;
      for (let i = 0; i < count; i++) {
        const p = positions[i]!;
        ids2[i] = p;
        vals2[i] = work[p]! * s;
      }
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
    this.swapBuffers();
    this.n = count;
    this.sorted = sorted || count <= 1;
    this.idOrdered = count <= 1;
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
   * logit equals the k-th best is included too (Hugging Face's top_k keeps those). Candidates at
   * -Infinity are never selected. One pass over the set and a binary heap of size k: no sort of
   * the whole set.
   */
  selectTop(k: number, keepTies: boolean): number {
    const { sel, overflow } = this.ws;
    const dense = this.dense;
    const vals: Float32Array | Float64Array = dense ? this.ws.work : this.ws.vals;
    const ids = this.ws.ids;
    const n = this.n;
    if (k <= 0) return 0;

    // Min-heap on (value, then higher id = worse) of positions in `sel`; the root is the worst kept.
    let size = 0;
    let over = 0;
    const worse = (a: number, b: number): boolean => {
      const va = vals[a]!;
      const vb = vals[b]!;
      if (va !== vb) return va < vb;
      return (dense ? a : ids[a]!) > (dense ? b : ids[b]!);
    };
    const siftDown = (start: number): void => {
      let i = start;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= size) return;
        const r = l + 1;
        let w = l;
        if (r < size && worse(sel[r]!, sel[l]!)) w = r;
        if (!worse(sel[w]!, sel[i]!)) return;
        const t = sel[i]!;
        sel[i] = sel[w]!;
        sel[w] = t;
        i = w;
      }
    };
    const siftUp = (start: number): void => {
      let i = start;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!worse(sel[i]!, sel[parent]!)) return;
        const t = sel[i]!;
        sel[i] = sel[parent]!;
        sel[parent] = t;
        i = parent;
      }
    };

    let rootValue = -Infinity;
    for (let pos = 0; pos < n; pos++) {
      const v = vals[pos]!;
      if (size < k) {
        if (!(v > -Infinity)) continue;
        sel[size] = pos;
        siftUp(size);
        size++;
        if (size === k) rootValue = vals[sel[0]!]!;
        continue;
      }
      if (v < rootValue) continue;
      if (v === rootValue) {
        // Same logit as the current cut: scanning in position order, this one is worse in the
        // tie order, so it stays out of the heap but may still be kept as a tie.
        if (keepTies) overflow[over++] = pos;
        continue;
      }
      if (keepTies) overflow[over++] = sel[0]!;
      sel[0] = pos;
      siftDown(0);
      rootValue = vals[sel[0]!]!;
    }

    // Pop the heap into best-first order at the end of `sel`... simpler: copy, then sort.
    let count = size;
    if (keepTies && size === k) {
      for (let i = 0; i < over; i++) {
        const pos = overflow[i]!;
        if (vals[pos]! === rootValue) sel[count++] = pos;
      }
    }
    const chosen = sel.subarray(0, count);
    chosen.sort((a, b) => vals[b]! - vals[a]! || (dense ? a - b : ids[a]! - ids[b]!));
    return count;
  }

  /**
   * Draws a candidate with probability proportional to exp(logit), walking candidates in
   * increasing token id order (so the result depends only on the distribution and `u`).
   * Returns the token id.
   */
  draw(u: number): number {
    const probs = this.ws.probs;
    if (this.dense) {
      const { logZ } = this.softmax();
      void logZ;
      const work = this.ws.work;
      let cum = 0;
      let last = -1;
      for (let i = 0; i < work.length; i++) {
        const p = probs[i]!;
        if (p <= 0) continue;
        cum += p;
        last = i;
        if (u < cum) return i;
      }
      return last;
    }
    this.softmax();
    const { ids, posOf } = this.ws;
    if (!this.idOrdered) {
      // Visit positions by token id: sort the ids, find each position through posOf.
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
        const p = probs[posOf[id]!]!;
        if (p <= 0) continue;
        cum += p;
        picked = id;
        if (u < cum) break;
      }
      for (let i = 0; i < this.n; i++) posOf[ids[i]!] = -1;
      return picked;
    }
    let cum = 0;
    let picked = -1;
    for (let i = 0; i < this.n; i++) {
      const p = probs[i]!;
      if (p <= 0) continue;
      cum += p;
      picked = ids[i]!;
      if (u < cum) break;
    }
    return picked;
  }

  private swapBuffers(): void {
    const ws = this.ws;
    const ids = ws.ids;
    ws.ids = ws.ids2;
    ws.ids2 = ids;
    const vals = ws.vals;
    ws.vals = ws.vals2;
    ws.vals2 = vals;
  }
}
