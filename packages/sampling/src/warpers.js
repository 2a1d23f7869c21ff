/**
 * Keeps the candidates whose probability (in `ws.probs`, after `c.softmax()`) is >= `threshold`,
 * and always every candidate tied with the most likely one.
 */
function keepProbAtLeast(c, threshold) {
    if (threshold <= 0)
        return;
    const { probs, vals } = c.ws;
    let vmax = -Infinity;
    for (let i = 0; i < c.n; i++)
        if (vals[i] > vmax)
            vmax = vals[i];
    const keep = c.ws.keep;
    let removed = 0;
    for (let i = 0; i < c.n; i++) {
        const k = probs[i] >= threshold || vals[i] === vmax ? 1 : 0;
        keep[i] = k;
        if (k === 0)
            removed++;
    }
    if (removed > 0)
        c.retainKept();
}
/** temperature: logits / T. */
export function applyTemperature(c, temperature) {
    const factor = 1 / temperature;
    // A T so small that logits / T overflows (e.g. 5e-324) is the limit T -> 0: keep the top token(s).
    if (factor > 1e4 && !(Math.abs(c.maxValue() * factor) < 1e38)) {
        keepOnlyTop(c);
        return;
    }
    c.multiply(factor);
}
/** Leaves only the most likely token(s): the limit of logits / T as T -> 0. */
function keepOnlyTop(c) {
    c.toSparse();
    const top = c.maxValue();
    const keep = c.ws.keep;
    for (let i = 0; i < c.n; i++)
        keep[i] = c.ws.vals[i] === top ? 1 : 0;
    c.retainKept();
}
/**
 * dynamic_temperature: T = low + (high - low) * (H / Hmax)^exponent, where H is the entropy (in
 * nats) of the current distribution, floored at 1e-10, and Hmax = ln(number of candidates),
 * replaced by 1e-10 when it is 0. Then logits / T.
 */
export function applyDynamicTemperature(c, p) {
    const stats = c.entropyStats();
    const entropy = Math.max(stats.entropy, 1e-10);
    let maxEntropy = Math.log(stats.valid);
    if (!(maxEntropy > 0))
        maxEntropy = 1e-10;
    const span = p.dynatemp_high - p.dynatemp_low;
    // span 0 means T = low, even where the power is infinite (0 * Infinity would be NaN).
    const t = span === 0 ? p.dynatemp_low : p.dynatemp_low + span * Math.pow(entropy / maxEntropy, p.dynatemp_exponent);
    if (t === Infinity)
        flatten(c); // the limit T -> infinity: every candidate equally likely
    else if (t > 0)
        applyTemperature(c, t);
    else
        keepOnlyTop(c); // a temperature of 0
}
/** Makes every remaining candidate equally likely: the limit of logits / T as T -> infinity. */
function flatten(c) {
    c.toSparse();
    c.ws.vals.fill(0, 0, c.n);
    c.invalidate();
}
/**
 * quadratic_sampling (smoothing_factor f, smoothing_curve s): with m the max logit and
 * d = logit - m, logit' = -k·f·d² + h·f·d³ + m, where k = (3 - s) / 2 and h = (s - 1) / 2.
 * With s = 1 this is m - f·d².
 */
export function applyQuadratic(c, p) {
    const f = p.smoothing_factor;
    // Finite coefficients, so that d = 0 (the maximum) always maps to the maximum, never NaN.
    const kf = clampCoefficient(((3 - p.smoothing_curve) / 2) * f);
    const hf = clampCoefficient(((p.smoothing_curve - 1) / 2) * f);
    c.quadratic(kf, hf);
}
function clampCoefficient(x) {
    return Math.max(-1e300, Math.min(1e300, x));
}
/**
 * top_k: keeps the k highest logits, and every candidate tied with the k-th (Hugging Face
 * removes only logits strictly below the k-th value). k >= the number of candidates is a no-op.
 */
export function applyTopK(c, k) {
    if (k >= c.n)
        return; // n is the vocabulary size in dense mode
    if (!c.dense && c.sorted) {
        let cut = k;
        const vals = c.ws.vals;
        while (cut < c.n && vals[cut] === vals[k - 1])
            cut++;
        c.truncate(cut);
        return;
    }
    const count = c.selectTop(k, true);
    c.reorder(c.ws.sel, count, c.selectionSorted);
}
/**
 * top_p: in sorted order, keeps each candidate while the probability mass of the candidates
 * before it is < top_p (the smallest prefix whose mass reaches top_p). This is Hugging Face's
 * rule (remove where the ascending cumulative sum <= 1 - top_p) written from the top.
 * Only the band of candidates that can hold the nucleus is sorted (see `keepNucleus`).
 */
export function applyTopP(c, topP) {
    if (!c.dense && c.n <= 1)
        return;
    c.keepNucleus(topP);
}
/**
 * typical_p (mass): with H the entropy, score = |-ln p - H|. In increasing score order (ties by
 * lower id), find the first candidate at which the cumulative probability reaches `mass`; keep
 * every candidate whose score is <= that candidate's score (Hugging Face's TypicalLogitsWarper).
 */
export function applyTypicalP(c, mass) {
    c.toSparse();
    if (c.n <= 1)
        return;
    const { max, logZ } = c.softmax();
    const { probs, keys, vals, ids, sel } = c.ws;
    let weighted = 0;
    for (let i = 0; i < c.n; i++)
        weighted += probs[i] * (vals[i] - max);
    const entropy = logZ - weighted;
    for (let i = 0; i < c.n; i++) {
        const negLogP = logZ - (vals[i] - max);
        keys[i] = Math.abs(negLogP - entropy);
    }
    // Band of small scores that holds `mass`, then sort only the band.
    let band = 0;
    for (let limit = 0.5;; limit *= 2) {
        let m = 0;
        band = 0;
        for (let i = 0; i < c.n; i++) {
            if (keys[i] <= limit) {
                sel[band++] = i;
                m += probs[i];
            }
        }
        // band > 0: with mass 0 the band must still hold the most typical candidate.
        if ((m >= mass && band > 0) || band === c.n || !Number.isFinite(limit))
            break;
    }
    const order = sel.subarray(0, band);
    order.sort((a, b) => keys[a] - keys[b] || ids[a] - ids[b]);
    let cum = 0;
    let lastIndex = 0;
    // lastIndex = number of positions whose cumulative probability is < mass, clamped to n - 1.
    for (let i = 0; i < band; i++) {
        cum += probs[order[i]];
        if (cum < mass)
            lastIndex = i + 1;
        else
            break;
    }
    if (lastIndex > band - 1)
        lastIndex = band - 1;
    const cutScore = keys[order[lastIndex]];
    const first = order[0];
    const keep = c.ws.keep;
    let removed = 0;
    for (let i = 0; i < c.n; i++) {
        const k = keys[i] <= cutScore || i === first ? 1 : 0;
        keep[i] = k;
        if (k === 0)
            removed++;
    }
    if (removed > 0)
        c.retainKept();
}
/** epsilon_cutoff (units of 1e-4): removes p < epsilon, except the most likely candidate(s). */
export function applyEpsilon(c, epsilonCutoff) {
    c.toSparse();
    c.softmax();
    keepProbAtLeast(c, epsilonCutoff * 1e-4);
}
/**
 * eta_cutoff (units of 1e-4): eta = min(epsilon, sqrt(epsilon) · e^-H) with H the entropy in
 * nats; removes p < eta, except the most likely candidate(s).
 */
export function applyEta(c, etaCutoff) {
    c.toSparse();
    const { max, logZ } = c.softmax();
    const { probs, vals } = c.ws;
    let weighted = 0;
    for (let i = 0; i < c.n; i++)
        weighted += probs[i] * (vals[i] - max);
    const entropy = logZ - weighted;
    const epsilon = etaCutoff * 1e-4;
    const eta = Math.min(epsilon, Math.sqrt(epsilon) * Math.exp(-entropy));
    keepProbAtLeast(c, eta);
}
/**
 * tfs (tail-free sampling, z): on the sorted probabilities, d2 = |second difference|, normalized
 * to sum 1, cdf = cumulative sum. The first candidate is always kept, candidate i (1 <= i <= n-2)
 * is kept while cdf[i-1] <= z, and the last candidate is always removed (TGW's mask shift).
 * This one needs the whole tail in order, so it sorts the remaining candidates.
 */
export function applyTfs(c, z) {
    c.sortDescending();
    const n = c.n;
    if (n <= 1)
        return;
    c.softmax();
    const probs = c.ws.probs;
    let total = 0;
    for (let i = 0; i + 2 < n; i++)
        total += Math.abs(probs[i] - 2 * probs[i + 1] + probs[i + 2]);
    // kept = 1 + number of i in [0, n-3] with cdf[i] <= z (cdf is non-decreasing), capped at n - 1.
    let kept = 1;
    let cdf = 0;
    for (let i = 0; i + 2 < n; i++) {
        cdf += Math.abs(probs[i] - 2 * probs[i + 1] + probs[i + 2]) / total;
        if (cdf > z)
            break; // NaN (all second differences 0) compares false: nothing more removed
        kept++;
    }
    if (total === 0 || Number.isNaN(total))
        kept = n - 1;
    c.truncate(Math.min(kept, n - 1));
}
/** top_a: removes p < top_a · pmax². */
export function applyTopA(c, topA) {
    c.toSparse();
    c.softmax();
    const probs = c.ws.probs;
    let pmax = 0;
    for (let i = 0; i < c.n; i++)
        if (probs[i] > pmax)
            pmax = probs[i];
    keepProbAtLeast(c, topA * pmax * pmax);
}
/** min_p: removes p < min_p · pmax. */
export function applyMinP(c, minP) {
    c.toSparse();
    c.softmax();
    const probs = c.ws.probs;
    let pmax = 0;
    for (let i = 0; i < c.n; i++)
        if (probs[i] > pmax)
            pmax = probs[i];
    keepProbAtLeast(c, minP * pmax);
}
/**
 * top_n_sigma (n): keeps logits >= max - n·σ, where σ is the standard deviation (n - 1 in the
 * denominator, as torch.std) of the finite logits. (TGW HEAD also counts removed tokens as
 * zeros in σ, against its own comment; this uses the finite logits only, as intended.)
 */
export function applyTopNSigma(c, nSigma) {
    c.toSparse();
    const n = c.n;
    if (n <= 1)
        return;
    const vals = c.ws.vals;
    let sum = 0;
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
        sum += vals[i];
        if (vals[i] > max)
            max = vals[i];
    }
    const mean = sum / n;
    let sq = 0;
    for (let i = 0; i < n; i++)
        sq += (vals[i] - mean) ** 2;
    const sigma = Math.sqrt(sq / (n - 1));
    const threshold = max - nSigma * sigma;
    const keep = c.ws.keep;
    let removed = 0;
    for (let i = 0; i < n; i++) {
        const k = vals[i] >= threshold ? 1 : 0;
        keep[i] = k;
        if (k === 0)
            removed++;
    }
    if (removed > 0)
        c.retainKept();
}
/**
 * XTC (exclude top choices), TGW HEAD: draws u; if u >= xtc_probability nothing happens.
 * Otherwise every candidate with p >= xtc_threshold is removed except the least likely of them
 * (the last in sorted order); if that would remove an EOS or newline token, nothing is removed.
 * Consumes one draw whenever it is active.
 */
export function applyXtc(c, p, state) {
    const u = state.rng.next();
    if (u >= p.xtc_probability)
        return;
    c.toSparse();
    if (c.n < 2)
        return;
    c.softmax();
    const { probs, vals, ids } = c.ws;
    // The least likely candidate at or above the threshold, in sorted order.
    let last = -1;
    let above = 0;
    for (let i = 0; i < c.n; i++) {
        if (probs[i] < p.xtc_threshold)
            continue;
        above++;
        if (last < 0 || vals[i] < vals[last] || (vals[i] === vals[last] && ids[i] > ids[last]))
            last = i;
    }
    if (above < 2)
        return;
    const keep = c.ws.keep;
    for (let i = 0; i < c.n; i++) {
        const remove = probs[i] >= p.xtc_threshold && i !== last;
        if (remove && (p.eos_token_ids.includes(ids[i]) || p.newline_token_ids.includes(ids[i])))
            return;
        keep[i] = remove ? 0 : 1;
    }
    c.retainKept();
}
/**
 * Mirostat. mu starts at 2·tau and lives in the sequence state. Both modes draw a token (one
 * draw), leave only that token, and update mu ← mu - eta·(surprise - tau), where surprise is
 * -log2 of the chosen token's probability in the truncated, renormalized distribution.
 *
 * - Mode 2 (TGW's MirostatLogitsWarper): keep the candidates with surprise -log2 p <= mu (at
 *   least the most likely one), renormalize, draw.
 * - Mode 1 (the mirostat paper's algorithm, as llama.cpp implements it): estimate the Zipf exponent
 *   s from the m = 100 most likely candidates, s = Σ t_i b_i / Σ t_i² with
 *   t_i = ln((i+2)/(i+1)) and b_i = ln(p_i / p_(i+1)); with ε = s - 1 and N the vocabulary size,
 *   k = ((ε · 2^mu) / (1 - N^-ε))^(1/s); keep the top max(k, 1) candidates, renormalize, draw.
 */
export function applyMirostat(c, p, state, vocabSize) {
    const tau = p.mirostat_tau;
    const mu = state.mirostatMu ?? 2 * tau;
    c.toSparse();
    if (c.n === 0)
        return;
    if (p.mirostat_mode === 2) {
        c.softmax();
        keepProbAtLeast(c, Math.pow(2, -mu));
    }
    else {
        c.softmax();
        const { probs } = c.ws;
        const top = c.selectTop(Math.min(100, c.n), false);
        const sel = c.ws.sel;
        let sumTB = 0;
        let sumTT = 0;
        for (let i = 0; i + 1 < top; i++) {
            const next = probs[sel[i + 1]];
            if (!(next > 0))
                break;
            const t = Math.log((i + 2) / (i + 1));
            const b = Math.log(probs[sel[i]] / next);
            sumTB += t * b;
            sumTT += t * t;
        }
        let k = 1;
        if (sumTT > 0) {
            const s = sumTB / sumTT;
            const eps = s - 1;
            const scaled = Math.abs(eps) < 1e-12
                ? Math.pow(2, mu) / Math.log(vocabSize) // the limit of eps / (1 - N^-eps) as eps -> 0
                : (eps * Math.pow(2, mu)) / (1 - Math.pow(vocabSize, -eps));
            const kReal = Math.pow(scaled, 1 / s);
            k = Number.isNaN(kReal) ? c.n : Math.max(Math.floor(Math.min(kReal, c.n)), 1);
        }
        const count = c.selectTop(k, false);
        c.reorder(c.ws.sel, count, c.selectionSorted);
    }
    const token = c.draw(state.rng.next());
    c.softmax();
    const { probs, ids, sel } = c.ws;
    let chosen = 0;
    while (ids[chosen] !== token)
        chosen++;
    const surprise = -Math.log2(probs[chosen]);
    state.mirostatMu = mu - p.mirostat_eta * (surprise - tau);
    sel[0] = chosen;
    c.reorder(sel, 1, true);
}
