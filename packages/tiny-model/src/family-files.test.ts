import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureTinyModel } from './ensure.js';
import { FAMILY_SPECS, MODEL_FAMILIES, type ModelFamily } from './families.js';
import { designFamilyModel } from './family-design.js';
import type { FamilyModelManifest } from './family-files.js';
import { GENERATOR_VERSION, MANIFEST_FILE } from './write-model.js';

/**
 * Fingerprints of the generated family folders (sha256 over every file's hash). A change to the
 * generator that changes any output byte fails here: if intended, bump GENERATOR_VERSION and
 * update these values.
 */
const PINNED: { version: string } & Record<ModelFamily, string> = {
  version: '1',
  llama3: '4bab9d1a979ffb9abe5ee23b0464785ce3fa515b0993208030c594ebf9b9feed',
  qwen3: '43cd9f9f1541e9449526a1af7669f62415e050e6c0996b5b53569a1f1764729e',
  gemma3: '49e9fc03b4ccc86208a295ad84f726947b51dea0c9c17be178ee1e5185d4fd49',
  llama2: '51f6c2c15e835e4415d66eb6f8cc1ab0625e95d2095878b41a4eda6d606baca9',
};

const VOCAB: Record<ModelFamily, number> = { llama3: 128256, qwen3: 151936, gemma3: 262144, llama2: 32000 };

describe.each(MODEL_FAMILIES.map((family) => ({ family })))('the $family family folder', ({ family }) => {
  const spec = FAMILY_SPECS[family];

  it('has the pinned fingerprint and the files transformers.js loads', async () => {
    const dir = await ensureTinyModel({ family });
    const manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as FamilyModelManifest;
    expect(GENERATOR_VERSION).toBe(PINNED.version);
    expect(manifest.fingerprint).toBe(PINNED[family]);
    expect(manifest.files.map((f) => f.path)).toEqual(
      expect.arrayContaining(['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'TOKENIZER-LICENSE.txt', 'onnx/model.onnx']),
    );
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config.model_type).toBe(spec.modelType);
    expect(config.vocab_size).toBe(VOCAB[family]);
    expect(config.num_key_value_heads as number).toBeLessThan(config.num_attention_heads as number);
    expect(config.tie_word_embeddings).toBe(family === 'qwen3' || family === 'gemma3');
    const generation = JSON.parse(await readFile(join(dir, 'generation_config.json'), 'utf8')) as Record<string, unknown>;
    expect([generation.eos_token_id].flat()).toEqual(spec.eosTokenIds);
    // The tokenizer files are the package's, unchanged.
    const design = designFamilyModel(family);
    expect(await readFile(join(dir, 'tokenizer.json'), 'utf8')).toBe(design.tokenizerJson);
    expect(design.tokenizerSource).toBe(`${spec.tokenizerPackage}@3.7.2`);
  });

  it('designFamilyModel gives HF-named float32 tensors in [out, in] layout', () => {
    const { tensors, config } = designFamilyModel(family);
    const byName = new Map(tensors.map((t) => [t.name, t]));
    const { hidden: d, heads: H, kvHeads: KV, headDim: D, intermediate: I } = spec;
    expect(byName.get('model.embed_tokens.weight')?.dims).toEqual([VOCAB[family], d]);
    expect(byName.get('model.layers.0.self_attn.q_proj.weight')?.dims).toEqual([H * D, d]);
    expect(byName.get('model.layers.1.self_attn.k_proj.weight')?.dims).toEqual([KV * D, d]);
    expect(byName.get('model.layers.1.self_attn.o_proj.weight')?.dims).toEqual([d, H * D]);
    expect(byName.get('model.layers.1.mlp.down_proj.weight')?.dims).toEqual([d, I]);
    expect(byName.has('lm_head.weight')).toBe(!config.tie_word_embeddings);
    expect(byName.has('model.layers.0.self_attn.q_norm.weight')).toBe(family === 'qwen3' || family === 'gemma3');
    expect(byName.has('model.layers.0.pre_feedforward_layernorm.weight')).toBe(family === 'gemma3');
    for (const t of tensors) expect(t.data.length).toBe(t.dims.reduce((a, b) => a * b, 1));
  });
});
