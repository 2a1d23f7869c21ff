/**
 * Weights of a family model (Llama-style decoder) that make it the word-bigram model of the
 * corpus, in Hugging Face's tensor names and layout ([out, in] for linear weights), the same
 * construction as the GPT-2 default (weights.ts) adapted to RMSNorm, a gated MLP and Gemma 3's
 * scaled embeddings and post-norms:
 *
 * - Embeddings are the GPT-2 design's rows (unit RMS, so RMSNorm leaves them unchanged) plus one
 *   constant coordinate BIAS (= 1 in every row; taken from the free coordinates).
 * - The gated MLP of the last layer computes (A − I)·x exactly with one unit per coordinate c:
 *   gate = K·x[BIAS] (act(K) = K for K = 20, both for SiLU and tanh-GELU), up = x[c], and
 *   down column c = column c of (A − I) / K. The other half of its units are random.
 * - Llama / Qwen 3: residual e_i + (A − I)·e_i = t_i, the designed final state (weights.ts).
 * - Gemma 3: the residual is √d·e_i and the MLP output passes a post-feedforward RMSNorm of
 *   weight (1 + w) = 2√d. Column i of A is scaled by α_i, the root of |α·t_i − e_i|² = 4d, so
 *   that norm(α_i·t_i − e_i) = √d·(α_i·t_i − e_i) and the residual becomes √d·α_i·t_i: after the
 *   final norm, t_i again. After a token outside the corpus this holds approximately.
 * - Attention and the first layer's MLP are random with outputs of about 0.3 % of the residual
 *   (Gemma 3: post-norm weights of that size), so positions, RoPE and the KV cache change the
 *   logits measurably without drowning the bigram.
 */
import type { BigramTable } from './bigram.js';
import { Rng, detSqrt } from './det-math.js';
import type { FamilySpec } from './families.js';
import {
  MARK_VALUE,
  OTHER_TOKEN_LOGIT,
  OTHER_TOKEN_LOGIT_SPREAD,
  RESIDUAL_NOISE,
  TARGET_BIAS,
  designedMap,
  filled,
  layout,
  normals,
  padToUnitVariance,
  randomFreeDirection,
  type Layout,
} from './weights.js';

/** One weight tensor, HF safetensors name and layout (row-major, [out, in] for linear weights). */
export interface FamilyTensor {
  name: string;
  dims: number[];
  data: Float32Array;
}

/** The gate pre-activation of the designed MLP units: act(K) = K exactly in float32. */
export const GATE_CONSTANT = 20;
const BIAS_VALUE = 1;

interface FamilyLayout extends Layout {
  bias: number;
}

function familyLayout(d: number, n: number): FamilyLayout {
  const L = layout(d, n);
  return { ...L, bias: L.free[0] as number, free: L.free.slice(1) };
}

/** Designs every tensor of the family model (random draws: embeddings, then layer by layer). */
export function designFamilyTensors(spec: FamilySpec, table: BigramTable): FamilyTensor[] {
  const { hidden: d, vocabSize: V, layers } = spec;
  const L = familyLayout(d, table.tokens.length);
  const s = detSqrt(d / 2);
  const rng = new Rng(spec.seed);
  const embed = familyEmbeddings(spec, table, L, s, rng);
  const tensors: FamilyTensor[] = [{ name: 'model.embed_tokens.weight', dims: [V, d], data: embed }];
  const columnOfA = scaledMap(spec, table, L, s, embed);
  for (let layer = 0; layer < layers; layer++) {
    tensors.push(...randomLayer(spec, layer, rng, layer === layers - 1 ? columnOfA : null, L.bias));
  }
  tensors.push({ name: 'model.norm.weight', dims: [d], data: normWeight(spec, 1) });
  if (!spec.tied) tensors.push({ name: 'lm_head.weight', dims: [V, d], data: embed.slice() });
  return tensors;
}

/** A norm's stored weight for an effective scale (Gemma stores scale − 1: it multiplies by 1 + w). */
function normWeight(spec: FamilySpec, scale: number, size = spec.hidden): Float32Array {
  return filled(size, spec.gemma ? scale - 1 : scale);
}

function familyEmbeddings(spec: FamilySpec, table: BigramTable, L: FamilyLayout, s: number, rng: Rng): Float32Array {
  const { vocabSize: V, hidden: d } = spec;
  const slotOf = new Map(table.tokens.map((id, i) => [id, i]));
  const embed = new Float32Array(V * d);
  const row = new Float64Array(d);
  const freeNorm = detSqrt(0.4 * (d - 2 * MARK_VALUE * MARK_VALUE - BIAS_VALUE * BIAS_VALUE));
  for (let v = 0; v < V; v++) {
    row.fill(0);
    const slot = slotOf.get(v);
    if (slot !== undefined) {
      row[slot] = s;
      row[L.one] = (table.logFloor[slot] as number) / TARGET_BIAS;
    } else {
      row[L.one] = (OTHER_TOKEN_LOGIT + OTHER_TOKEN_LOGIT_SPREAD * rng.normal()) / TARGET_BIAS;
      row[L.mark] = MARK_VALUE;
      randomFreeDirection(row, L.free, freeNorm, rng);
    }
    row[L.bias] = BIAS_VALUE;
    padToUnitVariance(row, L.embeddingPads);
    for (let c = 0; c < d; c++) embed[v * d + c] = row[c] as number;
  }
  return embed;
}

/** α with |α·t − e|² = 4d, for |t|² = |e|² = d (Gemma 3's post-norm cancellation, file comment). */
function gemmaScale(tDotE: number, d: number): number {
  return (tDotE + detSqrt(tDotE * tDotE + 3 * d * d)) / d;
}

/** The columns of A (weights.ts), each scaled by Gemma 3's α (1 for the other families). */
function scaledMap(spec: FamilySpec, table: BigramTable, L: FamilyLayout, s: number, embed: Float32Array) {
  const d = spec.hidden;
  const columnOfA = designedMap(d, table, L, s);
  if (!spec.gemma) return columnOfA;
  return (c: number): Float64Array | null => {
    const column = columnOfA(c);
    if (!column) return null;
    let tDotE: number;
    if (c < L.n) {
      // column = t_c / s and e_c is the embedding row of corpus token c.
      const base = (table.tokens[c] as number) * d;
      tDotE = 0;
      for (let r = 0; r < d; r++) tDotE += (column[r] as number) * s * (embed[base + r] as number);
    } else {
      tDotE = OTHER_TOKEN_LOGIT; // t_unk·e_u = κ·(−30/κ) for a typical token outside the corpus
    }
    const alpha = gemmaScale(tDotE, d);
    return column.map((x) => x * alpha);
  };
}

type ColumnOfA = (c: number) => Float64Array | null;

/** One decoder layer; the last one's MLP carries the designed map (file comment). */
function randomLayer(spec: FamilySpec, layer: number, rng: Rng, columnOfA: ColumnOfA | null, bias: number): FamilyTensor[] {
  const { hidden: d, heads: H, kvHeads: KV, headDim: D, intermediate: I } = spec;
  const p = `model.layers.${layer}`;
  const inputStd = 1 / detSqrt(d);
  const noise = RESIDUAL_NOISE * detSqrt(d); // Gemma's post-norm scale: 0.3 % of the residual √d
  const oStd = spec.gemma ? 1 / detSqrt(H * D) : RESIDUAL_NOISE / detSqrt(H * D);
  const out: FamilyTensor[] = [
    { name: `${p}.input_layernorm.weight`, dims: [d], data: normWeight(spec, 1) },
    { name: `${p}.self_attn.q_proj.weight`, dims: [H * D, d], data: normals(rng, H * D * d, inputStd) },
    { name: `${p}.self_attn.k_proj.weight`, dims: [KV * D, d], data: normals(rng, KV * D * d, inputStd) },
    { name: `${p}.self_attn.v_proj.weight`, dims: [KV * D, d], data: normals(rng, KV * D * d, inputStd) },
    { name: `${p}.self_attn.o_proj.weight`, dims: [d, H * D], data: normals(rng, d * H * D, oStd) },
  ];
  if (spec.qkNorm) {
    out.push({ name: `${p}.self_attn.q_norm.weight`, dims: [D], data: normWeight(spec, 1, D) });
    out.push({ name: `${p}.self_attn.k_norm.weight`, dims: [D], data: normWeight(spec, 1, D) });
  }
  out.push({ name: `${p}.post_attention_layernorm.weight`, dims: [d], data: normWeight(spec, spec.gemma ? noise : 1) });
  const actStd = 0.6; // std of act(z)·u for z, u ~ N(0, 1)
  const gate = normals(rng, I * d, inputStd);
  const up = normals(rng, I * d, inputStd);
  // Gemma's first MLP is rescaled by its post-norm; everywhere else the random units stay small.
  const downStd = (spec.gemma && !columnOfA ? 1 : RESIDUAL_NOISE) / (actStd * detSqrt(I));
  const down = normals(rng, d * I, downStd);
  if (columnOfA) designLastMlp(spec, { gate, up, down }, columnOfA, bias);
  if (spec.gemma) out.push({ name: `${p}.pre_feedforward_layernorm.weight`, dims: [d], data: normWeight(spec, 1) });
  out.push(
    { name: `${p}.mlp.gate_proj.weight`, dims: [I, d], data: gate },
    { name: `${p}.mlp.up_proj.weight`, dims: [I, d], data: up },
    { name: `${p}.mlp.down_proj.weight`, dims: [d, I], data: down },
  );
  if (spec.gemma) {
    const scale = columnOfA ? 2 * detSqrt(d) : noise;
    out.push({ name: `${p}.post_feedforward_layernorm.weight`, dims: [d], data: normWeight(spec, scale) });
  }
  return out;
}

/** Units 0..d−1: gate = K·x[BIAS], up = x[c], down column c = (A − I)[:, c] / K. */
function designLastMlp(
  spec: FamilySpec,
  w: { gate: Float32Array; up: Float32Array; down: Float32Array },
  columnOfA: ColumnOfA,
  bias: number,
): void {
  const { hidden: d, intermediate: I } = spec;
  if (I < 2 * d) throw new Error('the gated MLP needs at least 2 × hidden units');
  for (let c = 0; c < d; c++) {
    for (let r = 0; r < d; r++) {
      w.gate[c * d + r] = r === bias ? GATE_CONSTANT / BIAS_VALUE : 0;
      w.up[c * d + r] = r === c ? 1 : 0;
    }
    const column = columnOfA(c);
    for (let r = 0; r < d; r++) {
      w.down[r * I + c] = ((column ? (column[r] as number) : 0) - (r === c ? 1 : 0)) / GATE_CONSTANT;
    }
  }
}
