import { describe, expect, it } from 'vitest';
import { FAMILY_SPECS } from './families.js';
import { designFamilyModel } from './family-design.js';
import { readGgufHeader, writeGguf } from './gguf.js';
import { familyModelGguf, llama3RopeFactors, permuteForLlamaRope } from './gguf-llama.js';

/** Rotary embedding of one head's vector: HF's rotate_half pairs (j, j + D/2), llama.cpp's `llama` pairs (2j, 2j + 1). */
function rotate(v: number[], angles: number[], adjacent: boolean): number[] {
  const out = [...v];
  const half = v.length / 2;
  angles.forEach((a, j) => {
    const [i1, i2] = adjacent ? [2 * j, 2 * j + 1] : [j, j + half];
    out[i1] = v[i1]! * Math.cos(a) - v[i2]! * Math.sin(a);
    out[i2] = v[i2]! * Math.cos(a) + v[i1]! * Math.sin(a);
  });
  return out;
}

const matVec = (w: Float32Array, x: number[], rows: number) =>
  Array.from({ length: rows }, (_, r) => x.reduce((s, xi, i) => s + w[r * x.length + i]! * xi, 0));

describe('permuteForLlamaRope', () => {
  it('makes llama.cpp adjacent-pair RoPE of the permuted projection equal HF rotate_half RoPE, reordered the same way', () => {
    const heads = 2;
    const headDim = 6;
    const inputs = 3;
    const w = Float32Array.from({ length: heads * headDim * inputs }, (_, i) => Math.sin(i * 1.7) * 2);
    const x = [0.3, -1.2, 0.8];
    const angles = [0.4, 1.1, 2.5];
    const permuted = permuteForLlamaRope(w, heads, headDim, inputs);
    const hf = matVec(w, x, heads * headDim);
    const cpp = matVec(permuted, x, heads * headDim);
    for (let h = 0; h < heads; h++) {
      const hfRot = rotate(hf.slice(h * headDim, (h + 1) * headDim), angles, false);
      const cppRot = rotate(cpp.slice(h * headDim, (h + 1) * headDim), angles, true);
      // Row 2i + a of llama.cpp's head is HF's row a·D/2 + i: same values, interleaved.
      const interleaved = Array.from({ length: headDim }, (_, r) => hfRot[(r % 2) * (headDim / 2) + Math.floor(r / 2)]!);
      cppRot.forEach((v, r) => expect(v).toBeCloseTo(interleaved[r]!, 6));
    }
    // Query·key dot products (what attention uses) are therefore the same.
    expect(permuted).not.toEqual(w);
  });
});

describe('llama3RopeFactors', () => {
  it('keeps high frequencies, divides low ones by the factor and interpolates between (HF rope_type llama3)', () => {
    const spec = FAMILY_SPECS.llama3;
    const f = llama3RopeFactors(spec)!;
    expect(f).toHaveLength(spec.headDim / 2);
    expect(f[0]).toBe(1);
    expect(f[f.length - 1]).toBe(spec.ropeScaling!.factor);
    for (let i = 1; i < f.length; i++) expect(f[i]!).toBeGreaterThanOrEqual(f[i - 1]!);
    expect(llama3RopeFactors(FAMILY_SPECS.llama2)).toBeNull();
  });
});

describe('familyModelGguf', () => {
  it('writes llama3 as llama.cpp `llama` with its hyperparameters, byte-level BPE vocabulary and every tensor', () => {
    const design = designFamilyModel('llama3');
    const h = readGgufHeader(writeGguf(familyModelGguf('llama3')));
    const spec = design.spec;
    expect(h.kv.get('general.architecture')).toBe('llama');
    expect(h.kv.get('llama.attention.head_count_kv')).toBe(spec.kvHeads);
    expect(h.kv.get('llama.rope.freq_base')).toBe(spec.ropeTheta);
    expect(h.kv.get('tokenizer.ggml.model')).toBe('gpt2');
    expect(h.kv.get('tokenizer.ggml.pre')).toBe('llama-bpe');
    expect((h.kv.get('tokenizer.ggml.tokens') as string[]).length).toBe(spec.vocabSize);
    expect(h.kv.get('tokenizer.ggml.bos_token_id')).toBe(spec.bosTokenId);
    expect(h.kv.get('tokenizer.ggml.eos_token_id')).toBe(spec.endOfTextId);
    expect(h.kv.get('tokenizer.ggml.add_bos_token')).toBe(false);
    const names = h.tensors.map((t) => t.name);
    expect(names).toHaveLength(design.tensors.length + 1);
    expect(names).toContain('rope_freqs.weight');
    expect(h.tensors.find((t) => t.name === 'blk.0.attn_k.weight')?.dims).toEqual([spec.hidden, spec.kvHeads * spec.headDim]);
    expect(h.tensors.find((t) => t.name === 'output.weight')?.dims).toEqual([spec.hidden, spec.vocabSize]);
  });

  it('refuses the families it does not export', () => {
    expect(() => familyModelGguf('gemma3')).toThrow(/no GGUF export for gemma3/);
  });
});
