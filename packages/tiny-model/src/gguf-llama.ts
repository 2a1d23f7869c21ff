/**
 * The Llama-family tiny models (`designFamilyModel`: llama3, llama2) as GGUF files of
 * llama.cpp's `llama` architecture, f32 tensors, with the family's real tokenizer.
 *
 * Weights: Hugging Face's [out, in] row-major linear weights are already ggml's layout
 * (ne = [in, out]), so they are written as they are, except q_proj and k_proj: HF's rotary
 * embedding rotates the two halves of each head (rotate_half: dimension j pairs with j + D/2),
 * llama.cpp's `llama` RoPE rotates adjacent pairs (2i, 2i + 1), so each head's output rows are
 * reordered, row 2i + a taking HF's row a·D/2 + i (k_proj per key/value head). Llama 3's rope
 * scaling becomes the `rope_freqs` tensor: one divisor of each rotary frequency.
 *
 * Tokenizer: byte-level BPE (Llama 3: `tokenizer.ggml.model` gpt2, pre-tokenizer `llama-bpe`,
 * tokens, token types and merges) or SentencePiece BPE with byte fallback (Llama 2: `llama`,
 * tokens, scores and types); BOS, EOS and whether BOS is added as the tokenizer's own files say.
 */
import type { GgufFile, GgufTensor, GgufValue } from './gguf.js';
import type { FamilyModelDesign } from './family-design.js';
import type { FamilySpec, ModelFamily } from './families.js';
import { designFamilyModel } from './family-design.js';

/** llama.cpp's token types (llama_token_type). */
const TOKEN_TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, BYTE: 6 } as const;

/** The families written as llama.cpp's `llama` architecture. */
export const GGUF_LLAMA_FAMILIES: readonly ModelFamily[] = ['llama3', 'llama2'];

/** Reorders each head's rows of a [heads·D, in] projection from rotate_half to adjacent pairs. */
export function permuteForLlamaRope(w: Float32Array, heads: number, headDim: number, inputs: number): Float32Array {
  const out = new Float32Array(w.length);
  const half = headDim / 2;
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < half; i++) {
      for (let a = 0; a < 2; a++) {
        const from = (h * headDim + a * half + i) * inputs;
        out.set(w.subarray(from, from + inputs), (h * headDim + 2 * i + a) * inputs);
      }
    }
  }
  return out;
}

/** Llama 3 rope scaling as llama.cpp's per-frequency divisors (the `rope_freqs` tensor). */
export function llama3RopeFactors(spec: FamilySpec): Float32Array | null {
  const s = spec.ropeScaling;
  if (!s) return null;
  const lowWavelen = s.original_max_position_embeddings / s.low_freq_factor;
  const highWavelen = s.original_max_position_embeddings / s.high_freq_factor;
  const factors = new Float32Array(spec.headDim / 2);
  for (let i = 0; i < factors.length; i++) {
    const freq = Math.fround(1 / Math.fround(spec.ropeTheta ** Math.fround((2 * i) / spec.headDim)));
    const wavelen = (2 * Math.PI) / freq;
    if (wavelen < highWavelen) factors[i] = 1;
    else if (wavelen > lowWavelen) factors[i] = s.factor;
    else {
      const smooth = (s.original_max_position_embeddings / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
      factors[i] = 1 / ((1 - smooth) / s.factor + smooth);
    }
  }
  return factors;
}

const LAYER_NAMES: readonly [string, string][] = [
  ['input_layernorm.weight', 'attn_norm.weight'],
  ['self_attn.q_proj.weight', 'attn_q.weight'],
  ['self_attn.k_proj.weight', 'attn_k.weight'],
  ['self_attn.v_proj.weight', 'attn_v.weight'],
  ['self_attn.o_proj.weight', 'attn_output.weight'],
  ['post_attention_layernorm.weight', 'ffn_norm.weight'],
  ['mlp.gate_proj.weight', 'ffn_gate.weight'],
  ['mlp.up_proj.weight', 'ffn_up.weight'],
  ['mlp.down_proj.weight', 'ffn_down.weight'],
];

/** The design's tensors under llama.cpp's names, q/k permuted, plus rope_freqs where scaled. */
function llamaTensors(design: FamilyModelDesign): GgufTensor[] {
  const { spec } = design;
  const byName = new Map(design.tensors.map((t) => [t.name, t]));
  const take = (hf: string, name: string, transform?: (data: Float32Array) => Float32Array): GgufTensor => {
    const t = byName.get(hf);
    if (!t) throw new Error(`${design.name}: no tensor ${hf}`);
    return { name, dims: [...t.dims].reverse(), data: transform ? transform(t.data) : t.data };
  };
  const tensors = [take('model.embed_tokens.weight', 'token_embd.weight')];
  const ropeFactors = llama3RopeFactors(spec);
  if (ropeFactors) tensors.push({ name: 'rope_freqs.weight', dims: [ropeFactors.length], data: ropeFactors });
  for (let layer = 0; layer < spec.layers; layer++) {
    for (const [hf, name] of LAYER_NAMES) {
      const permute =
        name === 'attn_q.weight' ? spec.heads : name === 'attn_k.weight' ? spec.kvHeads : 0;
      const transform = permute ? (w: Float32Array) => permuteForLlamaRope(w, permute, spec.headDim, spec.hidden) : undefined;
      tensors.push(take(`model.layers.${layer}.${hf}`, `blk.${layer}.${name}`, transform));
    }
  }
  tensors.push(take('model.norm.weight', 'output_norm.weight'));
  if (!spec.tied) tensors.push(take('lm_head.weight', 'output.weight'));
  return tensors;
}

function llamaHyperparameters(spec: FamilySpec): [string, GgufValue][] {
  const u32 = (value: number): GgufValue => ({ type: 'u32', value });
  return [
    ['llama.context_length', u32(spec.maxPositions)],
    ['llama.embedding_length', u32(spec.hidden)],
    ['llama.block_count', u32(spec.layers)],
    ['llama.feed_forward_length', u32(spec.intermediate)],
    ['llama.attention.head_count', u32(spec.heads)],
    ['llama.attention.head_count_kv', u32(spec.kvHeads)],
    ['llama.attention.key_length', u32(spec.headDim)],
    ['llama.attention.value_length', u32(spec.headDim)],
    ['llama.rope.dimension_count', u32(spec.headDim)],
    ['llama.rope.freq_base', { type: 'f32', value: spec.ropeTheta }],
    ['llama.attention.layer_norm_rms_epsilon', { type: 'f32', value: spec.rmsNormEps }],
    ['llama.vocab_size', u32(spec.vocabSize)],
  ];
}

interface HfTokenizerJson {
  model: { type: string; vocab: Record<string, number>; merges: (string | [string, string])[]; byte_fallback?: boolean };
  added_tokens: { id: number; content: string; special: boolean }[];
  post_processor?: { type: string; single?: unknown[] } | null;
}

/** Whether the tokenizer adds BOS: tokenizer_config's add_bos_token, else its post-processor template. */
function addsBos(tokenizer: HfTokenizerJson, config: Record<string, unknown>): boolean {
  if (typeof config.add_bos_token === 'boolean') return config.add_bos_token;
  const first = tokenizer.post_processor?.type === 'TemplateProcessing' ? tokenizer.post_processor.single?.[0] : undefined;
  return typeof first === 'object' && first !== null && 'SpecialToken' in first;
}

/** Every id's token text and type (ids missing from the tokenizer: `[PAD<id>]`, user-defined). */
function vocabularyById(tokenizer: HfTokenizerJson, size: number, spm: boolean): { tokens: string[]; types: number[] } {
  const tokens = Array.from({ length: size }, (_, id) => `[PAD${id}]`);
  const types = new Array<number>(size).fill(TOKEN_TYPE.USER_DEFINED);
  for (const [text, id] of Object.entries(tokenizer.model.vocab)) {
    tokens[id] = text;
    types[id] = spm && /^<0x[0-9A-Fa-f]{2}>$/.test(text) ? TOKEN_TYPE.BYTE : TOKEN_TYPE.NORMAL;
  }
  for (const added of tokenizer.added_tokens) {
    tokens[added.id] = added.content;
    types[added.id] = added.special ? TOKEN_TYPE.CONTROL : TOKEN_TYPE.USER_DEFINED;
  }
  return { tokens, types };
}

/**
 * SentencePiece scores from HF's BPE merges: llama.cpp's SentencePiece tokenizer merges the
 * adjacent pair whose result scores highest, HF's BPE the pair whose merge ranks first; a merged
 * token scores minus the rank of its first merge, every other token below all of them.
 */
function sentencePieceScores(tokenizer: HfTokenizerJson, tokens: readonly string[]): number[] {
  const rank = new Map<string, number>();
  tokenizer.model.merges.forEach((m, i) => {
    const merged = typeof m === 'string' ? m.replace(' ', '') : m.join('');
    if (!rank.has(merged)) rank.set(merged, i);
  });
  return tokens.map((text, id) => -(rank.get(text) ?? tokenizer.model.merges.length + id));
}

function tokenizerMetadata(design: FamilyModelDesign): [string, GgufValue][] {
  const tokenizer = JSON.parse(design.tokenizerJson) as HfTokenizerJson;
  const config = JSON.parse(design.tokenizerConfig) as Record<string, unknown>;
  const spm = design.family === 'llama2';
  const { tokens, types } = vocabularyById(tokenizer, design.spec.vocabSize, spm);
  const special = (key: string, id: number | null): [string, GgufValue][] => (id === null ? [] : [[key, { type: 'u32', value: id }]]);
  const model: [string, GgufValue][] = spm
    ? [
        ['tokenizer.ggml.model', { type: 'string', value: 'llama' }],
        ['tokenizer.ggml.tokens', { type: 'string[]', value: tokens }],
        ['tokenizer.ggml.scores', { type: 'f32[]', value: sentencePieceScores(tokenizer, tokens) }],
        ['tokenizer.ggml.token_type', { type: 'i32[]', value: types }],
      ]
    : [
        ['tokenizer.ggml.model', { type: 'string', value: 'gpt2' }],
        ['tokenizer.ggml.pre', { type: 'string', value: 'llama-bpe' }],
        ['tokenizer.ggml.tokens', { type: 'string[]', value: tokens }],
        ['tokenizer.ggml.token_type', { type: 'i32[]', value: types }],
        ['tokenizer.ggml.merges', { type: 'string[]', value: tokenizer.model.merges.map((m) => (typeof m === 'string' ? m : m.join(' '))) }],
      ];
  const unk = spm ? tokenizer.model.vocab['<unk>'] ?? null : null;
  const eosText = typeof config.eos_token === 'string' ? config.eos_token : '';
  const eos = tokenizer.added_tokens.find((t) => t.content === eosText)?.id ?? tokenizer.model.vocab[eosText] ?? design.spec.endOfTextId;
  return [
    ...model,
    ...special('tokenizer.ggml.bos_token_id', design.spec.bosTokenId),
    ...special('tokenizer.ggml.eos_token_id', eos),
    ...special('tokenizer.ggml.unknown_token_id', unk),
    ...special('tokenizer.ggml.padding_token_id', design.spec.padTokenId),
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: addsBos(tokenizer, config) }],
    ['tokenizer.ggml.add_eos_token', { type: 'bool', value: false }],
    ...(typeof config.chat_template === 'string' ? [['tokenizer.chat_template', { type: 'string', value: config.chat_template }] as [string, GgufValue]] : []),
  ];
}

/** A Llama-family tiny model (llama3, llama2) as a GGUF of llama.cpp's `llama` architecture. */
export function familyModelGguf(family: ModelFamily): GgufFile {
  if (!GGUF_LLAMA_FAMILIES.includes(family)) throw new Error(`no GGUF export for ${family} (only ${GGUF_LLAMA_FAMILIES.join(', ')})`);
  const design = designFamilyModel(family);
  const kv: [string, GgufValue][] = [
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['general.name', { type: 'string', value: design.name }],
    ['general.file_type', { type: 'u32', value: 0 }],
    ...llamaHyperparameters(design.spec),
    ...tokenizerMetadata(design),
  ];
  return { kv, tensors: llamaTensors(design) };
}
