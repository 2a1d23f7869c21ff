/**
 * The warpers: they reshape or truncate the distribution over the candidates that the logit
 * processors left. Each follows text-generation-webui's `modules/sampler_hijack.py` or the Hugging
 * Face warper it wraps (`transformers.generation.logits_process`); the formula is in each
 * function's comment. Every truncation keeps at least the most likely candidate
 * (min_tokens_to_keep = 1).
 *
 * "Sorted order" below means logit descending, ties broken by the lower token id.
 */
import type { Candidates } from './candidates.js';
import type { StepContext } from './step-context.js';

/** The one signature of every warper: it narrows or reshapes `c`, reading what it needs from `ctx`. */
export type Warper = (c: Candidates, ctx: StepContext) => void;

/**
 * Keeps the candidates whose probability (in `ws.probs`, after `c.softmax()`) is >= `threshold`,
 * and always every candidate tied with the most likely one.
 */
function keepProbAtLeast(c: Candidates, threshold: number): void {
  if (threshold <= 0) return;
  const { probs, vals } = c.ws;
  let vmax = -Infinity;
  for (let i = 0; i < c.n; i++) if (vals[i]! > vmax) vmax = vals[i]!;
  const keep = c.ws.keep;
  let removed = 0;
  for (let i = 0; i < c.n; i++) {
    const k = probs[i]! >= threshold || vals[i] === vmax ? 1 : 0;
    keep[i] = k;
    if (k === 0) removed++;
  }
  if (removed > 0) c.retainKept();
}

/** temperature: logits / T. */
export const applyTemperature: Warper = (c, ctx) => divideByTemperature(c, ctx.params.temperature);

function divideByTemperature(c: Candidates, temperature: number): void {
  const factor = 1 / temperature;
  // A T so small that logits / T overflows (e.g. 5e-324) is the limit T -> 0: keep the top token(s).
  if (factor > 1e4 && !(Math.abs(c.maxValue() * factor) < 1e38)) {
    keepOnlyTop(c);
    return;
  }
  c.multiply(factor);
}

/** Leaves only the most likely token(s): the limit of logits / T as T -> 0. */
function keepOnlyTop(c: Candidates): void {
  c.toSparse();
  const top = c.maxValue();
  const keep = c.ws.keep;
  for (let i = 0; i < c.n; i++) keep[i] = c.ws.vals[i] === top ? 1 : 0;
  c.retainKept();
}

/**
 * dynamic_temperature: T = low + (high - low) * (H / Hmax)^exponent, where H is the entropy (in
 * nats) of the current distribution, floored at 1e-10, and Hmax = ln(number of candidates),
 * replaced by 1e-10 when it is 0. Then logits / T.
 */
export const applyDynamicTemperature: Warper = (c, ctx) => {
  const p = ctx.params;
  const stats = c.entropyStats();
  const entropy = Math.max(stats.entropy, 1e-10);
  let maxEntropy = Math.log(stats.valid);
  if (!(maxEntropy > 0)) maxEntropy = 1e-10;
  const span = p.dynatemp_high - p.dynatemp_low;
  // span 0 means T = low, even where the power is infinite (0 * Infinity would be NaN).
  const t = span === 0 ? p.dynatemp_low : p.dynatemp_low + span * Math.pow(entropy / maxEntropy, p.dynatemp_exponent);
  if (t === Infinity) flatten(c); // the limit T -> infinity: every candidate equally likely
  else if (t > 0) divideByTemperature(c, t);
  else keepOnlyTop(c); // a temperature of 0
};

/** Makes every remaining candidate equally likely: the limit of logits / T as T -> infinity. */
function flatten(c: Candidates): void {
  c.toSparse();
  c.ws.vals.fill(0, 0, c.n);
  c.invalidate();
}

/**
 * quadratic_sampling (smoothing_factor f, smoothing_curve s): with m the max logit and
 * d = logit - m, logit' = -k·f·d² + h·f·d³ + m, where k = (3 - s) / 2 and h = (s - 1) / 2.
 * With s = 1 this is m - f·d².
 */
export const applyQuadratic: Warper = (c, ctx) => {
  const p = ctx.params;
  const f = p.smoothing_factor;
  // Finite coefficients, so that d = 0 (the maximum) always maps to the maximum, never NaN.
  const kf = clampCoefficient(((3 - p.smoothing_curve) / 2) * f);
  const hf = clampCoefficient(((p.smoothing_curve - 1) / 2) * f);
  c.quadratic(kf, hf);
};

function clampCoefficient(x: number): number {
  return Math.max(-1e300, Math.min(1e300, x));
}

/**
 * top_k: keeps the k highest logits, and every candidate tied with the k-th (Hugging Face
 * removes only logits strictly below the k-th value). k >= the number of candidates is a no-op.
 */
export const applyTopK: Warper = (c, ctx) => {
  const k = ctx.params.top_k;
  if (k >= c.n) return; // n is the vocabulary size in dense mode

  if (!c.dense && c.sorted) {
    let cut = k;
    const vals = c.ws.vals;
    while (cut < c.n && vals[cut] === vals[k - 1]) cut++;
    c.truncate(cut);
    return;
  }
  const count = c.selectTop(k, true);
  c.reorder(c.ws.sel, count, c.selectionSorted);
};

/**
 * top_p: in sorted order, keeps each candidate while the probability mass of the candidates
 * before it is < top_p (the smallest prefix whose mass reaches top_p). This is Hugging Face's
 * rule (remove where the ascending cumulative sum <= 1 - top_p) written from the top.
 * Only the band of candidates that can hold the nucleus is sorted (see `keepNucleus`).
 */
export const applyTopP: Warper = (c, ctx) => {
  if (!c.dense && c.n <= 1) return;
  c.keepNucleus(ctx.params.top_p);
};

/**
 * typical_p (mass): with H the entropy, score = |-ln p - H|. In increasing score order (ties by
 * lower id), find the first candidate at which the cumulative probability reaches `mass`; keep
 * every candidate whose score is <= that candidate's score (Hugging Face's TypicalLogitsWarper).
 */
export const applyTypicalP: Warper = (c, ctx) => {
  const mass = ctx.params.typical_p;
  c.toSparse();
  if (c.n <= 1) return;
  typicalityScores(c);
  const order = typicalBand(c, mass);
  const cutScore = c.ws.keys[order[typicalCut(c, order, mass)]!]!;
  const { keys, keep } = c.ws;
  const first = order[0]!;
  let removed = 0;
  for (let i = 0; i < c.n; i++) {
    const k = keys[i]! <= cutScore || i === first ? 1 : 0;
    keep[i] = k;
    if (k === 0) removed++;
  }
  if (removed > 0) c.retainKept();
};

/** Softmax into `ws.probs` and each candidate's score |-ln p - H| into `ws.keys`. */
function typicalityScores(c: Candidates): void {
  const { max, logZ } = c.softmax();
  const { probs, keys, vals } = c.ws;
  let weighted = 0;
  for (let i = 0; i < c.n; i++) weighted += probs[i]! * (vals[i]! - max);
  const entropy = logZ - weighted;
  for (let i = 0; i < c.n; i++) keys[i] = Math.abs(logZ - (vals[i]! - max) - entropy);
}

/**
 * The positions with the smallest scores that hold `mass` (the score limit doubling from 0.5),
 * sorted by score (ties by lower id): only this band needs sorting. Never empty.
 */
function typicalBand(c: Candidates, mass: number): Int32Array {
  const { probs, keys, ids, sel } = c.ws;
  let band = 0;
  for (let limit = 0.5; ; limit *= 2) {
    let m = 0;
    band = 0;
    for (let i = 0; i < c.n; i++) {
      if (keys[i]! <= limit) {
        sel[band++] = i;
        m += probs[i]!;
      }
    }
    // band > 0: with mass 0 the band must still hold the most typical candidate.
    if ((m >= mass && band > 0) || band === c.n || !Number.isFinite(limit)) break;
  }
  const order = sel.subarray(0, band);
  order.sort((a, b) => keys[a]! - keys[b]! || ids[a]! - ids[b]!);
  return order;
}

/** Index in `order` of the cut: the number of positions whose cumulative probability is < mass, at most the last. */
function typicalCut(c: Candidates, order: Int32Array, mass: number): number {
  const probs = c.ws.probs;
  let cum = 0;
  let lastIndex = 0;
  for (let i = 0; i < order.length; i++) {
    cum += probs[order[i]!]!;
    if (cum < mass) lastIndex = i + 1;
    else break;
  }
  return Math.min(lastIndex, order.length - 1);
}

/** epsilon_cutoff (units of 1e-4): removes p < epsilon, except the most likely candidate(s). */
export const applyEpsilon: Warper = (c, ctx) => {
  c.toSparse();
  c.softmax();
  keepProbAtLeast(c, ctx.params.epsilon_cutoff * 1e-4);
};

/**
 * eta_cutoff (units of 1e-4): eta = min(epsilon, sqrt(epsilon) · e^-H) with H the entropy in
 * nats; removes p < eta, except the most likely candidate(s).
 */
export const applyEta: Warper = (c, ctx) => {
  c.toSparse();
  const { max, logZ } = c.softmax();
  const { probs, vals } = c.ws;
  let weighted = 0;
  for (let i = 0; i < c.n; i++) weighted += probs[i]! * (vals[i]! - max);
  const entropy = logZ - weighted;
  const epsilon = ctx.params.eta_cutoff * 1e-4;
  const eta = Math.min(epsilon, Math.sqrt(epsilon) * Math.exp(-entropy));
  keepProbAtLeast(c, eta);
};

/**
 * tfs (tail-free sampling, z), as TGW computes it over the whole vocabulary: sort every token's
 * probability (removed tokens count as probability 0, at the end), d2 = |second difference|,
 * normalized to sum 1, cdf = its cumulative sum. The first token is always kept, token i >= 1 is
 * kept while cdf[i-1] <= z (all of them when every d2 is 0), and the last position of the
 * vocabulary is always removed. After a truncation that last position is a removed token, so
 * tfs then removes no survivor on that account; the zeros also enter the second differences.
 * Only the survivors need sorting: the zeros after them contribute p[n-2] - 2 p[n-1] and p[n-1].
 */
export const applyTfs: Warper = (c, ctx) => {
  const z = ctx.params.tfs;
  c.sortDescending();
  const n = c.n;
  if (n <= 1) return;
  c.softmax();
  const probs = c.ws.probs;
  const positions = ctx.vocabSize; // the length of the row TGW sorts
  const p = (i: number): number => (i < n ? probs[i]! : 0);
  const d2 = (i: number): number => Math.abs(p(i) - 2 * p(i + 1) + p(i + 2));
  let total = 0;
  for (let i = 0; i < n && i + 2 < positions; i++) total += d2(i);
  let kept = 1;
  let cdf = 0;
  for (let j = 1; j < n && j < positions - 1; j++) {
    cdf += d2(j - 1) / total;
    if (cdf > z) break; // NaN (every d2 is 0) compares false: nothing removed
    kept++;
  }
  c.truncate(kept);
};

/** top_a: removes p < top_a · pmax². */
export const applyTopA: Warper = (c, ctx) => {
  const topA = ctx.params.top_a;
  c.toSparse();
  c.softmax();
  const probs = c.ws.probs;
  let pmax = 0;
  for (let i = 0; i < c.n; i++) if (probs[i]! > pmax) pmax = probs[i]!;
  keepProbAtLeast(c, topA * pmax * pmax);
};

/** min_p: removes p < min_p · pmax. */
export const applyMinP: Warper = (c, ctx) => {
  const minP = ctx.params.min_p;
  c.toSparse();
  c.softmax();
  const probs = c.ws.probs;
  let pmax = 0;
  for (let i = 0; i < c.n; i++) if (probs[i]! > pmax) pmax = probs[i]!;
  keepProbAtLeast(c, minP * pmax);
};

/**
 * top_n_sigma (n): keeps logits >= max - n·σ, where σ is the standard deviation (n - 1 in the
 * denominator, as torch.std) of the finite logits. (TGW HEAD also counts removed tokens as
 * zeros in σ, against its own comment; this uses the finite logits only, as intended.)
 */
export const applyTopNSigma: Warper = (c, ctx) => {
  const nSigma = ctx.params.top_n_sigma;
  c.toSparse();
  const n = c.n;
  if (n <= 1) return;
  const vals = c.ws.vals;
  let sum = 0;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    sum += vals[i]!;
    if (vals[i]! > max) max = vals[i]!;
  }
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (vals[i]! - mean) ** 2;
  const sigma = Math.sqrt(sq / (n - 1));
  const threshold = max - nSigma * sigma;
  const keep = c.ws.keep;
  let removed = 0;
  for (let i = 0; i < n; i++) {
    const k = vals[i]! >= threshold ? 1 : 0;
    keep[i] = k;
    if (k === 0) removed++;
  }
  if (removed > 0) c.retainKept();
};

/**
 * XTC (exclude top choices), TGW HEAD: draws u; if u >= xtc_probability nothing happens.
 * Otherwise every candidate with p >= xtc_threshold is removed except the least likely of them
 * (the last in sorted order); if that would remove an EOS or newline token, nothing is removed.
 * Consumes one draw whenever it is active.
 */
export const applyXtc: Warper = (c, ctx) => {
  const p = ctx.params;
  const u = ctx.state.rng.next();
  if (u >= p.xtc_probability) return;
  c.toSparse();
  if (c.n < 2) return;
  c.softmax();
  const { probs, vals, ids } = c.ws;
  // The least likely candidate at or above the threshold, in sorted order.
  let last = -1;
  let above = 0;
  for (let i = 0; i < c.n; i++) {
    if (probs[i]! < p.xtc_threshold) continue;
    above++;
    if (last < 0 || vals[i]! < vals[last]! || (vals[i] === vals[last] && ids[i]! > ids[last]!)) last = i;
  }
  if (above < 2) return;
  const keep = c.ws.keep;
  for (let i = 0; i < c.n; i++) {
    const remove = probs[i]! >= p.xtc_threshold && i !== last;
    if (remove && (p.eos_token_ids.includes(ids[i]!) || p.newline_token_ids.includes(ids[i]!))) return;
    keep[i] = remove ? 0 : 1;
  }
  c.retainKept();
};

/**
 * Mirostat. mu starts at 2·tau and lives in the sequence state. Both modes truncate, draw a token
 * (one draw), leave only that token, and update mu ← mu - eta·(surprise - tau), where surprise is
 * -log2 of the chosen token's probability in the truncated, renormalized distribution.
 *
 * - Mode 2 (TGW's MirostatLogitsWarper): keep the candidates with surprise -log2 p <= mu; when
 *   even the most likely one exceeds mu, keep exactly one token, as TGW does (the lowest id
 *   among tied maxima).
 * - Mode 1 (the mirostat paper's algorithm, as llama.cpp implements it): estimate the Zipf exponent
 *   s from the m = 100 most likely candidates, s = Σ t_i b_i / Σ t_i² with
 *   t_i = ln((i+2)/(i+1)) and b_i = ln(p_i / p_(i+1)); with ε = s - 1 and N the vocabulary size,
 *   k = ((ε · 2^mu) / (1 - N^-ε))^(1/s); keep the top max(k, 1) candidates.
 */
export const applyMirostat: Warper = (c, ctx) => {
  const p = ctx.params;
  const tau = p.mirostat_tau;
  const mu = ctx.state.mirostatMu ?? 2 * tau;
  c.toSparse();
  if (c.n === 0) return;
  c.softmax();
  if (p.mirostat_mode === 2) keepSurprisingAtMost(c, mu);
  else keepZipfTop(c, mu, ctx.vocabSize);
  const chosen = drawOne(c, ctx);
  ctx.state.mirostatMu = mu - p.mirostat_eta * (-Math.log2(chosen.probability) - tau);
};

/** Mirostat 2's truncation (`c.softmax()` done): p >= 2^-mu, or else the single best token. */
function keepSurprisingAtMost(c: Candidates, mu: number): void {
  const threshold = Math.pow(2, -mu);
  const { probs, keep, ids } = c.ws;
  let best = 0;
  let kept = 0;
  for (let i = 0; i < c.n; i++) {
    keep[i] = probs[i]! >= threshold ? 1 : 0;
    kept += keep[i]!;
    if (probs[i]! > probs[best]! || (probs[i] === probs[best] && ids[i]! < ids[best]!)) best = i;
  }
  if (kept === 0) keep[best] = 1;
  if (kept < c.n) c.retainKept();
}

/** Mirostat 1's truncation (`c.softmax()` done): the top k of the Zipf estimate. */
function keepZipfTop(c: Candidates, mu: number, vocabSize: number): void {
  const { probs } = c.ws;
  const top = c.selectTop(Math.min(100, c.n), false);
  const sel = c.ws.sel;
  let sumTB = 0;
  let sumTT = 0;
  for (let i = 0; i + 1 < top; i++) {
    const next = probs[sel[i + 1]!]!;
    if (!(next > 0)) break;
    const t = Math.log((i + 2) / (i + 1));
    const b = Math.log(probs[sel[i]!]! / next);
    sumTB += t * b;
    sumTT += t * t;
  }
  let k = 1;
  if (sumTT > 0) {
    const s = sumTB / sumTT;
    const eps = s - 1;
    const scaled =
      Math.abs(eps) < 1e-12
        ? Math.pow(2, mu) / Math.log(vocabSize) // the limit of eps / (1 - N^-eps) as eps -> 0
        : (eps * Math.pow(2, mu)) / (1 - Math.pow(vocabSize, -eps));
    const kReal = Math.pow(scaled, 1 / s);
    k = Number.isNaN(kReal) ? c.n : Math.max(Math.floor(Math.min(kReal, c.n)), 1);
  }
  const count = c.selectTop(k, false);
  c.reorder(c.ws.sel, count, c.selectionSorted);
}

/**
 * Draws one candidate with the sequence's Rng, leaves only it, and returns it with its
 * probability in the distribution it was drawn from. `before[i]`, if given, is read at the
 * chosen position before the set changes (adaptive-p's original probabilities).
 */
function drawOne(c: Candidates, ctx: StepContext, before?: Float64Array): { token: number; probability: number; before: number } {
  const token = c.draw(ctx.state.rng.next());
  c.softmax();
  const { probs, ids, sel } = c.ws;
  let chosen = 0;
  while (ids[chosen] !== token) chosen++;
  const result = { token, probability: probs[chosen]!, before: before ? before[chosen]! : Number.NaN };
  sel[0] = chosen;
  c.reorder(sel, 1, true);
  return result;
}

/** Adaptive-p's shape constants (TGW HEAD / llama.cpp): width of the favoured band, peak, sharpness. */
const ADAPTIVE_WIDTH = 0.3;
const ADAPTIVE_PEAK = 5;
const ADAPTIVE_SHARPNESS = 10;

/**
 * Adaptive-p (TGW HEAD's AdaptivePLogitsWarper): favours candidates whose probability is near a
 * target that adapts to what was chosen before. With p the current probabilities, decay
 * d = min(adaptive_decay, 0.99) and the moving average avg = weightedSum / totalWeight (started
 * at equilibrium: target / (1 - d) over 1 / (1 - d)):
 * adapted = clamp(2·target - avg, 0, 1); x = |p - adapted| / 0.3; logit' = 5 - 10·x² / (1 + x).
 * Then one draw from softmax(logit'), only that token is left, and the average takes in the
 * chosen token's original probability: weightedSum ← p + d·weightedSum, totalWeight ← 1 + d·totalWeight.
 */
export const applyAdaptiveP: Warper = (c, ctx) => {
  const target = ctx.params.adaptive_target;
  const decay = Math.min(ctx.params.adaptive_decay, 0.99);
  const ema = ctx.state.adaptiveP ?? { weightedSum: target / (1 - decay), totalWeight: 1 / (1 - decay) };
  c.toSparse();
  if (c.n === 0) return;
  c.softmax();
  const average = ema.totalWeight > 0 ? ema.weightedSum / ema.totalWeight : target;
  const adapted = Math.max(0, Math.min(1, 2 * target - average));
  const { probs, vals, keys } = c.ws;
  for (let i = 0; i < c.n; i++) {
    keys[i] = probs[i]!; // the original probability, read back for the chosen token
    const x = Math.abs(probs[i]! - adapted) / ADAPTIVE_WIDTH;
    vals[i] = ADAPTIVE_PEAK - (ADAPTIVE_SHARPNESS * x * x) / (1 + x);
  }
  c.invalidate();
  const chosen = drawOne(c, ctx, keys);
  ctx.state.adaptiveP = { weightedSum: chosen.before + decay * ema.weightedSum, totalWeight: 1 + decay * ema.totalWeight };
};
