/**
 * Weights for a GPT-2 graph (tied LM head, exact GELU) that make it behave like a word-bigram
 * model of the corpus, while its attention and MLP blocks still run real random weights.
 *
 * How the bigram table gets into a transformer. Let d be the width and n the number of distinct
 * corpus tokens (end-of-text included). The residual coordinates are split into
 *
 *   SLOT[0..n)  one coordinate per corpus token
 *   ONE         carries a per-token constant (embeddings) and a fixed value κ (final states)
 *   MARK        set in every non-corpus token's embedding
 *   EPAD[..]    pads that give each embedding mean 0 and variance 1
 *   TPAD[..]    pads that give each designed final state mean 0 and variance 1
 *   FREE[..]    the rest: a random direction for each non-corpus token
 *
 * 1. Embeddings (wte, also the output matrix because the head is tied). Corpus token j:
 *    s at SLOT[j] and logFloor[j]/κ at ONE. Any other token u: about -30/κ at ONE, `a` at MARK and
 *    a random vector in FREE. EPAD makes each row mean 0, variance 1, so a LayerNorm leaves it as is.
 *
 * 2. Designed final states. After corpus token i the final hidden state should be
 *    t_i = (logProb[i][j] - logFloor[j]) / s at SLOT[j], κ at ONE, TPAD for mean 0, variance 1;
 *    after any other token, t_unk = κ at ONE (plus TPAD). The logits are the dot products with the
 *    embeddings, and only SLOT and ONE overlap, so:
 *      logit(corpus j | i) = s·(logProb[i][j] - logFloor[j])/s + κ·logFloor[j]/κ = logProb[i][j]
 *      logit(corpus j | unknown) = logFloor[j]   (the smoothed unigram: softmax of it is the unigram)
 *      logit(other token u) ≈ -30                 (never likely)
 *
 * 3. The last layer's MLP turns the embedding into the designed state. The map A with
 *    A·SLOT[i] = t_i/s, A·MARK = t_unk/a and A = 0 on every other coordinate sends e_i to t_i and
 *    every non-corpus embedding to t_unk. The residual connection adds the input back, so the MLP
 *    computes (A - I)·x, exactly, with one pair of hidden units per coordinate:
 *    GELU(z) - GELU(-z) = z for the exact GELU. The other half of its hidden units are random.
 *
 * 4. Everything else is random: positions, Q/K/V, attention output projections, the first MLPs.
 *    Their outputs into the residual stream are kept small (std about 0.003 per coordinate), so
 *    they perturb the logits by about a tenth of a nat, depending on the context. The KV cache is
 *    therefore used for real: a wrong cache changes the logits measurably.
 */
import type { BigramTable } from './bigram.js';
import { Rng, detSqrt } from './det-math.js';
import type { Gpt2Architecture } from './variants.js';

export interface LayerNormWeights {
  gamma: Float32Array;
  beta: Float32Array;
}

export interface LayerWeights {
  ln1: LayerNormWeights;
  /** [hidden, 3·hidden]: Q, K and V projections side by side (GPT-2's c_attn). */
  attnW: Float32Array;
  attnB: Float32Array;
  /** [hidden, hidden] (GPT-2's c_proj). */
  projW: Float32Array;
  projB: Float32Array;
  ln2: LayerNormWeights;
  /** [hidden, inner] (c_fc). */
  fcW: Float32Array;
  fcB: Float32Array;
  /** [inner, hidden] (mlp c_proj). */
  fcProjW: Float32Array;
  fcProjB: Float32Array;
}

export interface Gpt2Weights {
  /** [vocab, hidden]; also the LM head (tied). */
  wte: Float32Array;
  /** [positions, hidden]. */
  wpe: Float32Array;
  layers: LayerWeights[];
  lnF: LayerNormWeights;
}

/** Constants of the construction (see the file comment). */
export const TARGET_BIAS = 5; // κ
export const OTHER_TOKEN_LOGIT = -30;
export const OTHER_TOKEN_LOGIT_SPREAD = 1;
export const MARK_VALUE = -OTHER_TOKEN_LOGIT / TARGET_BIAS; // a: balances the ONE coordinate of other tokens
const EMBEDDING_PADS = 4;
const TARGET_PADS = 8;
/** Std of each random block's contribution to one residual coordinate. */
export const RESIDUAL_NOISE = 0.003;

export interface Layout {
  n: number;
  one: number;
  mark: number;
  embeddingPads: number[];
  targetPads: number[];
  free: number[];
}

export function layout(hidden: number, n: number): Layout {
  const one = n;
  const mark = n + 1;
  const range = (start: number, count: number): number[] => Array.from({ length: count }, (_, i) => start + i);
  const embeddingPads = range(n + 2, EMBEDDING_PADS);
  const targetPads = range(n + 2 + EMBEDDING_PADS, TARGET_PADS);
  const freeStart = n + 2 + EMBEDDING_PADS + TARGET_PADS;
  if (hidden - freeStart < 8) {
    throw new Error(`hidden size ${hidden} is too small for a bigram table of ${n} tokens (needs >= ${freeStart + 8})`);
  }
  return { n, one, mark, embeddingPads, targetPads, free: range(freeStart, hidden - freeStart) };
}

/**
 * Sets the (zero) pad coordinates of `v` so that v has mean 0 and variance 1 (sum 0, sum of
 * squares = length): all pads take the value that cancels the sum, then a ±q pair adds the
 * missing sum of squares without changing the sum.
 */
export function padToUnitVariance(v: Float64Array, pads: readonly number[]): void {
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < v.length; i++) {
    sum += v[i] as number;
    squares += (v[i] as number) * (v[i] as number);
  }
  const m = -sum / pads.length;
  const missing = v.length - squares - pads.length * m * m;
  if (missing < 0) throw new Error('embedding design: a row is too large to normalise; widen the model');
  const q = detSqrt(missing / 2);
  for (const p of pads) v[p] = m;
  v[pads[0] as number] = m + q;
  v[pads[1] as number] = m - q;
}

export function normals(rng: Rng, count: number, std: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = rng.normal() * std;
  return out;
}

export function filled(count: number, value: number): Float32Array {
  return new Float32Array(count).fill(value);
}

function layerNorm(hidden: number): LayerNormWeights {
  return { gamma: filled(hidden, 1), beta: filled(hidden, 0) };
}

/** Designs all weights; `seed` drives every random draw (in this order: wte, wpe, then layer by layer). */
export function designWeights(arch: Gpt2Architecture, table: BigramTable, seed: number): Gpt2Weights {
  const { hidden: d, positions, layers: layerCount, inner } = arch;
  if (inner < 2 * d) throw new Error('the MLP needs at least 2 × hidden units: one pair per coordinate for the designed map');
  const L = layout(d, table.tokens.length);
  const s = detSqrt(d / 2); // slot scale: uses half of each embedding's unit-variance budget
  const rng = new Rng(seed);
  const wte = tokenEmbeddings(arch, table, L, s, rng);
  const columnOfA = designedMap(d, table, L, s);
  const wpe = normals(rng, positions * d, RESIDUAL_NOISE);
  const layers: LayerWeights[] = [];
  for (let layer = 0; layer < layerCount; layer++) {
    const weights = randomLayer(arch, rng);
    if (layer === layerCount - 1) designLastMlp(arch, weights, columnOfA);
    layers.push(weights);
  }
  return { wte, wpe, layers, lnF: layerNorm(d) };
}

/** 1. Token embeddings: corpus tokens on their slot, the others marked with a random free direction. */
function tokenEmbeddings(arch: Gpt2Architecture, table: BigramTable, L: Layout, s: number, rng: Rng): Float32Array {
  const { vocabSize: V, hidden: d } = arch;
  const { one, mark } = L;
  const slotOf = new Map(table.tokens.map((id, i) => [id, i]));
  const wte = new Float32Array(V * d);
  const row = new Float64Array(d);
  const freeNorm = detSqrt(0.4 * (d - MARK_VALUE * MARK_VALUE - MARK_VALUE * MARK_VALUE));
  for (let v = 0; v < V; v++) {
    row.fill(0);
    const slot = slotOf.get(v);
    if (slot !== undefined) {
      row[slot] = s;
      row[one] = (table.logFloor[slot] as number) / TARGET_BIAS;
    } else {
      row[one] = (OTHER_TOKEN_LOGIT + OTHER_TOKEN_LOGIT_SPREAD * rng.normal()) / TARGET_BIAS;
      row[mark] = MARK_VALUE;
      randomFreeDirection(row, L.free, freeNorm, rng);
    }
    padToUnitVariance(row, L.embeddingPads);
    for (let c = 0; c < d; c++) wte[v * d + c] = row[c] as number;
  }
  return wte;
}

/** Writes a random zero-mean direction of norm `norm` into the `free` coordinates of `row`. */
export function randomFreeDirection(row: Float64Array, free: readonly number[], norm: number, rng: Rng): void {
  let mean = 0;
  for (const f of free) {
    row[f] = rng.normal();
    mean += row[f] as number;
  }
  mean /= free.length;
  let squares = 0;
  for (const f of free) {
    row[f] = (row[f] as number) - mean;
    squares += (row[f] as number) * (row[f] as number);
  }
  const scale = norm / detSqrt(squares);
  for (const f of free) row[f] = (row[f] as number) * scale;
}

/**
 * 2. and 3. The designed final states t_i (one per corpus token) and t_unk, and the map A
 * (column c = where input coordinate c goes) as a function of c.
 */
export function designedMap(d: number, table: BigramTable, L: Layout, s: number): (c: number) => Float64Array | null {
  const { n, one, mark } = L;
  const targets: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const t = new Float64Array(d);
    for (let j = 0; j < n; j++) t[j] = ((table.logProb[i * n + j] as number) - (table.logFloor[j] as number)) / s;
    t[one] = TARGET_BIAS;
    padToUnitVariance(t, L.targetPads);
    targets.push(t);
  }
  const unknownTarget = new Float64Array(d);
  unknownTarget[one] = TARGET_BIAS;
  padToUnitVariance(unknownTarget, L.targetPads);
  return (c) => {
    if (c < n) return (targets[c] as Float64Array).map((x) => x / s);
    if (c === mark) return unknownTarget.map((x) => x / MARK_VALUE);
    return null;
  };
}

/** 4. A random block (the draws in a fixed order). */
function randomLayer(arch: Gpt2Architecture, rng: Rng): LayerWeights {
  const { hidden: d, inner } = arch;
  const inputStd = 1 / detSqrt(d); // inputs are LayerNorm outputs (unit variance per coordinate)
  const outputStd = RESIDUAL_NOISE / detSqrt(d);
  const geluOutputStd = 0.65; // std of GELU(z) for z ~ N(0, 1)
  const attnW = normals(rng, d * 3 * d, inputStd);
  const attnB = normals(rng, 3 * d, 0.02);
  const projW = normals(rng, d * d, outputStd);
  const fcW = normals(rng, d * inner, inputStd);
  const fcB = normals(rng, inner, 0.1);
  const fcProjW = normals(rng, inner * d, RESIDUAL_NOISE / (geluOutputStd * detSqrt(inner)));
  return { ln1: layerNorm(d), attnW, attnB, projW, projB: filled(d, 0), ln2: layerNorm(d), fcW, fcB, fcProjW, fcProjB: filled(d, 0) };
}

/**
 * The designed MLP of the last layer: hidden units 2c and 2c+1 compute GELU(x_c) and
 * GELU(-x_c); their difference is x_c, which the output weights send to column c of (A - I).
 */
function designLastMlp(arch: Gpt2Architecture, w: LayerWeights, columnOfA: (c: number) => Float64Array | null): void {
  const { hidden: d, inner } = arch;
  for (let c = 0; c < d; c++) {
    for (let r = 0; r < d; r++) {
      w.fcW[r * inner + 2 * c] = r === c ? 1 : 0;
      w.fcW[r * inner + 2 * c + 1] = r === c ? -1 : 0;
    }
    w.fcB[2 * c] = 0;
    w.fcB[2 * c + 1] = 0;
    const column = columnOfA(c);
    for (let r = 0; r < d; r++) {
      const value = (column ? (column[r] as number) : 0) - (r === c ? 1 : 0);
      w.fcProjW[2 * c * d + r] = value;
      w.fcProjW[(2 * c + 1) * d + r] = -value;
    }
  }
}
