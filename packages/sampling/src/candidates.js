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
import { entropySums32, entropySums64, entropySumsOnline32, expInto32, expInto64, maxOf32, maxOf64, quadratic64, quadraticToSparse, quadraticValue, scaleInPlace32, selectTopDense, selectTopSparse, sumExp32, sumExp64, sumExpOnline32, TopHeap, } from './kernels.js';
import { expNonPositive } from './math.js';
import { clampLogit } from './processors.js';
/** Reusable buffers for one vocabulary size. */
export class Workspace {
    vocabSize;
    /** Dense logits, indexed by token id. */
    work;
    ids;
    vals;
    /** Spare arrays that `ids`/`vals` swap with when candidates are reordered. */
    ids2;
    vals2;
    /** Probabilities (or unnormalized weights) per position. */
    probs;
    /** Secondary per-position keys (typical_p's scores). */
    keys;
    /** Positions selected by a partial selection. */
    sel;
    /** Overflow list of the heap selection (tokens tied at the cut). */
    overflow;
    /** Binary heap of the top-k selection. */
    heap;
    /** Token id -> count, all zero between uses. */
    counts;
    /** Token id -> position in the sparse set, all -1 between uses. */
    posOf;
    /** Keep flags per position. */
    keep;
    /** Small outputs of the kernels. */
    sums = new Float64Array(4);
    constructor(vocabSize) {
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
    ws;
    dense = true;
    /** Pending multiplier of the dense logits (1 / temperature). Always 1 in sparse mode. */
    scale = 1;
    /**
     * Dense mode: quadratic sampling not yet written to `work`, applied after `scale`. Kept pending
     * only while nothing needs every value: top_k right after it selects on the raw logits (the
     * transform is monotone then) and transforms just the k survivors, saving a vocabulary pass.
     */
    pendingQuadratic = null;
    /** Number of positions: the vocabulary size in dense mode, the candidate count in sparse mode. */
    n;
    /** Sparse mode: candidates are best first. */
    sorted = false;
    /** Sparse mode: candidates are in increasing token id order. */
    idOrdered = false;
    /**
     * The maximum, when known (cleared by every edit that can change it): in dense mode the raw
     * maximum of `work` (the maximum logit is then knownMax * scale, computed exactly like each
     * logit, so the best token's logit - max is exactly 0), in sparse mode the maximum of `vals`.
     */
    knownMax = null;
    /**
     * Whether the last `selectTop` listed its positions best first (false: in position order,
     * for selections larger than SORT_LIMIT).
     */
    selectionSorted = true;
    /** Largest selection that `selectTop` sorts best first. */
    static SORT_LIMIT = 1024;
    constructor(ws) {
        this.ws = ws;
        this.n = ws.vocabSize;
    }
    /** Call after editing `work` or `vals` directly. */
    invalidate() {
        this.knownMax = null;
        if (!this.dense && this.n > 1)
            this.sorted = false;
    }
    /** Switches to the sparse representation, applying the pending scale; keeps id order. */
    toSparse() {
        this.flushQuadratic();
        if (!this.dense)
            return;
        const { work, ids, vals } = this.ws;
        const s = this.scale;
        let j = 0;
        for (let i = 0; i < work.length; i++) {
            const v = work[i];
            if (v > -Infinity) {
                ids[j] = i;
                vals[j] = v * s;
                j++;
            }
        }
        if (this.knownMax !== null)
            this.knownMax = this.knownMax * s;
        this.dense = false;
        this.scale = 1;
        this.n = j;
        this.idOrdered = true;
        this.sorted = j <= 1;
    }
    /** Applies the pending dense scale to `work` (needed before editing logits in place). */
    materializeScale() {
        this.flushQuadratic();
        if (!this.dense || this.scale === 1)
            return;
        scaleInPlace32(this.ws.work, this.n, this.scale);
        this.knownMax = null;
        this.scale = 1;
    }
    /**
     * Multiplies every logit by `factor` (> 0): temperature. Keeps the order. A product that
     * underflows to 0 makes the candidates equally likely (the limit T -> infinity).
     */
    multiply(factor) {
        this.flushQuadratic();
        if (this.dense) {
            const next = this.scale * factor;
            if (next > 0 && next < Infinity) {
                this.scale = next;
                return;
            }
            this.toSparse(); // applies the current scale; the product is applied below
        }
        if (this.knownMax !== null)
            this.knownMax = clampLogit(this.knownMax * factor);
        const vals = this.ws.vals;
        for (let i = 0; i < this.n; i++)
            vals[i] = clampLogit(vals[i] * factor);
    }
    /**
     * Quadratic sampling (see `applyQuadratic`): dense logits get it lazily, sparse ones now.
     * `kf`, `hf` are the finite coefficients of -kf·d² + hf·d³.
     */
    quadratic(kf, hf) {
        this.flushQuadratic();
        const max = this.maxValue();
        if (this.dense) {
            if (max === -Infinity)
                return;
            this.pendingQuadratic = { max, kf, hf };
            return;
        }
        this.knownMax = quadratic64(this.ws.vals, this.n, max, kf, hf);
        if (this.n > 1)
            this.sorted = false;
    }
    /** Applies a pending quadratic transform to every candidate: one pass, to the sparse form. */
    flushQuadratic() {
        const quad = this.pendingQuadratic;
        if (quad === null)
            return;
        this.pendingQuadratic = null;
        const { work, ids, vals, sums } = this.ws;
        this.n = quadraticToSparse(work, this.scale, quad.max, quad.kf, quad.hf, ids, vals, sums);
        this.knownMax = sums[0];
        this.dense = false;
        this.scale = 1;
        this.idOrdered = true;
        this.sorted = this.n <= 1;
    }
    /** Largest current logit (-Infinity when there is no candidate). */
    maxValue() {
        const quad = this.pendingQuadratic;
        if (quad !== null)
            return quadraticValue(quad.max, quad.max, quad.kf, quad.hf); // d = 0: the max
        if (this.dense) {
            this.knownMax ??= maxOf32(this.ws.work, this.n);
            return this.knownMax * this.scale;
        }
        if (this.knownMax === null) {
            this.knownMax = this.sorted && this.n > 0 ? this.ws.vals[0] : maxOf64(this.ws.vals, this.n);
        }
        return this.knownMax;
    }
    /**
     * Entropy statistics of the current distribution without storing probabilities (one exp
     * pass): max logit, log Z with Z = Σ exp(logit - max), entropy H in nats, and the number of
     * candidates. H = log Z - Σ p·(logit - max), which needs no logarithm per token.
     */
    entropyStats() {
        this.flushQuadratic();
        const out = this.ws.sums;
        let max;
        if (this.dense && this.knownMax === null) {
            entropySumsOnline32(this.ws.work, this.n, this.scale, out); // saves the separate max pass
            this.knownMax = out[3];
            max = this.knownMax * this.scale;
        }
        else {
            max = this.maxValue();
            if (this.dense)
                entropySums32(this.ws.work, this.n, this.scale, max, out);
            else
                entropySums64(this.ws.vals, this.n, max, out);
        }
        const z = out[0];
        const logZ = Math.log(z);
        return { max, logZ, entropy: logZ - out[1] / z, valid: out[2] };
    }
    /**
     * Softmax of the (sparse) candidates into `ws.probs`, per position. Returns the maximum logit
     * and log Z, where Z = Σ exp(logit - max).
     */
    softmax() {
        this.toSparse();
        const { probs, vals } = this.ws;
        const max = this.maxValue();
        const z = expInto64(vals, this.n, max, probs);
        const inv = 1 / z;
        for (let i = 0; i < this.n; i++)
            probs[i] = probs[i] * inv;
        return { max, logZ: Math.log(z) };
    }
    /**
     * Keeps the positions whose `ws.keep` flag is 1, in their current order (sparse mode only).
     */
    retainKept() {
        const { ids, vals, keep } = this.ws;
        let j = 0;
        for (let i = 0; i < this.n; i++) {
            if (keep[i] === 1) {
                ids[j] = ids[i];
                vals[j] = vals[i];
                j++;
            }
        }
        if (j !== this.n)
            this.knownMax = null;
        this.n = j;
        if (j <= 1)
            this.sorted = true;
    }
    /** Keeps the first `count` positions (sparse mode). */
    truncate(count) {
        if (count < this.n) {
            this.n = Math.max(count, 0);
            if (!this.sorted)
                this.knownMax = null;
        }
    }
    /**
     * Replaces the candidates by the listed positions, in the listed order. `positions` may alias
     * `ws.sel`; the old arrays become the spare ones.
     */
    reorder(positions, count, sorted) {
        const { ids2, vals2 } = this.ws;
        // Positions listed in increasing order keep the id order of a dense or id-ordered set.
        let increasing = true;
        for (let i = 1; i < count && increasing; i++)
            increasing = positions[i] > positions[i - 1];
        const idOrdered = count <= 1 || (increasing && (this.dense || this.idOrdered));
        if (this.dense) {
            const work = this.ws.work;
            const s = this.scale;
            const quad = this.pendingQuadratic;
            for (let i = 0; i < count; i++) {
                const p = positions[i];
                ids2[i] = p;
                vals2[i] = quad === null ? work[p] * s : quadraticValue(work[p] * s, quad.max, quad.kf, quad.hf);
            }
            this.pendingQuadratic = null;
            this.dense = false;
            this.scale = 1;
        }
        else {
            const { ids, vals } = this.ws;
            for (let i = 0; i < count; i++) {
                const p = positions[i];
                ids2[i] = ids[p];
                vals2[i] = vals[p];
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
    sortDescending() {
        this.toSparse();
        if (this.sorted)
            return;
        const { ids, vals, sel } = this.ws;
        const order = sel.subarray(0, this.n);
        for (let i = 0; i < this.n; i++)
            order[i] = i;
        order.sort((a, b) => vals[b] - vals[a] || ids[a] - ids[b]);
        this.reorder(sel, this.n, true);
    }
    /**
     * Fills `ws.sel` with the positions of the best `k` candidates (logit descending, ties by
     * lower id), best first, and returns how many it wrote. With `keepTies`, every candidate whose
     * logit equals the k-th best is included too (Hugging Face's top_k keeps those). One pass
     * over the set and a binary heap of size k: no sort of the whole set.
     */
    selectTop(k, keepTies) {
        // A monotone pending transform keeps the ranking: select on the raw logits.
        const quad = this.pendingQuadratic;
        if (quad !== null && !(quad.kf >= 0 && quad.hf >= 0))
            this.flushQuadratic();
        const { sel, overflow, heap, ids } = this.ws;
        heap.size = 0;
        this.selectionSorted = true;
        if (k <= 0)
            return 0;
        // Dense: raw values; the pending scale is positive, so it does not change the ranking.
        const over = this.dense
            ? selectTopDense(this.ws.work, k, heap, overflow, keepTies)
            : selectTopSparse(this.ws.vals, ids, this.n, k, heap, overflow, keepTies);
        let count = heap.size;
        for (let i = 0; i < count; i++)
            sel[i] = heap.pos[i];
        const values = this.dense ? this.ws.work : this.ws.vals;
        if (keepTies && heap.size === k) {
            const cut = heap.v[0];
            for (let i = 0; i < over; i++)
                if (values[overflow[i]] === cut)
                    sel[count++] = overflow[i];
        }
        const chosen = sel.subarray(0, count);
        if (count > Candidates.SORT_LIMIT) {
            // A large selection (top_k 5000...) is not worth sorting: keep the current order.
            chosen.sort();
            this.selectionSorted = false;
        }
        else if (this.dense) {
            chosen.sort((a, b) => values[b] - values[a] || a - b);
        }
        else {
            chosen.sort((a, b) => values[b] - values[a] || ids[a] - ids[b]);
        }
        return count;
    }
    /**
     * The nucleus of the distribution: keeps, best first, each candidate while the probability
     * mass of the candidates before it is < `mass`. Without sorting the whole set: only the band
     * of candidates with logit >= max - D is collected and sorted, D doubling from 4 until the
     * band holds `mass`. Works from the dense array directly.
     */
    keepNucleus(mass) {
        this.flushQuadratic();
        // Z over every candidate (one exp pass, which also finds an unknown dense maximum), then the band.
        const dense = this.dense;
        const work = this.ws.work;
        const s = this.scale;
        const n = this.n;
        let max;
        let z;
        if (dense && this.knownMax === null) {
            sumExpOnline32(work, n, s, this.ws.sums);
            this.knownMax = this.ws.sums[1];
            max = this.knownMax * s;
            z = this.ws.sums[0];
        }
        else {
            max = this.maxValue();
            z = dense ? sumExp32(work, n, s, max) : sumExp64(this.ws.vals, n, max);
        }
        const { sel, ids, vals } = this.ws;
        let band = 0;
        for (let d = 4;; d *= 2) {
            const floor = max - d;
            let bandMass = 0;
            band = 0;
            if (dense) {
                const rawFloor = floor / s;
                for (let i = 0; i < n; i++) {
                    if (work[i] >= rawFloor && work[i] > -Infinity) {
                        sel[band++] = i;
                        bandMass += expNonPositive(work[i] * s - max);
                    }
                }
            }
            else {
                for (let i = 0; i < n; i++) {
                    if (vals[i] >= floor) {
                        sel[band++] = i;
                        bandMass += expNonPositive(vals[i] - max);
                    }
                }
            }
            if (bandMass >= mass * z || !Number.isFinite(floor) || d > 1e300)
                break;
        }
        // Probabilities of the band members, then sort the band best first.
        const order = sel.subarray(0, band);
        if (dense)
            order.sort((a, b) => work[b] - work[a] || a - b);
        else
            order.sort((a, b) => vals[b] - vals[a] || ids[a] - ids[b]);
        let kept = 0;
        let cum = 0;
        const invZ = 1 / z;
        while (kept < band && (kept === 0 || cum < mass)) {
            const p = order[kept];
            const v = dense ? work[p] * s : vals[p];
            cum += expNonPositive(v - max) * invZ;
            kept++;
        }
        this.reorder(sel, kept, true);
    }
    /**
     * Draws a candidate with probability proportional to exp(logit), walking candidates in
     * increasing token id order (so the result depends only on the distribution and `u`).
     * Returns the token id.
     */
    draw(u) {
        this.flushQuadratic();
        const max = this.maxValue();
        const probs = this.ws.probs;
        if (this.dense) {
            const work = this.ws.work;
            const z = expInto32(work, this.n, this.scale, max, probs);
            const target = u * z;
            let cum = 0;
            let last = -1;
            for (let i = 0; i < work.length; i++) {
                const e = probs[i];
                if (e <= 0)
                    continue;
                cum += e;
                last = i;
                if (target < cum)
                    return i;
            }
            return last;
        }
        const { ids, vals, posOf } = this.ws;
        const z = expInto64(vals, this.n, max, probs);
        const target = u * z;
        let cum = 0;
        let picked = -1;
        if (this.idOrdered) {
            for (let i = 0; i < this.n; i++) {
                const e = probs[i];
                if (e <= 0)
                    continue;
                cum += e;
                picked = ids[i];
                if (target < cum)
                    break;
            }
            return picked;
        }
        // Visit positions by token id: sort a copy of the ids, find each position through posOf.
        const order = this.ws.sel.subarray(0, this.n);
        for (let i = 0; i < this.n; i++) {
            order[i] = ids[i];
            posOf[ids[i]] = i;
        }
        order.sort();
        for (let i = 0; i < this.n; i++) {
            const id = order[i];
            const e = probs[posOf[id]];
            if (e <= 0)
                continue;
            cum += e;
            picked = id;
            if (target < cum)
                break;
        }
        for (let i = 0; i < this.n; i++)
            posOf[ids[i]] = -1;
        return picked;
    }
}
