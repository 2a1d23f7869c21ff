/**
 * designFamilyModel: a family model's whole design in memory (config files, tokenizer files and
 * weight tensors in Hugging Face's names and layout), without writing ONNX. The ONNX writer
 * (family-files.ts) and the GGUF exporter read the same design.
 */
import { buildBigramTable, type BigramTable } from './bigram.js';
import { CORPUS_TITLE } from './corpus.js';
import { FAMILY_MODEL_NAMES, FAMILY_SPECS, isModelFamily, type FamilySpec, type ModelFamily } from './families.js';
import { readFamilyTokenizerFiles, tokenizeCorpus } from './family-tokenizer.js';
import { designFamilyTensors, type FamilyTensor } from './family-weights.js';
import { BIGRAM_OPTIONS, GENERATOR_VERSION } from './write-model.js';

export interface FamilyModelDesign {
  family: ModelFamily;
  /** The served model name, e.g. textgen-tiny-llama3. */
  name: string;
  spec: FamilySpec;
  /** config.json contents (transformers' field names). */
  config: Record<string, unknown>;
  /** generation_config.json contents. */
  generationConfig: Record<string, unknown>;
  /** The family's real tokenizer.json and tokenizer_config.json, as text. */
  tokenizerJson: string;
  tokenizerConfig: string;
  /** The tokenizer package's LICENSE and its name@version. */
  tokenizerLicense: string;
  tokenizerSource: string;
  /** Every weight, HF safetensors name and layout ([out, in] for linear weights), float32. */
  tensors: FamilyTensor[];
  /** The corpus in the family's tokens and the bigram table written into the weights. */
  corpusTokens: number[];
  table: BigramTable;
}

/** The family's config.json (model_type, architecture fields, special ids). */
export function familyConfig(spec: FamilySpec): Record<string, unknown> {
  const common = {
    architectures: [spec.architecture],
    model_type: spec.modelType,
    vocab_size: spec.vocabSize,
    hidden_size: spec.hidden,
    intermediate_size: spec.intermediate,
    num_hidden_layers: spec.layers,
    num_attention_heads: spec.heads,
    num_key_value_heads: spec.kvHeads,
    head_dim: spec.headDim,
    max_position_embeddings: spec.maxPositions,
    rms_norm_eps: spec.rmsNormEps,
    rope_theta: spec.ropeTheta,
    rope_scaling: spec.ropeScaling,
    attention_bias: false,
    attention_dropout: 0,
    bos_token_id: spec.bosTokenId,
    eos_token_id: spec.eosTokenIds.length === 1 ? spec.eosTokenIds[0] : spec.eosTokenIds,
    pad_token_id: spec.padTokenId,
    tie_word_embeddings: spec.tied,
    torch_dtype: 'float32',
    use_cache: true,
  };
  const tiny = { family: spec.family, generator: '@textgen-spec/tiny-model', generator_version: GENERATOR_VERSION, corpus: CORPUS_TITLE };
  const perFamily: Record<string, unknown> =
    spec.modelType === 'gemma3_text' && spec.gemma
      ? {
          hidden_activation: spec.activation,
          query_pre_attn_scalar: spec.gemma.queryPreAttnScalar,
          sliding_window: spec.gemma.slidingWindow,
          sliding_window_pattern: spec.gemma.layerTypes.length,
          layer_types: spec.gemma.layerTypes,
          rope_local_base_freq: spec.gemma.ropeLocalBaseFreq,
          final_logit_softcapping: null,
          attn_logit_softcapping: null,
        }
      : spec.modelType === 'qwen3'
        ? { hidden_act: spec.activation, sliding_window: null, use_sliding_window: false, max_window_layers: spec.layers }
        : { hidden_act: spec.activation, mlp_bias: false, pretraining_tp: 1 };
  return { ...common, ...perFamily, 'transformers.js_config': { dtype: 'fp32' }, tiny_model: tiny };
}

export function familyGenerationConfig(spec: FamilySpec): Record<string, unknown> {
  return {
    bos_token_id: spec.bosTokenId,
    eos_token_id: spec.eosTokenIds.length === 1 ? spec.eosTokenIds[0] : spec.eosTokenIds,
    ...(spec.padTokenId === null ? {} : { pad_token_id: spec.padTokenId }),
  };
}

// Module-level because a design takes seconds (tokenizing with a 262k vocabulary, 25M weights)
// and is deterministic: the ONNX writer, every dtype and an exporter in one process share it.
const designs = new Map<ModelFamily, FamilyModelDesign>();

/**
 * The family model's design. Deterministic; computed once per process and cached (the tensors
 * are shared: do not modify them).
 */
export function designFamilyModel(family: ModelFamily): FamilyModelDesign {
  if (!isModelFamily(family)) throw new TypeError(`unknown model family ${JSON.stringify(family)}`);
  const cached = designs.get(family);
  if (cached) return cached;
  const spec = FAMILY_SPECS[family];
  const files = readFamilyTokenizerFiles(spec);
  const corpus = tokenizeCorpus(files);
  const table = buildBigramTable(corpus.tokens, spec.endOfTextId, corpus.isSentenceEnd, BIGRAM_OPTIONS);
  const design: FamilyModelDesign = {
    family,
    name: FAMILY_MODEL_NAMES[family],
    spec,
    config: familyConfig(spec),
    generationConfig: familyGenerationConfig(spec),
    tokenizerJson: files.tokenizerJson,
    tokenizerConfig: files.tokenizerConfig,
    tokenizerLicense: files.license,
    tokenizerSource: files.source,
    tensors: designFamilyTensors(spec, table),
    corpusTokens: corpus.tokens,
    table,
  };
  designs.set(family, design);
  return design;
}
