/**
 * The models both implementations run, by name: the transformers.js folder the engine loads and
 * the GGUF export of the same weights that llama.cpp loads (written to a temporary folder).
 *   default, large   the embedded GPT-2 tiny model and its large variant (gguf arch `gpt2`)
 *   llama3, llama2   the Llama-family tiny models (gguf arch `llama`, their real tokenizers)
 */
import { writeTempGguf } from './llamacpp.mjs';

const GPT2_VARIANTS = ['default', 'large'];
const LLAMA_FAMILIES = ['llama3', 'llama2'];

export const ANCHOR_MODELS = [...GPT2_VARIANTS, ...LLAMA_FAMILIES];

/** { name, folder, modelPath, remove } for one of ANCHOR_MODELS. */
export async function prepareAnchorModel(name) {
  const tiny = await import('@textgen-spec/tiny-model');
  if (GPT2_VARIANTS.includes(name)) {
    const folder = await tiny.ensureTinyModel({ variant: name });
    const gguf = await writeTempGguf(`tiny-${name}`, tiny.tinyModelGguf(name));
    return { name, folder, ...gguf };
  }
  if (LLAMA_FAMILIES.includes(name)) {
    const folder = await tiny.ensureTinyModel({ family: name });
    const gguf = await writeTempGguf(`tiny-${name}`, tiny.familyModelGguf(name));
    return { name, folder, ...gguf };
  }
  throw new Error(`unknown model "${name}" (one of ${ANCHOR_MODELS.join(', ')})`);
}
