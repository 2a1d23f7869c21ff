/**
 * GGUF (version 3), the file format of llama.cpp: a small deterministic writer, a reader of
 * everything before the tensor data (for tests and tools), and the tiny model as a GGUF of
 * llama.cpp's `gpt2` architecture with the GPT-2 BPE vocabulary and f32 tensors.
 *
 * Layout: "GGUF", version u32, tensor count u64, key-value count u64; the key-value pairs
 * (key string, type u32, value); the tensor infos (name, dims u32 + u64 each, type u32,
 * offset u64 into the data section); padding to the alignment; the tensor data, each tensor
 * at an aligned offset. Strings are a u64 byte length and UTF-8 bytes; all little-endian.
 * Dimensions are listed innermost first (ggml's ne[0] is the contiguous one).
 */
import { END_OF_TEXT_ID, loadGpt2Vocabulary } from './tokenizer.js';
import type { TinyModelVariant } from './variants.js';
import { designTinyModel } from './write-model.js';

export const GGUF_MAGIC = 'GGUF';
export const GGUF_VERSION = 3;
export const GGUF_ALIGNMENT = 32;

/** GGUF value types (gguf.h). */
export const GgufType = { UINT8: 0, INT8: 1, UINT16: 2, INT16: 3, UINT32: 4, INT32: 5, FLOAT32: 6, BOOL: 7, STRING: 8, ARRAY: 9, UINT64: 10, INT64: 11, FLOAT64: 12 } as const;
/** ggml tensor type of 32-bit floats. */
export const GGML_TYPE_F32 = 0;

export type GgufValue =
  | { type: 'u32'; value: number }
  | { type: 'i32'; value: number }
  | { type: 'f32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'string[]'; value: readonly string[] }
  | { type: 'i32[]'; value: readonly number[] }
  | { type: 'f32[]'; value: readonly number[] };

export interface GgufTensor {
  name: string;
  /** Dimensions, innermost (contiguous) first, as ggml's ne. */
  dims: readonly number[];
  data: Float32Array;
}

export interface GgufFile {
  /** Key-value metadata, written in this order. */
  kv: readonly [string, GgufValue][];
  tensors: readonly GgufTensor[];
}

/** Appends little-endian values to a growing list of byte chunks. */
class ByteWriter {
  readonly parts: Uint8Array[] = [];
  length = 0;

  bytes(b: Uint8Array): void {
    this.parts.push(b);
    this.length += b.length;
  }
  private num(size: number, write: (v: DataView) => void): void {
    const b = new Uint8Array(size);
    write(new DataView(b.buffer));
    this.bytes(b);
  }
  u32(v: number): void {
    this.num(4, (d) => d.setUint32(0, v, true));
  }
  i32(v: number): void {
    this.num(4, (d) => d.setInt32(0, v, true));
  }
  f32(v: number): void {
    this.num(4, (d) => d.setFloat32(0, v, true));
  }
  u64(v: number): void {
    this.num(8, (d) => d.setBigUint64(0, BigInt(v), true));
  }
  string(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.bytes(b);
  }
  pad(alignment: number): void {
    const n = (alignment - (this.length % alignment)) % alignment;
    if (n > 0) this.bytes(new Uint8Array(n));
  }
}

function writeValue(w: ByteWriter, v: GgufValue): void {
  switch (v.type) {
    case 'u32':
      w.u32(GgufType.UINT32);
      return w.u32(v.value);
    case 'i32':
      w.u32(GgufType.INT32);
      return w.i32(v.value);
    case 'f32':
      w.u32(GgufType.FLOAT32);
      return w.f32(v.value);
    case 'bool':
      w.u32(GgufType.BOOL);
      return w.bytes(new Uint8Array([v.value ? 1 : 0]));
    case 'string':
      w.u32(GgufType.STRING);
      return w.string(v.value);
    case 'string[]':
      return writeArray(w, GgufType.STRING, v.value, (s) => w.string(s));
    case 'i32[]':
      return writeArray(w, GgufType.INT32, v.value, (n) => w.i32(n));
    case 'f32[]':
      return writeArray(w, GgufType.FLOAT32, v.value, (n) => w.f32(n));
  }
}

/** An array value: its element type, its length, then each element. */
function writeArray<T>(w: ByteWriter, type: number, values: readonly T[], write: (value: T) => void): void {
  w.u32(GgufType.ARRAY);
  w.u32(type);
  w.u64(values.length);
  for (const value of values) write(value);
}

/** The bytes of a GGUF file (deterministic: the same input gives the same bytes). */
export function writeGguf(file: GgufFile): Uint8Array {
  const w = new ByteWriter();
  w.bytes(Buffer.from(GGUF_MAGIC, 'ascii'));
  w.u32(GGUF_VERSION);
  w.u64(file.tensors.length);
  w.u64(file.kv.length);
  for (const [key, value] of file.kv) {
    w.string(key);
    writeValue(w, value);
  }
  let offset = 0;
  for (const t of file.tensors) {
    const elements = t.dims.reduce((a, b) => a * b, 1);
    if (elements !== t.data.length) throw new Error(`tensor ${t.name}: dims ${t.dims.join('x')} hold ${elements} values, data has ${t.data.length}`);
    w.string(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(GGML_TYPE_F32);
    w.u64(offset);
    offset += Math.ceil((t.data.byteLength) / GGUF_ALIGNMENT) * GGUF_ALIGNMENT;
  }
  w.pad(GGUF_ALIGNMENT);
  for (const t of file.tensors) {
    w.bytes(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    w.pad(GGUF_ALIGNMENT);
  }
  return Buffer.concat(w.parts);
}

/** What precedes the tensor data, as read back. */
export interface GgufHeader {
  version: number;
  kv: Map<string, unknown>;
  tensors: { name: string; dims: number[]; type: number; offset: number }[];
  /** Byte offset of the data section. */
  dataOffset: number;
}

/** Reads a GGUF file's header, metadata and tensor infos (arrays of strings and numbers supported). */
export function readGgufHeader(bytes: Uint8Array): GgufHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const u32 = () => ((at += 4), view.getUint32(at - 4, true));
  const u64 = () => ((at += 8), Number(view.getBigUint64(at - 8, true)));
  const str = () => {
    const n = u64();
    at += n;
    return Buffer.from(bytes.subarray(at - n, at)).toString('utf8');
  };
  const scalar = (type: number): unknown => {
    switch (type) {
      case GgufType.UINT8:
        return view.getUint8(at++);
      case GgufType.INT8:
        return view.getInt8(at++);
      case GgufType.BOOL:
        return view.getUint8(at++) !== 0;
      case GgufType.UINT32:
        return u32();
      case GgufType.INT32:
        return ((at += 4), view.getInt32(at - 4, true));
      case GgufType.FLOAT32:
        return ((at += 4), view.getFloat32(at - 4, true));
      case GgufType.UINT64:
        return u64();
      case GgufType.STRING:
        return str();
      default:
        throw new Error(`GGUF value type ${type} at byte ${at} is not supported by this reader`);
    }
  };
  if (Buffer.from(bytes.subarray(0, 4)).toString('ascii') !== GGUF_MAGIC) throw new Error('not a GGUF file');
  at = 4;
  const version = u32();
  const tensorCount = u64();
  const kvCount = u64();
  const kv = new Map<string, unknown>();
  for (let i = 0; i < kvCount; i++) {
    const key = str();
    const type = u32();
    if (type === GgufType.ARRAY) {
      const elem = u32();
      const n = u64();
      kv.set(key, Array.from({ length: n }, () => scalar(elem)));
    } else kv.set(key, scalar(type));
  }
  const tensors: GgufHeader['tensors'] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = str();
    const nDims = u32();
    const dims = Array.from({ length: nDims }, () => u64());
    tensors.push({ name, dims, type: u32(), offset: u64() });
  }
  const alignment = typeof kv.get('general.alignment') === 'number' ? (kv.get('general.alignment') as number) : GGUF_ALIGNMENT;
  return { version, kv, tensors, dataOffset: Math.ceil(at / alignment) * alignment };
}

/** A row-major [rows, cols] matrix transposed to [cols, rows]. */
export function transpose(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c]!;
  return out;
}

/**
 * The tiny model as a GGUF of llama.cpp's `gpt2` architecture: the same weights as the
 * ONNX model (the LM head tied to token_embd, as llama.cpp falls back to when `output` is
 * absent), the GPT-2 vocabulary and merges, EOS = BOS = <|endoftext|>, no BOS added.
 * GPT-2's Conv1D matrices are [in, out]; ggml wants each output's inputs contiguous
 * (ne = [in, out]), so they are transposed.
 */
export function tinyModelGguf(variant: TinyModelVariant = 'default'): GgufFile {
  const { arch, weights } = designTinyModel(variant);
  const { tokens, merges } = loadGpt2Vocabulary();
  const h = arch.hidden;
  const kv: [string, GgufValue][] = [
    ['general.architecture', { type: 'string', value: 'gpt2' }],
    ['general.name', { type: 'string', value: `textgen-spec tiny-model (${variant})` }],
    ['general.file_type', { type: 'u32', value: 0 }],
    ['gpt2.context_length', { type: 'u32', value: arch.positions }],
    ['gpt2.embedding_length', { type: 'u32', value: h }],
    ['gpt2.feed_forward_length', { type: 'u32', value: arch.inner }],
    ['gpt2.block_count', { type: 'u32', value: arch.layers }],
    ['gpt2.attention.head_count', { type: 'u32', value: arch.heads }],
    ['gpt2.attention.layer_norm_epsilon', { type: 'f32', value: arch.layerNormEpsilon }],
    ['tokenizer.ggml.model', { type: 'string', value: 'gpt2' }],
    ['tokenizer.ggml.pre', { type: 'string', value: 'gpt-2' }],
    ['tokenizer.ggml.tokens', { type: 'string[]', value: tokens }],
    ['tokenizer.ggml.token_type', { type: 'i32[]', value: tokens.map((_, id) => (id === END_OF_TEXT_ID ? 3 : 1)) }],
    ['tokenizer.ggml.merges', { type: 'string[]', value: merges }],
    ['tokenizer.ggml.bos_token_id', { type: 'u32', value: END_OF_TEXT_ID }],
    ['tokenizer.ggml.eos_token_id', { type: 'u32', value: END_OF_TEXT_ID }],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: false }],
  ];
  const tensors: GgufTensor[] = [
    { name: 'token_embd.weight', dims: [h, arch.vocabSize], data: weights.wte },
    { name: 'position_embd.weight', dims: [h, arch.positions], data: weights.wpe },
  ];
  weights.layers.forEach((l, i) => {
    const b = `blk.${i}`;
    tensors.push(
      { name: `${b}.attn_norm.weight`, dims: [h], data: l.ln1.gamma },
      { name: `${b}.attn_norm.bias`, dims: [h], data: l.ln1.beta },
      { name: `${b}.attn_qkv.weight`, dims: [h, 3 * h], data: transpose(l.attnW, h, 3 * h) },
      { name: `${b}.attn_qkv.bias`, dims: [3 * h], data: l.attnB },
      { name: `${b}.attn_output.weight`, dims: [h, h], data: transpose(l.projW, h, h) },
      { name: `${b}.attn_output.bias`, dims: [h], data: l.projB },
      { name: `${b}.ffn_norm.weight`, dims: [h], data: l.ln2.gamma },
      { name: `${b}.ffn_norm.bias`, dims: [h], data: l.ln2.beta },
      { name: `${b}.ffn_up.weight`, dims: [h, arch.inner], data: transpose(l.fcW, h, arch.inner) },
      { name: `${b}.ffn_up.bias`, dims: [arch.inner], data: l.fcB },
      { name: `${b}.ffn_down.weight`, dims: [arch.inner, h], data: transpose(l.fcProjW, arch.inner, h) },
      { name: `${b}.ffn_down.bias`, dims: [h], data: l.fcProjB },
    );
  });
  tensors.push({ name: 'output_norm.weight', dims: [h], data: weights.lnF.gamma }, { name: 'output_norm.bias', dims: [h], data: weights.lnF.beta });
  return { kv, tensors };
}
