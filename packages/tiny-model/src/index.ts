/**
 * @textgen-spec/tiny-model: a deterministic generator of the small offline default model, a
 * GPT-2-style causal LM (ONNX, real GPT-2 tokenizer) whose weights make it speak word-bigram
 * salad of a nursery rhyme. Generated into a cache on first use; nothing is downloaded.
 */
export { ensureTinyModel, defaultCacheRoot, tinyModelCacheKey } from './ensure.js';
export type { EnsureTinyModelOptions } from './ensure.js';
export { writeTinyModel, GENERATOR_VERSION, MANIFEST_FILE } from './write-model.js';
export type { TinyModelFile, TinyModelManifest, TinyModelOptions } from './write-model.js';
export { TINY_MODEL_VARIANTS, VARIANT_SPECS, isTinyModelVariant } from './variants.js';
export type { Gpt2Architecture, TinyModelVariant, VariantSpec } from './variants.js';
export { CORPUS_TEXT, CORPUS_TITLE } from './corpus.js';
export { GGUF_ALIGNMENT, GGUF_VERSION, readGgufHeader, tinyModelGguf, writeGguf } from './gguf.js';
export type { GgufFile, GgufHeader, GgufTensor, GgufValue } from './gguf.js';
export { designTinyModel } from './write-model.js';
export { FAMILY_MODEL_NAMES, FAMILY_SPECS, MODEL_FAMILIES, isModelFamily } from './families.js';
export type { FamilySpec, Llama3RopeScaling, ModelFamily } from './families.js';
export { designFamilyModel } from './family-design.js';
export type { FamilyModelDesign } from './family-design.js';
export type { FamilyTensor } from './family-weights.js';
export { writeFamilyModel } from './family-files.js';
export type { FamilyModelManifest } from './family-files.js';
