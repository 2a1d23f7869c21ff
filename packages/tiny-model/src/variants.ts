/** The model sizes this package can generate. */

export type TinyModelVariant = 'default' | 'large';

export const TINY_MODEL_VARIANTS: readonly TinyModelVariant[] = ['default', 'large'];

/** Architecture of a generated GPT-2-style model. */
export interface Gpt2Architecture {
  vocabSize: number;
  /** Learned positions: the context length. */
  positions: number;
  /** Residual width (n_embd). */
  hidden: number;
  layers: number;
  heads: number;
  /** MLP width (n_inner), 4 × hidden as in GPT-2. */
  inner: number;
  layerNormEpsilon: number;
}

export interface VariantSpec {
  architecture: Gpt2Architecture;
  /** Seed of the PRNG that draws every random weight. */
  seed: number;
}

const GPT2_VOCAB = 50257;

export const VARIANT_SPECS: Readonly<Record<TinyModelVariant, VariantSpec>> = {
  /** Small and fast: 2 layers, width 96 (about 21 MB). The default model of the server and tests. */
  default: {
    architecture: {
      vocabSize: GPT2_VOCAB,
      positions: 1024,
      hidden: 96,
      layers: 2,
      heads: 4,
      inner: 384,
      layerNormEpsilon: 1e-5,
    },
    seed: 20240611,
  },
  /** For benchmarks: 4 layers, width 256 (about 66 MB). */
  large: {
    architecture: {
      vocabSize: GPT2_VOCAB,
      positions: 1024,
      hidden: 256,
      layers: 4,
      heads: 8,
      inner: 1024,
      layerNormEpsilon: 1e-5,
    },
    seed: 20240612,
  },
};

export function isTinyModelVariant(value: unknown): value is TinyModelVariant {
  return typeof value === 'string' && (TINY_MODEL_VARIANTS as readonly string[]).includes(value);
}
