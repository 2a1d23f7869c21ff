/**
 * The ONNX graph of a GPT-2-style causal LM with a KV cache, in the input/output layout that
 * transformers.js 4.x expects of a decoder-only model:
 *
 *   inputs   input_ids             int64 [batch_size, sequence_length]
 *            attention_mask        int64 [batch_size, total_sequence_length]
 *            position_ids          int64 [batch_size, sequence_length]
 *            past_key_values.{i}.key / .value
 *                                  float [batch_size, heads, past_sequence_length, head_dim]
 *            num_logits_to_keep    int64 scalar: 0 = logits for every position, k > 0 = the last k
 *   outputs  logits                float [batch_size, logits_sequence_length, vocab]
 *            present.{i}.key / .value
 *                                  float [batch_size, heads, total_sequence_length, head_dim]
 *            last_hidden_state     float [batch_size, sequence_length, hidden] (after ln_f)
 *
 * Heads and head_dim are fixed numbers and the past length has its own symbolic name: on the
 * first step transformers.js builds the empty cache from these shapes, turning every symbolic
 * dimension other than batch_size into 0.
 */
import { detSqrt } from './det-math.js';
import { ElemType, OnnxGraphBuilder } from './onnx-builder.js';
import type { Gpt2Architecture } from './variants.js';
import type { Gpt2Weights } from './weights.js';

export const OPSET = 17;

/** Builds the graph and returns the serialized ModelProto. */
export function buildGpt2Onnx(arch: Gpt2Architecture, weights: Gpt2Weights, docString: string, producerVersion: string): Uint8Array {
  const { vocabSize: V, hidden: d, heads: H, layers, inner, positions, layerNormEpsilon } = arch;
  if (d % H !== 0) throw new Error('hidden must be a multiple of heads');
  const D = d / H;
  const g = new OnnxGraphBuilder('tiny_gpt2');
  const { FLOAT, INT64 } = ElemType;

  // Inputs.
  const inputIds = g.input('input_ids', INT64, ['batch_size', 'sequence_length']);
  const attentionMask = g.input('attention_mask', INT64, ['batch_size', 'total_sequence_length']);
  const positionIds = g.input('position_ids', INT64, ['batch_size', 'sequence_length']);
  const past: { key: string; value: string }[] = [];
  for (let i = 0; i < layers; i++) {
    const shape = ['batch_size', H, 'past_sequence_length', D];
    past.push({
      key: g.input(`past_key_values.${i}.key`, FLOAT, shape),
      value: g.input(`past_key_values.${i}.value`, FLOAT, shape),
    });
  }
  const numLogitsToKeep = g.input('num_logits_to_keep', INT64, []);

  // Constants.
  const axis0 = g.int64('const_axes_0', [0]);
  const axis1 = g.int64('const_axes_1', [1]);
  const axes12 = g.int64('const_axes_1_2', [1, 2]);
  const one = g.int64('const_one', [1]);
  const zeroScalar = g.int64('const_zero_scalar', [0], []);
  const oneScalar = g.int64('const_one_scalar', [1], []);
  const twoScalar = g.int64('const_two_scalar', [2], []);
  const int64Max = g.int64('const_int64_max', [Number.MAX_SAFE_INTEGER]);
  const splitSizes = g.int64('const_qkv_split', [d, d, d]);
  const headsShape = g.int64('const_heads_shape', [0, 0, H, D]);
  const mergedShape = g.int64('const_merged_shape', [0, 0, d]);
  const maskedScore = g.float('const_masked_score', [], Float32Array.of(-1e9));
  const zeroScore = g.float('const_zero_score', [], Float32Array.of(0));
  const attentionScale = g.float('const_attention_scale', [], Float32Array.of(1 / detSqrt(D)));
  const half = g.float('const_half', [], Float32Array.of(0.5));
  const oneFloat = g.float('const_one_float', [], Float32Array.of(1));
  const invSqrt2 = g.float('const_inv_sqrt2', [], Float32Array.of(Math.SQRT1_2));

  // Embeddings.
  const wte = g.float('transformer.wte.weight', [V, d], weights.wte);
  const wpe = g.float('transformer.wpe.weight', [positions, d], weights.wpe);
  let hidden = g.node('Add', [g.node('Gather', [wte, inputIds]), g.node('Gather', [wpe, positionIds])]);

  // Attention bias [batch, 1, seq, total]: 0 where a query may look at a key, -1e9 elsewhere.
  // Causal part: key position k <= past + q; padding part: attention_mask[b, k] == 1.
  const seqLen = g.node('Gather', [g.node('Shape', [inputIds]), oneScalar]);
  const pastLen = g.node('Gather', [g.node('Shape', [past[0]?.key as string]), twoScalar]);
  const totalLen = g.node('Add', [pastLen, seqLen]);
  const keyPositions = g.node('Range', [zeroScalar, totalLen, oneScalar]);
  const queryPositions = g.node('Unsqueeze', [g.node('Range', [pastLen, totalLen, oneScalar]), axis1]);
  const causal = g.node('LessOrEqual', [keyPositions, queryPositions]);
  const notPadding = g.node('Unsqueeze', [g.node('Cast', [attentionMask], { to: ElemType.BOOL }), axes12]);
  const allowed = g.node('And', [causal, notPadding]);
  const attentionBias = g.node('Where', [allowed, zeroScore, maskedScore]);

  const layerNorm = (x: string, prefix: string, w: { gamma: Float32Array; beta: Float32Array }): string =>
    g.node(
      'LayerNormalization',
      [x, g.float(`${prefix}.weight`, [d], w.gamma), g.float(`${prefix}.bias`, [d], w.beta)],
      { axis: -1, epsilon: { float: layerNormEpsilon } },
    );
  const linear = (x: string, prefix: string, inDim: number, outDim: number, w: Float32Array, b: Float32Array): string =>
    g.node('Add', [
      g.node('MatMul', [x, g.float(`${prefix}.weight`, [inDim, outDim], w)]),
      g.float(`${prefix}.bias`, [outDim], b),
    ]);
  const toHeads = (x: string): string => g.node('Transpose', [g.node('Reshape', [x, headsShape])], { perm: [0, 2, 1, 3] });

  weights.layers.forEach((lw, i) => {
    const p = `transformer.h.${i}`;
    // Self-attention with the KV cache.
    const x1 = layerNorm(hidden, `${p}.ln_1`, lw.ln1);
    const qkv = linear(x1, `${p}.attn.c_attn`, d, 3 * d, lw.attnW, lw.attnB);
    const [q, k, v] = g.nodeMulti('Split', [qkv, splitSizes], 3, { axis: -1 });
    const key = g.node('Concat', [past[i]?.key as string, toHeads(k as string)], { axis: 2 }, `present.${i}.key`);
    const value = g.node('Concat', [past[i]?.value as string, toHeads(v as string)], { axis: 2 }, `present.${i}.value`);
    const query = g.node('Mul', [toHeads(q as string), attentionScale]);
    const scores = g.node('Add', [g.node('MatMul', [query, g.node('Transpose', [key], { perm: [0, 1, 3, 2] })]), attentionBias]);
    const context = g.node('MatMul', [g.node('Softmax', [scores], { axis: -1 }), value]);
    const merged = g.node('Reshape', [g.node('Transpose', [context], { perm: [0, 2, 1, 3] }), mergedShape]);
    hidden = g.node('Add', [hidden, linear(merged, `${p}.attn.c_proj`, d, d, lw.projW, lw.projB)]);

    // MLP with the exact GELU: 0.5·x·(1 + erf(x/√2)).
    const x2 = layerNorm(hidden, `${p}.ln_2`, lw.ln2);
    const up = linear(x2, `${p}.mlp.c_fc`, d, inner, lw.fcW, lw.fcB);
    const erf = g.node('Erf', [g.node('Mul', [up, invSqrt2])]);
    const gelu = g.node('Mul', [g.node('Mul', [up, half]), g.node('Add', [erf, oneFloat])]);
    hidden = g.node('Add', [hidden, linear(gelu, `${p}.mlp.c_proj`, inner, d, lw.fcProjW, lw.fcProjB)]);
  });

  // Final LayerNorm, exposed as last_hidden_state, then the tied LM head on the kept positions.
  const lastHidden = g.node(
    'LayerNormalization',
    [hidden, g.float('transformer.ln_f.weight', [d], weights.lnF.gamma), g.float('transformer.ln_f.bias', [d], weights.lnF.beta)],
    { axis: -1, epsilon: { float: layerNormEpsilon } },
    'last_hidden_state',
  );
  // Slice from -k to the end; -0 = 0 keeps every position.
  const keepFrom = g.node('Unsqueeze', [g.node('Neg', [numLogitsToKeep]), axis0]);
  const kept = g.node('Slice', [lastHidden, keepFrom, int64Max, one]);
  g.node('MatMul', [kept, g.node('Transpose', [wte], { perm: [1, 0] })], {}, 'logits');

  g.output('logits', FLOAT, ['batch_size', 'logits_sequence_length', V]);
  for (let i = 0; i < layers; i++) {
    const shape = ['batch_size', H, 'total_sequence_length', D];
    g.output(`present.${i}.key`, FLOAT, shape);
    g.output(`present.${i}.value`, FLOAT, shape);
  }
  g.output('last_hidden_state', FLOAT, ['batch_size', 'sequence_length', d]);

  return g.encode({ opset: OPSET, producerName: '@textgen-spec/tiny-model', producerVersion, docString });
}
