/**
 * The loops that touch the whole vocabulary, as small standalone functions. Kept small on
 * purpose: V8 then inlines `expNonPositive` into them (inside a large method it may not, and
 * a non-inlined call costs three times the loop body, plus a heap number per result).
 *
 * Dense loops read a Float32Array of logits indexed by token id, where -Infinity means removed,
 * and take the pending scale `s` (1 / temperature) and the maximum scaled logit `max`.
 */
import { expNonPositive } from './math.js';
/** Largest finite float32: quadratic sampling never produces +Infinity. */
const MAX_F32 = 3.4028234663852886e38;
// Each kernel exists twice, for the dense Float32Array and the sparse Float64Array: a loop that
// sees both element types is polymorphic and measurably slower (about 1.8x for a max).
/** Largest of the first n values (-Infinity when empty). */
export function maxOf32(values, n) {
    let m = -Infinity;
    for (let i = 0; i < n; i++) {
        const v = values[i];
        if (v > m)
            m = v;
    }
    return m;
}
/** Largest of the first n values (-Infinity when empty). */
export function maxOf64(values, n) {
    let m = -Infinity;
    for (let i = 0; i < n; i++) {
        const v = values[i];
        if (v > m)
            m = v;
    }
    return m;
}
/** Σ exp(values[i]·s - max) over the first n values. */
export function sumExp32(values, n, s, max) {
    let z = 0;
    for (let i = 0; i < n; i++)
        z += expNonPositive(values[i] * s - max);
    return z;
}
/**
 * Σ exp(values[i]·s - max) without knowing the maximum: one pass with a running maximum (the sum
 * is rescaled when it moves). out[0] = the sum, relative to the final maximum; out[1] = the raw
 * maximum (before the scale s), -Infinity when every value is.
 */
export function sumExpOnline32(values, n, s, out) {
    let raw = -Infinity;
    let max = -Infinity;
    let z = 0;
    for (let i = 0; i < n; i++) {
        const v = values[i];
        if (v > raw) {
            const next = v * s;
            z = raw === -Infinity ? 1 : z * Math.exp(max - next) + 1;
            raw = v;
            max = next;
        }
        else {
            z += expNonPositive(v * s - max);
        }
    }
    out[0] = z;
    out[1] = raw;
}
/** Σ exp(values[i] - max) over the first n values. */
export function sumExp64(values, n, max) {
    let z = 0;
    for (let i = 0; i < n; i++)
        z += expNonPositive(values[i] - max);
    return z;
}
/** Writes e_i = exp(values[i]·s - max) into `out` and returns Σ e_i (removed tokens give 0). */
export function expInto32(values, n, s, max, out) {
    let z = 0;
    for (let i = 0; i < n; i++) {
        const e = expNonPositive(values[i] * s - max);
        out[i] = e;
        z += e;
    }
    return z;
}
/** Writes e_i = exp(values[i] - max) into `out` and returns Σ e_i. */
export function expInto64(values, n, max, out) {
    let z = 0;
    for (let i = 0; i < n; i++) {
        const e = expNonPositive(values[i] - max);
        out[i] = e;
        z += e;
    }
    return z;
}
/**
 * Entropy sums: out[0] = Z = Σ e_i, out[1] = Σ e_i·x_i, out[2] = number of finite values, with
 * x_i = values[i]·s - max and e_i = exp(x_i). Then H = log Z - out[1] / Z.
 */
export function entropySums32(values, n, s, max, out) {
    let z = 0;
    let w = 0;
    let valid = 0;
    for (let i = 0; i < n; i++) {
        const v = values[i];
        if (!(v > -Infinity))
            continue;
        const x = v * s - max;
        const e = expNonPositive(x);
        z += e;
        w += e * x;
        valid++;
    }
    out[0] = z;
    out[1] = w;
    out[2] = valid;
}
/**
 * `entropySums32` without knowing the maximum: one pass with a running maximum (Z and the
 * weighted sum are rescaled when it moves, which happens a handful of times). Also writes the
 * raw maximum (before the scale s) to out[3].
 */
export function entropySumsOnline32(values, n, s, out) {
    let raw = -Infinity;
    let max = -Infinity;
    let z = 0;
    let w = 0;
    let valid = 0;
    for (let i = 0; i < n; i++) {
        const v = values[i];
        if (!(v > -Infinity))
            continue;
        valid++;
        if (v > raw) {
            const next = v * s;
            if (raw === -Infinity) {
                z = 1;
                w = 0;
            }
            else {
                // Sums were relative to the old maximum: x_new = x_old - delta, e_new = e_old * e^-delta.
                const delta = next - max;
                const r = Math.exp(-delta);
                w = r * (w - delta * z);
                z = z * r + 1;
            }
            raw = v;
            max = next;
            continue;
        }
        const x = v * s - max;
        const e = expNonPositive(x);
        z += e;
        w += e * x;
    }
    out[0] = z;
    out[1] = w;
    out[2] = valid;
    out[3] = raw;
}
/** `entropySums32` for sparse candidates (all finite, no pending scale). */
export function entropySums64(values, n, max, out) {
    let z = 0;
    let w = 0;
    for (let i = 0; i < n; i++) {
        const x = values[i] - max;
        const e = expNonPositive(x);
        z += e;
        w += e * x;
    }
    out[0] = z;
    out[1] = w;
    out[2] = n;
}
/**
 * Quadratic sampling of one logit x (already scaled): with d = x - max, max - d²·(kf - hf·d)
 * (= -kf·d² + hf·d³ + max), clamped to the finite float32 range so that an overflow never
 * turns a candidate into a removed token, nor into NaN.
 */
export function quadraticValue(x, max, kf, hf) {
    const d = x - max;
    const q = max - d * d * (kf - hf * d);
    return q > MAX_F32 ? MAX_F32 : q >= -MAX_F32 ? q : -MAX_F32;
}
/**
 * Compacts dense logits into sparse candidates while applying quadratic sampling (values in
 * float64: no float32 rounding, so no ties that the formula does not make). Returns the count;
 * out[0] receives the new maximum.
 */
export function quadraticToSparse(work, s, max, kf, hf, ids, vals, out) {
    let j = 0;
    let m = -Infinity;
    for (let i = 0; i < work.length; i++) {
        const v = work[i];
        if (!(v > -Infinity))
            continue;
        const q = quadraticValue(v * s, max, kf, hf);
        ids[j] = i;
        vals[j] = q;
        if (q > m)
            m = q;
        j++;
    }
    out[0] = m;
    return j;
}
/** Quadratic sampling of sparse candidates in place (all finite). Returns the new maximum. */
export function quadratic64(values, n, max, kf, hf) {
    let m = -Infinity;
    for (let i = 0; i < n; i++) {
        const q = quadraticValue(values[i], max, kf, hf);
        values[i] = q;
        if (q > m)
            m = q;
    }
    return m;
}
/** Multiplies dense logits by s in place, clamped to the finite float32 range (-Infinity stays). */
export function scaleInPlace32(values, n, s) {
    for (let i = 0; i < n; i++) {
        const v = values[i];
        const q = v * s;
        values[i] = v === -Infinity ? v : q > MAX_F32 ? MAX_F32 : q >= -MAX_F32 ? q : -MAX_F32;
    }
}
/**
 * A binary min-heap of (value, id, position) whose root is the worst entry: lowest value, and
 * among equal values the highest token id.
 */
export class TopHeap {
    v;
    id;
    pos;
    size = 0;
    constructor(capacity) {
        this.v = new Float64Array(capacity);
        this.id = new Int32Array(capacity);
        this.pos = new Int32Array(capacity);
    }
    worse(a, b) {
        const va = this.v[a];
        const vb = this.v[b];
        return va < vb || (va === vb && this.id[a] > this.id[b]);
    }
    swap(a, b) {
        const v = this.v[a];
        this.v[a] = this.v[b];
        this.v[b] = v;
        const id = this.id[a];
        this.id[a] = this.id[b];
        this.id[b] = id;
        const pos = this.pos[a];
        this.pos[a] = this.pos[b];
        this.pos[b] = pos;
    }
    push(value, id, pos) {
        let i = this.size++;
        this.v[i] = value;
        this.id[i] = id;
        this.pos[i] = pos;
        while (i > 0) {
            const parent = (i - 1) >> 1;
            if (!this.worse(i, parent))
                return;
            this.swap(i, parent);
            i = parent;
        }
    }
    replaceRoot(value, id, pos) {
        this.v[0] = value;
        this.id[0] = id;
        this.pos[0] = pos;
        let i = 0;
        for (;;) {
            const l = 2 * i + 1;
            if (l >= this.size)
                return;
            const r = l + 1;
            const w = r < this.size && this.worse(r, l) ? r : l;
            if (!this.worse(w, i))
                return;
            this.swap(i, w);
            i = w;
        }
    }
}
/**
 * One pass of top-k selection over dense logits (token id = position; -Infinity skipped).
 * Fills `heap` with the best k (value, then lower id) and appends to `overflow` the positions
 * that may tie with the final cut (evicted roots and values equal to the cut when seen).
 * Returns the overflow length.
 */
export function selectTopDense(work, k, heap, overflow, keepTies) {
    let over = 0;
    // Below every float32 but above -Infinity: one comparison rejects removed tokens too.
    let root = -Number.MAX_VALUE;
    heap.size = 0;
    const n = work.length;
    for (let pos = 0; pos < n; pos++) {
        const v = work[pos];
        if (v < root)
            continue;
        if (heap.size < k) {
            heap.push(v, pos, pos);
            if (heap.size === k)
                root = heap.v[0];
        }
        else if (v === root) {
            // Tied with the cut; scanning in id order this one loses the tie, but may be kept.
            if (keepTies)
                overflow[over++] = pos;
        }
        else {
            if (keepTies)
                overflow[over++] = heap.pos[0];
            heap.replaceRoot(v, pos, pos);
            root = heap.v[0];
        }
    }
    return over;
}
/** Same as `selectTopDense` over sparse candidates (`ids[pos]` is the token id). */
export function selectTopSparse(vals, ids, n, k, heap, overflow, keepTies) {
    let over = 0;
    let root = -Infinity;
    heap.size = 0;
    for (let pos = 0; pos < n; pos++) {
        const v = vals[pos];
        if (v < root)
            continue;
        const id = ids[pos];
        if (heap.size < k) {
            heap.push(v, id, pos);
            if (heap.size === k)
                root = heap.v[0];
        }
        else if (v === root && id > heap.id[0]) {
            if (keepTies)
                overflow[over++] = pos;
        }
        else {
            if (keepTies)
                overflow[over++] = heap.pos[0];
            heap.replaceRoot(v, id, pos);
            root = heap.v[0];
        }
    }
    return over;
}
