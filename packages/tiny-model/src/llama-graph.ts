/**
 * One ONNX graph builder for every Llama-style family (Llama 2/3, Qwen 3, Gemma 3), laid out as
 * the onnx-community exports of these families are:
 *
 *   inputs   input_ids             int64 [batch_size, sequence_length]
 *            attention_mask        int64 [batch_size, total_sequence_length]
 *            position_ids          int64 [batch_size, sequence_length]
 *            past_key_values.{i}.key / .value
 *                                  float [batch_size, kv_heads, past_sequence_length, head_dim]
 *   outputs  logits                float [batch_size, sequence_length, vocab]
 *            present.{i}.key / .value
 *                                  float [batch_size, kv_heads, total_sequence_length, head_dim]
 *
 * kv_heads and head_dim are numbers (transformers.js builds the empty first cache from them).
 * Rotary embeddings are computed from position_ids (rotate-half layout, Llama 3's frequency
 * scaling, Gemma 3's local base on sliding layers), so positions and the cache matter. The
 * attention is grouped: query head h reads key/value head h / (heads / kv_heads).
 * The family differences: Qwen 3 and Gemma 3 normalise queries and keys per head; Gemma 3 scales
 * the embeddings by √hidden, has RMSNorm weights (1 + w), post-attention and pre/post-feedforward
 * norms, a tanh-GELU gate, attention scale query_pre_attn_scalar^-½ and a sliding window.
 */
import { detExp, detLog, detSqrt } from './det-math.js';
import { causalPaddingAllowed } from './attention-mask.js';
import type { FamilySpec } from './families.js';
import { weightStore, type FamilyDtype, type WeightStore } from './family-dtypes.js';
import type { FamilyTensor } from './family-weights.js';
import { ElemType, OnnxGraphBuilder } from './onnx-builder.js';

export const FAMILY_OPSET = 17;

type Builder = OnnxGraphBuilder;
interface Kv {
  key: string;
  value: string;
}

/** The inverse rotary frequencies for a RoPE base, with Llama 3's scaling when the spec has it. */
export function inverseFrequencies(spec: FamilySpec, base: number, scaled: boolean): Float32Array {
  const half = spec.headDim / 2;
  const out = new Float32Array(half);
  const scaling = scaled ? spec.ropeScaling : null;
  for (let i = 0; i < half; i++) {
    let f = detExp(-((2 * i) / spec.headDim) * detLog(base));
    if (scaling) {
      const { factor, low_freq_factor: low, high_freq_factor: high, original_max_position_embeddings: ctx } = scaling;
      const wavelength = (2 * Math.PI) / f;
      if (wavelength > ctx / low) f /= factor;
      else if (wavelength >= ctx / high) {
        const smooth = (ctx / wavelength - low) / (high - low);
        f = (1 - smooth) * (f / factor) + smooth * f;
      }
    }
    out[i] = f;
  }
  return out;
}

/** Builds the model with its weights stored as `dtype` (family-dtypes.ts) and returns the serialized ModelProto. */
export function buildFamilyOnnx(
  spec: FamilySpec,
  tensors: readonly FamilyTensor[],
  docString: string,
  producerVersion: string,
  dtype: FamilyDtype = 'fp32',
): Uint8Array {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const weight = (name: string): FamilyTensor => {
    const t = byName.get(name);
    if (!t) throw new Error(`missing tensor ${name}`);
    return t;
  };
  const g = new OnnxGraphBuilder(`tiny_${spec.family}`);
  const w = weightStore(g, dtype);
  const inputs = declareInputs(g, spec, w.ioType);
  const c = declareConstants(g, spec);
  const embed = weight('model.embed_tokens.weight');
  let hidden = w.embed(embed, inputs.inputIds);
  if (spec.gemma) hidden = g.node('Mul', [hidden, c.embedScale]);
  const rotary = rotaryTables(g, spec, inputs.positionIds, c);
  const masks = attentionMasks(g, spec, inputs, c);
  for (let i = 0; i < spec.layers; i++) {
    const sliding = spec.gemma?.layerTypes[i % spec.gemma.layerTypes.length] === 'sliding_attention';
    const ctx: LayerContext = { g, w, spec, c, weight, index: i, past: inputs.past[i] as Kv };
    hidden = decoderLayer(ctx, hidden, sliding ? rotary.local : rotary.global, sliding ? masks.sliding : masks.full);
  }
  const normed = rmsNorm(g, w, spec, c, hidden, weight('model.norm.weight'), spec.hidden);
  const fp32 = w.ioType === ElemType.FLOAT;
  const logits = spec.tied ? g.node('MatMul', [normed, w.tiedHead(embed)], {}, fp32 ? 'logits' : undefined) : w.linear(normed, weight('lm_head.weight'));
  if (!fp32 || !spec.tied) w.toIo(logits, 'logits');
  declareOutputs(g, spec, w.ioType);
  return g.encode({ opset: FAMILY_OPSET, producerName: '@textgen-spec/tiny-model', producerVersion, docString });
}

type Inputs = ReturnType<typeof declareInputs>;
type Constants = ReturnType<typeof declareConstants>;

function declareInputs(g: Builder, spec: FamilySpec, cacheType: ElemType) {
  const { INT64 } = ElemType;
  const inputIds = g.input('input_ids', INT64, ['batch_size', 'sequence_length']);
  const attentionMask = g.input('attention_mask', INT64, ['batch_size', 'total_sequence_length']);
  const positionIds = g.input('position_ids', INT64, ['batch_size', 'sequence_length']);
  const past: Kv[] = [];
  for (let i = 0; i < spec.layers; i++) {
    const shape = ['batch_size', spec.kvHeads, 'past_sequence_length', spec.headDim];
    past.push({ key: g.input(`past_key_values.${i}.key`, cacheType, shape), value: g.input(`past_key_values.${i}.value`, cacheType, shape) });
  }
  return { inputIds, attentionMask, positionIds, past };
}

function declareConstants(g: Builder, spec: FamilySpec) {
  const { heads: H, kvHeads: KV, headDim: D } = spec;
  const scalar = (name: string, v: number): string => g.float(name, [], Float32Array.of(v));
  const attentionScale = spec.gemma ? 1 / detSqrt(spec.gemma.queryPreAttnScalar) : 1 / detSqrt(D);
  return {
    axis1: g.int64('const_axes_1', [1]),
    axis2: g.int64('const_axes_2', [2]),
    axes12: g.int64('const_axes_1_2', [1, 2]),
    zeroScalar: g.int64('const_zero_scalar', [0], []),
    oneScalar: g.int64('const_one_scalar', [1], []),
    twoScalar: g.int64('const_two_scalar', [2], []),
    sliceStart0: g.int64('const_slice_0', [0]),
    sliceHalf: g.int64('const_slice_half', [D / 2]),
    sliceEnd: g.int64('const_slice_end', [D]),
    sliceAxis: g.int64('const_slice_axis', [3]),
    windowSize: g.int64('const_sliding_window', [spec.gemma?.slidingWindow ?? 0], []),
    qHeadsShape: g.int64('const_q_heads_shape', [0, 0, H, D]),
    kvHeadsShape: g.int64('const_kv_heads_shape', [0, 0, KV, D]),
    groupedShape: g.int64('const_grouped_shape', [0, KV, H / KV, -1, D]),
    ungroupedShape: g.int64('const_ungrouped_shape', [0, H, -1, D]),
    mergedShape: g.int64('const_merged_shape', [0, 0, H * D]),
    maskedScore: scalar('const_masked_score', -1e9),
    zeroScore: scalar('const_zero_score', 0),
    attentionScale: scalar('const_attention_scale', attentionScale),
    epsilon: scalar('const_rms_epsilon', spec.rmsNormEps),
    embedScale: scalar('const_embed_scale', detSqrt(spec.hidden)),
    half: scalar('const_half', 0.5),
    oneFloat: scalar('const_one_float', 1),
    geluCubic: scalar('const_gelu_cubic', 0.044715),
    geluScale: scalar('const_gelu_scale', detSqrt(2 / Math.PI)),
  };
}

/** RMSNorm over the last axis: x / √(mean(x²) + ε) · scale (Gemma: the stored weight + 1). */
function rmsNorm(g: Builder, w: WeightStore, spec: FamilySpec, c: Constants, x: string, t: FamilyTensor, size: number): string {
  const scale = spec.gemma ? t.data.map((w) => w + 1) : t.data;
  const meanSquare = g.node('ReduceMean', [g.node('Mul', [x, x])], { axes: [-1], keepdims: 1 });
  const rms = g.node('Sqrt', [g.node('Add', [meanSquare, c.epsilon])]);
  return g.node('Mul', [g.node('Div', [x, rms]), w.vector(t.name, [size], scale)]);
}

interface Rotary {
  cos: string;
  sin: string;
}

/** cos and sin [batch, 1, seq, head_dim] of position_ids × inverse frequencies, per RoPE base. */
function rotaryTables(g: Builder, spec: FamilySpec, positionIds: string, c: Constants): { global: Rotary; local: Rotary } {
  const positions = g.node('Unsqueeze', [g.node('Cast', [positionIds], { to: ElemType.FLOAT }), g.int64('const_axes_last', [2])]);
  const table = (name: string, inv: Float32Array): Rotary => {
    const freqs = g.node('Mul', [positions, g.float(name, [inv.length], inv)]);
    const angles = g.node('Concat', [freqs, freqs], { axis: -1 });
    return { cos: g.node('Unsqueeze', [g.node('Cos', [angles]), c.axis1]), sin: g.node('Unsqueeze', [g.node('Sin', [angles]), c.axis1]) };
  };
  const global = table('rotary.inv_freq', inverseFrequencies(spec, spec.ropeTheta, true));
  const local = spec.gemma ? table('rotary_local.inv_freq', inverseFrequencies(spec, spec.gemma.ropeLocalBaseFreq, false)) : global;
  return { global, local };
}

function applyRotary(g: Builder, c: Constants, x: string, r: Rotary): string {
  const x1 = g.node('Slice', [x, c.sliceStart0, c.sliceHalf, c.sliceAxis]);
  const x2 = g.node('Slice', [x, c.sliceHalf, c.sliceEnd, c.sliceAxis]);
  const rotated = g.node('Concat', [g.node('Neg', [x2]), x1], { axis: -1 });
  return g.node('Add', [g.node('Mul', [x, r.cos]), g.node('Mul', [rotated, r.sin])]);
}

/**
 * Attention biases [batch, 1, 1, seq, total] (0 = may attend, -1e9 = may not): causal (key
 * position <= past + query) and not padding; the sliding one also needs query − key < window.
 */
function attentionMasks(g: Builder, spec: FamilySpec, inputs: Inputs, c: Constants): { full: string; sliding: string } {
  const { allowed, keyPositions, queryPositions } = causalPaddingAllowed(g, { ...inputs, ...c, pastKey: inputs.past[0]?.key as string });
  const toBias = (mask: string): string => g.node('Unsqueeze', [g.node('Where', [mask, c.zeroScore, c.maskedScore]), c.axis1]);
  const full = toBias(allowed);
  if (!spec.gemma) return { full, sliding: full };
  const inWindow = g.node('Less', [g.node('Sub', [queryPositions, keyPositions]), c.windowSize]);
  return { full, sliding: toBias(g.node('And', [allowed, inWindow])) };
}

interface LayerContext {
  g: Builder;
  w: WeightStore;
  spec: FamilySpec;
  c: Constants;
  weight: (name: string) => FamilyTensor;
  index: number;
  past: Kv;
}

/** Self-attention with the KV cache and grouped heads; returns the o_proj output [batch, seq, hidden]. */
function selfAttention(ctx: LayerContext, x: string, rotary: Rotary, bias: string): string {
  const { g, w, spec, c, weight, index: i, past } = ctx;
  const p = `model.layers.${i}.self_attn`;
  const heads = (name: string, shape: string): string =>
    g.node('Transpose', [g.node('Reshape', [w.linear(x, weight(`${p}.${name}.weight`)), shape])], { perm: [0, 2, 1, 3] });
  let q = heads('q_proj', c.qHeadsShape);
  let k = heads('k_proj', c.kvHeadsShape);
  const v = heads('v_proj', c.kvHeadsShape);
  if (spec.qkNorm) {
    q = rmsNorm(g, w, spec, c, q, weight(`${p}.q_norm.weight`), spec.headDim);
    k = rmsNorm(g, w, spec, c, k, weight(`${p}.k_norm.weight`), spec.headDim);
  }
  q = applyRotary(g, c, q, rotary);
  k = applyRotary(g, c, k, rotary);
  // The cache holds the I/O type (float16 in fp16 graphs); the arithmetic is float32.
  const key = w.fromIo(g.node('Concat', [past.key, w.toIo(k)], { axis: 2 }, `present.${i}.key`));
  const value = w.fromIo(g.node('Concat', [past.value, w.toIo(v)], { axis: 2 }, `present.${i}.value`));
  const grouped = g.node('Reshape', [g.node('Mul', [q, c.attentionScale]), c.groupedShape]);
  const keys = g.node('Transpose', [g.node('Unsqueeze', [key, c.axis2])], { perm: [0, 1, 2, 4, 3] });
  const scores = g.node('Add', [g.node('MatMul', [grouped, keys]), bias]);
  const context = g.node('MatMul', [g.node('Softmax', [scores], { axis: -1 }), g.node('Unsqueeze', [value, c.axis2])]);
  const merged = g.node('Reshape', [g.node('Transpose', [g.node('Reshape', [context, c.ungroupedShape])], { perm: [0, 2, 1, 3] }), c.mergedShape]);
  return w.linear(merged, weight(`${p}.o_proj.weight`));
}

/** Gated MLP: down(act(gate(x)) · up(x)), act = SiLU or tanh-GELU. */
function gatedMlp(ctx: LayerContext, x: string): string {
  const { g, w, spec, c, weight, index: i } = ctx;
  const p = `model.layers.${i}.mlp`;
  const gate = w.linear(x, weight(`${p}.gate_proj.weight`));
  const up = w.linear(x, weight(`${p}.up_proj.weight`));
  let act: string;
  if (spec.activation === 'silu') act = g.node('Mul', [gate, g.node('Sigmoid', [gate])]);
  else {
    const cubic = g.node('Mul', [g.node('Mul', [g.node('Mul', [gate, gate]), gate]), c.geluCubic]);
    const tanh = g.node('Tanh', [g.node('Mul', [g.node('Add', [gate, cubic]), c.geluScale])]);
    act = g.node('Mul', [g.node('Mul', [gate, c.half]), g.node('Add', [tanh, c.oneFloat])]);
  }
  return w.linear(g.node('Mul', [act, up]), weight(`${p}.down_proj.weight`));
}

function decoderLayer(ctx: LayerContext, hidden: string, rotary: Rotary, bias: string): string {
  const { g, w, spec, c, weight, index: i } = ctx;
  const p = `model.layers.${i}`;
  const norm = (x: string, name: string): string => rmsNorm(g, w, spec, c, x, weight(`${p}.${name}.weight`), spec.hidden);
  const attention = selfAttention(ctx, norm(hidden, 'input_layernorm'), rotary, bias);
  if (spec.gemma) {
    const h = g.node('Add', [hidden, norm(attention, 'post_attention_layernorm')]);
    return g.node('Add', [h, norm(gatedMlp(ctx, norm(h, 'pre_feedforward_layernorm')), 'post_feedforward_layernorm')]);
  }
  const h = g.node('Add', [hidden, attention]);
  return g.node('Add', [h, gatedMlp(ctx, norm(h, 'post_attention_layernorm'))]);
}

function declareOutputs(g: Builder, spec: FamilySpec, ioType: ElemType): void {
  g.output('logits', ioType, ['batch_size', 'sequence_length', spec.vocabSize]);
  for (let i = 0; i < spec.layers; i++) {
    const shape = ['batch_size', spec.kvHeads, 'total_sequence_length', spec.headDim];
    g.output(`present.${i}.key`, ioType, shape);
    g.output(`present.${i}.value`, ioType, shape);
  }
}
