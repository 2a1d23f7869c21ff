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
import { causalPaddingAllowed } from './attention-mask.js';
import { detSqrt } from './det-math.js';
import { ElemType, OnnxGraphBuilder } from './onnx-builder.js';
import type { Gpt2Architecture } from './variants.js';
import type { Gpt2Weights } from './weights.js';

export const OPSET = 17;

type Builder = OnnxGraphBuilder;
interface KvNames {
  key: string;
  value: string;
}

/** Builds the graph and returns the serialized ModelProto. */
export function buildGpt2Onnx(arch: Gpt2Architecture, weights: Gpt2Weights, docString: string, producerVersion: string): Uint8Array {
  if (arch.hidden % arch.heads !== 0) throw new Error('hidden must be a multiple of heads');
  const g = new OnnxGraphBuilder('tiny_gpt2');
  // The order of the builder calls fixes the bytes of the model (their hash is pinned).
  const inputs = declareInputs(g, arch);
  const c = declareConstants(g, arch);
  const wte = g.float('transformer.wte.weight', [arch.vocabSize, arch.hidden], weights.wte);
  const wpe = g.float('transformer.wpe.weight', [arch.positions, arch.hidden], weights.wpe);
  let hidden = g.node('Add', [g.node('Gather', [wte, inputs.inputIds]), g.node('Gather', [wpe, inputs.positionIds])]);
  const bias = attentionBias(g, inputs, c);
  const ops = layerOps(g, arch, c);
  weights.layers.forEach((lw, i) => {
    hidden = transformerBlock(g, ops, arch, c, { hidden, past: inputs.past[i] as KvNames, bias, weights: lw, index: i });
  });
  languageModelHead(g, arch, weights, { hidden, wte, numLogitsToKeep: inputs.numLogitsToKeep, c });
  declareOutputs(g, arch);
  return g.encode({ opset: OPSET, producerName: '@textgen-spec/tiny-model', producerVersion, docString });
}

type Inputs = ReturnType<typeof declareInputs>;
type Constants = ReturnType<typeof declareConstants>;

function declareInputs(g: Builder, arch: Gpt2Architecture) {
  const { INT64, FLOAT } = ElemType;
  const D = arch.hidden / arch.heads;
  const inputIds = g.input('input_ids', INT64, ['batch_size', 'sequence_length']);
  const attentionMask = g.input('attention_mask', INT64, ['batch_size', 'total_sequence_length']);
  const positionIds = g.input('position_ids', INT64, ['batch_size', 'sequence_length']);
  const past: KvNames[] = [];
  for (let i = 0; i < arch.layers; i++) {
    const shape = ['batch_size', arch.heads, 'past_sequence_length', D];
    past.push({
      key: g.input(`past_key_values.${i}.key`, FLOAT, shape),
      value: g.input(`past_key_values.${i}.value`, FLOAT, shape),
    });
  }
  const numLogitsToKeep = g.input('num_logits_to_keep', INT64, []);
  return { inputIds, attentionMask, positionIds, past, numLogitsToKeep };
}

function declareConstants(g: Builder, arch: Gpt2Architecture) {
  const { hidden: d, heads: H } = arch;
  const D = d / H;
  return {
    axis0: g.int64('const_axes_0', [0]),
    axis1: g.int64('const_axes_1', [1]),
    axes12: g.int64('const_axes_1_2', [1, 2]),
    one: g.int64('const_one', [1]),
    zeroScalar: g.int64('const_zero_scalar', [0], []),
    oneScalar: g.int64('const_one_scalar', [1], []),
    twoScalar: g.int64('const_two_scalar', [2], []),
    int64Max: g.int64('const_int64_max', [Number.MAX_SAFE_INTEGER]),
    splitSizes: g.int64('const_qkv_split', [d, d, d]),
    headsShape: g.int64('const_heads_shape', [0, 0, H, D]),
    mergedShape: g.int64('const_merged_shape', [0, 0, d]),
    maskedScore: g.float('const_masked_score', [], Float32Array.of(-1e9)),
    zeroScore: g.float('const_zero_score', [], Float32Array.of(0)),
    attentionScale: g.float('const_attention_scale', [], Float32Array.of(1 / detSqrt(D))),
    half: g.float('const_half', [], Float32Array.of(0.5)),
    oneFloat: g.float('const_one_float', [], Float32Array.of(1)),
    invSqrt2: g.float('const_inv_sqrt2', [], Float32Array.of(Math.SQRT1_2)),
  };
}

/**
 * Attention bias [batch, 1, seq, total]: 0 where a query may look at a key, -1e9 elsewhere.
 * Causal part: key position k <= past + q; padding part: attention_mask[b, k] == 1.
 */
function attentionBias(g: Builder, inputs: Inputs, c: Constants): string {
  const { allowed } = causalPaddingAllowed(g, { ...inputs, ...c, pastKey: inputs.past[0]?.key as string });
  return g.node('Where', [allowed, c.zeroScore, c.maskedScore]);
}

/** The building blocks every layer uses: LayerNorm, a linear layer, and the split into heads. */
function layerOps(g: Builder, arch: Gpt2Architecture, c: Constants) {
  const d = arch.hidden;
  return {
    layerNorm: (x: string, prefix: string, w: { gamma: Float32Array; beta: Float32Array }): string =>
      g.node(
        'LayerNormalization',
        [x, g.float(`${prefix}.weight`, [d], w.gamma), g.float(`${prefix}.bias`, [d], w.beta)],
        { axis: -1, epsilon: { float: arch.layerNormEpsilon } },
      ),
    linear: (x: string, prefix: string, inDim: number, outDim: number, w: Float32Array, b: Float32Array): string =>
      g.node('Add', [g.node('MatMul', [x, g.float(`${prefix}.weight`, [inDim, outDim], w)]), g.float(`${prefix}.bias`, [outDim], b)]),
    toHeads: (x: string): string => g.node('Transpose', [g.node('Reshape', [x, c.headsShape])], { perm: [0, 2, 1, 3] }),
  };
}

interface BlockInput {
  hidden: string;
  past: KvNames;
  bias: string;
  weights: Gpt2Weights['layers'][number];
  index: number;
}

/** One GPT-2 block: self-attention with the KV cache, then the MLP, each with its residual. */
function transformerBlock(g: Builder, ops: ReturnType<typeof layerOps>, arch: Gpt2Architecture, c: Constants, block: BlockInput): string {
  const { layerNorm, linear, toHeads } = ops;
  const { hidden: d, inner } = arch;
  const { weights: lw, past } = block;
  const p = `transformer.h.${block.index}`;
  const x1 = layerNorm(block.hidden, `${p}.ln_1`, lw.ln1);
  const qkv = linear(x1, `${p}.attn.c_attn`, d, 3 * d, lw.attnW, lw.attnB);
  const [q, k, v] = g.nodeMulti('Split', [qkv, c.splitSizes], 3, { axis: -1 });
  const key = g.node('Concat', [past.key, toHeads(k as string)], { axis: 2 }, `present.${block.index}.key`);
  const value = g.node('Concat', [past.value, toHeads(v as string)], { axis: 2 }, `present.${block.index}.value`);
  const query = g.node('Mul', [toHeads(q as string), c.attentionScale]);
  const scores = g.node('Add', [g.node('MatMul', [query, g.node('Transpose', [key], { perm: [0, 1, 3, 2] })]), block.bias]);
  const context = g.node('MatMul', [g.node('Softmax', [scores], { axis: -1 }), value]);
  const merged = g.node('Reshape', [g.node('Transpose', [context], { perm: [0, 2, 1, 3] }), c.mergedShape]);
  const hidden = g.node('Add', [block.hidden, linear(merged, `${p}.attn.c_proj`, d, d, lw.projW, lw.projB)]);

  // MLP with the exact GELU: 0.5·x·(1 + erf(x/√2)).
  const x2 = layerNorm(hidden, `${p}.ln_2`, lw.ln2);
  const up = linear(x2, `${p}.mlp.c_fc`, d, inner, lw.fcW, lw.fcB);
  const erf = g.node('Erf', [g.node('Mul', [up, c.invSqrt2])]);
  const gelu = g.node('Mul', [g.node('Mul', [up, c.half]), g.node('Add', [erf, c.oneFloat])]);
  return g.node('Add', [hidden, linear(gelu, `${p}.mlp.c_proj`, inner, d, lw.fcProjW, lw.fcProjB)]);
}

/** Final LayerNorm, exposed as last_hidden_state, then the tied LM head on the kept positions. */
function languageModelHead(
  g: Builder,
  arch: Gpt2Architecture,
  weights: Gpt2Weights,
  at: { hidden: string; wte: string; numLogitsToKeep: string; c: Constants },
): void {
  const d = arch.hidden;
  const lastHidden = g.node(
    'LayerNormalization',
    [at.hidden, g.float('transformer.ln_f.weight', [d], weights.lnF.gamma), g.float('transformer.ln_f.bias', [d], weights.lnF.beta)],
    { axis: -1, epsilon: { float: arch.layerNormEpsilon } },
    'last_hidden_state',
  );
  // Slice from -k to the end; -0 = 0 keeps every position.
  const keepFrom = g.node('Unsqueeze', [g.node('Neg', [at.numLogitsToKeep]), at.c.axis0]);
  const kept = g.node('Slice', [lastHidden, keepFrom, at.c.int64Max, at.c.one]);
  g.node('MatMul', [kept, g.node('Transpose', [at.wte], { perm: [1, 0] })], {}, 'logits');
}

function declareOutputs(g: Builder, arch: Gpt2Architecture): void {
  const D = arch.hidden / arch.heads;
  g.output('logits', ElemType.FLOAT, ['batch_size', 'logits_sequence_length', arch.vocabSize]);
  for (let i = 0; i < arch.layers; i++) {
    const shape = ['batch_size', arch.heads, 'total_sequence_length', D];
    g.output(`present.${i}.key`, ElemType.FLOAT, shape);
    g.output(`present.${i}.value`, ElemType.FLOAT, shape);
  }
  g.output('last_hidden_state', ElemType.FLOAT, ['batch_size', 'sequence_length', arch.hidden]);
}
