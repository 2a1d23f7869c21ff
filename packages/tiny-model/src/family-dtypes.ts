/**
 * How a family graph stores its weights, per transformers.js dtype (the file it loads):
 *
 *   fp32  onnx/model.onnx            float32 initializers
 *   fp16  onnx/model_fp16.onnx       float16 initializers, float16 KV cache and logits (as the
 *                                    onnx-community fp16 exports); arithmetic in float32 (Cast)
 *   q8    onnx/model_quantized.onnx  int8 linear weights, one scale per output channel, run with
 *                                    DynamicQuantizeLinear + MatMulInteger; int8 embedding rows
 *   q4    onnx/model_q4.onnx         4-bit linear weights in blocks of 32 (com.microsoft
 *                                    MatMulNBits); int8 embedding rows as in q8
 *
 * Norm weights stay float32 in q8 and q4 (as quantizers leave them). Quantization is symmetric
 * and uses only exact operations (division, Math.round), so the bytes are deterministic.
 */
import type { FamilyTensor } from './family-weights.js';
import { ElemType, type OnnxGraphBuilder } from './onnx-builder.js';

export type FamilyDtype = 'fp32' | 'fp16' | 'q8' | 'q4';

export const FAMILY_DTYPES: readonly FamilyDtype[] = ['fp32', 'fp16', 'q8', 'q4'];

/** The graph file transformers.js loads for each dtype. */
export const FAMILY_DTYPE_FILES: Readonly<Record<FamilyDtype, string>> = {
  fp32: 'onnx/model.onnx',
  fp16: 'onnx/model_fp16.onnx',
  q8: 'onnx/model_quantized.onnx',
  q4: 'onnx/model_q4.onnx',
};

const Q4_BLOCK = 32;

/** The weight operations the graph builder uses; every result is a float32 tensor name. */
export interface WeightStore {
  /** Element type of the KV cache inputs/outputs and of the logits output. */
  ioType: ElemType;
  /** A float32 vector or small tensor (norm scales, frequencies). */
  vector(name: string, dims: readonly number[], data: Float32Array): string;
  /** x · Wᵀ for an HF [out, in] linear weight. */
  linear(x: string, t: FamilyTensor): string;
  /** Rows of the embedding table for `ids`. */
  embed(t: FamilyTensor, ids: string): string;
  /** The tied LM head: the embedding table transposed, [hidden, vocab]. */
  tiedHead(t: FamilyTensor): string;
  /** Casts between the float32 arithmetic and the cache / logits type. */
  toIo(x: string, name?: string): string;
  fromIo(x: string): string;
}

/** float32 → IEEE half bits, round to nearest even (integer operations on the float's bits). */
const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);
export function toHalfBits(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    let half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && (half & 1) === 1)) half += 1;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half += 1;
  return sign | half;
}

function halfBytes(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length * 2);
  for (let i = 0; i < data.length; i++) {
    const h = toHalfBits(data[i] as number);
    out[2 * i] = h & 0xff;
    out[2 * i + 1] = h >>> 8;
  }
  return out;
}

function transposed(t: FamilyTensor): Float32Array {
  const [rows, cols] = t.dims as [number, number];
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = t.data[r * cols + c] as number;
  return out;
}

/** Symmetric int8 per row of a [rows, cols] matrix: q = round(w / scale), scale = max|w| / 127. */
function quantizeRows(data: Float32Array, rows: number, cols: number): { q: Int8Array; scales: Float32Array } {
  const q = new Int8Array(rows * cols);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let max = 0;
    for (let c = 0; c < cols; c++) max = Math.max(max, Math.abs(data[r * cols + c] as number));
    const scale = Math.fround(max > 0 ? max / 127 : 1);
    scales[r] = scale;
    for (let c = 0; c < cols; c++) q[r * cols + c] = Math.max(-127, Math.min(127, Math.round((data[r * cols + c] as number) / scale)));
  }
  return { q, scales };
}

function float32Store(g: OnnxGraphBuilder): WeightStore {
  return {
    ioType: ElemType.FLOAT,
    vector: (name, dims, data) => g.float(name, dims, data),
    linear: (x, t) => g.node('MatMul', [x, g.float(t.name, [t.dims[1] as number, t.dims[0] as number], transposed(t))]),
    embed: (t, ids) => g.node('Gather', [g.float(t.name, t.dims, t.data), ids]),
    tiedHead: (t) => g.node('Transpose', [t.name], { perm: [1, 0] }),
    toIo: (x, name) => (name ? g.node('Identity', [x], {}, name) : x),
    fromIo: (x) => x,
  };
}

function float16Store(g: OnnxGraphBuilder): WeightStore {
  const half = (name: string, dims: readonly number[], data: Float32Array): string =>
    g.node('Cast', [g.raw(name, dims, ElemType.FLOAT16, halfBytes(data))], { to: ElemType.FLOAT });
  let embedding = '';
  return {
    ioType: ElemType.FLOAT16,
    vector: half,
    linear: (x, t) => g.node('MatMul', [x, half(t.name, [t.dims[1] as number, t.dims[0] as number], transposed(t))]),
    embed: (t, ids) => {
      embedding = g.raw(t.name, t.dims, ElemType.FLOAT16, halfBytes(t.data));
      return g.node('Cast', [g.node('Gather', [embedding, ids])], { to: ElemType.FLOAT });
    },
    tiedHead: () => g.node('Transpose', [g.node('Cast', [embedding], { to: ElemType.FLOAT })], { perm: [1, 0] }),
    toIo: (x, name) => g.node('Cast', [x], { to: ElemType.FLOAT16 }, name),
    fromIo: (x) => g.node('Cast', [x], { to: ElemType.FLOAT }),
  };
}

/** int8 embedding rows with one scale per row (q8 and q4). */
function int8Embedding(g: OnnxGraphBuilder) {
  let table = '';
  let scales = '';
  const [axisLast] = [g.int64('const_embed_scale_axis', [-1])];
  return {
    embed: (t: FamilyTensor, ids: string): string => {
      const [rows, cols] = t.dims as [number, number];
      const { q, scales: s } = quantizeRows(t.data, rows, cols);
      table = g.raw(`${t.name}_quantized`, t.dims, ElemType.INT8, new Uint8Array(q.buffer));
      scales = g.float(`${t.name}_scale`, [rows], s);
      const rowsOut = g.node('Cast', [g.node('Gather', [table, ids])], { to: ElemType.FLOAT });
      return g.node('Mul', [rowsOut, g.node('Unsqueeze', [g.node('Gather', [scales, ids]), axisLast])]);
    },
    tiedHead: (): string => {
      const full = g.node('Mul', [g.node('Cast', [table], { to: ElemType.FLOAT }), g.node('Unsqueeze', [scales, axisLast])]);
      return g.node('Transpose', [full], { perm: [1, 0] });
    },
  };
}

function int8Store(g: OnnxGraphBuilder): WeightStore {
  const zeroPoint = g.raw('const_weight_zero_point', [], ElemType.INT8, new Uint8Array(1));
  return {
    ...float32Store(g),
    ...int8Embedding(g),
    linear: (x, t) => {
      const [out, inDim] = t.dims as [number, number];
      const { q, scales } = quantizeRows(t.data, out, inDim);
      const qT = new Int8Array(out * inDim);
      for (let o = 0; o < out; o++) for (let i = 0; i < inDim; i++) qT[i * out + o] = q[o * inDim + i] as number;
      const weight = g.raw(`${t.name}_quantized`, [inDim, out], ElemType.INT8, new Uint8Array(qT.buffer));
      const [xq, xScale, xZero] = g.nodeMulti('DynamicQuantizeLinear', [x], 3) as [string, string, string];
      const product = g.node('Cast', [g.node('MatMulInteger', [xq, weight, xZero, zeroPoint])], { to: ElemType.FLOAT });
      return g.node('Mul', [g.node('Mul', [product, xScale]), g.float(`${t.name}_scale`, [out], scales)]);
    },
  };
}

function int4Store(g: OnnxGraphBuilder): WeightStore {
  return {
    ...float32Store(g),
    ...int8Embedding(g),
    linear: (x, t) => {
      const [N, K] = t.dims as [number, number];
      if (K % Q4_BLOCK !== 0) throw new Error(`${t.name}: in-dimension ${K} is not a multiple of ${Q4_BLOCK}`);
      const blocks = K / Q4_BLOCK;
      const packed = new Uint8Array(N * blocks * (Q4_BLOCK / 2));
      const scales = new Float32Array(N * blocks);
      for (let n = 0; n < N; n++) {
        for (let b = 0; b < blocks; b++) {
          let max = 0;
          for (let k = 0; k < Q4_BLOCK; k++) max = Math.max(max, Math.abs(t.data[n * K + b * Q4_BLOCK + k] as number));
          const scale = Math.fround(max > 0 ? max / 7 : 1);
          scales[n * blocks + b] = scale;
          for (let k = 0; k < Q4_BLOCK; k++) {
            const q = Math.max(0, Math.min(15, Math.round((t.data[n * K + b * Q4_BLOCK + k] as number) / scale) + 8));
            const at = (n * blocks + b) * (Q4_BLOCK / 2) + (k >> 1);
            packed[at] = (packed[at] as number) | (k % 2 === 0 ? q : q << 4);
          }
        }
      }
      const weight = g.raw(`${t.name}_q4`, [N, blocks, Q4_BLOCK / 2], ElemType.UINT8, packed);
      const scale = g.float(`${t.name}_scales`, [N * blocks], scales);
      return g.node('com.microsoft:MatMulNBits', [x, weight, scale], { K, N, bits: 4, block_size: Q4_BLOCK });
    },
  };
}

export function weightStore(g: OnnxGraphBuilder, dtype: FamilyDtype): WeightStore {
  if (dtype === 'fp16') return float16Store(g);
  if (dtype === 'q8') return int8Store(g);
  if (dtype === 'q4') return int4Store(g);
  return float32Store(g);
}
