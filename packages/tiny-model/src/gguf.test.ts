import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GGML_TYPE_F32, GGUF_ALIGNMENT, readGgufHeader, tinyModelGguf, transpose, writeGguf } from './gguf.js';
import { END_OF_TEXT_ID } from './tokenizer.js';
import { designTinyModel } from './write-model.js';

describe('writeGguf / readGgufHeader', () => {
  it('round-trips metadata and tensor infos, with aligned data', () => {
    const a = new Float32Array([1, 2, 3, 4, 5, 6]);
    const bytes = writeGguf({
      kv: [
        ['general.architecture', { type: 'string', value: 'gpt2' }],
        ['n', { type: 'u32', value: 7 }],
        ['eps', { type: 'f32', value: 0.5 }],
        ['flag', { type: 'bool', value: true }],
        ['list', { type: 'string[]', value: ['a', 'é'] }],
        ['ints', { type: 'i32[]', value: [-1, 3] }],
        ['floats', { type: 'f32[]', value: [-0.5, 2] }],
      ],
      tensors: [
        { name: 'a', dims: [3, 2], data: a },
        { name: 'b', dims: [1], data: new Float32Array([9]) },
      ],
    });
    const h = readGgufHeader(bytes);
    expect(h.version).toBe(3);
    expect([...h.kv]).toEqual([
      ['general.architecture', 'gpt2'],
      ['n', 7],
      ['eps', 0.5],
      ['flag', true],
      ['list', ['a', 'é']],
      ['ints', [-1, 3]],
      ['floats', [-0.5, 2]],
    ]);
    expect(h.tensors).toEqual([
      { name: 'a', dims: [3, 2], type: GGML_TYPE_F32, offset: 0 },
      { name: 'b', dims: [1], type: GGML_TYPE_F32, offset: 32 },
    ]);
    expect(h.dataOffset % GGUF_ALIGNMENT).toBe(0);
    const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset + h.dataOffset, bytes.byteOffset + h.dataOffset + 24));
    expect([...data]).toEqual([...a]);
    expect(new DataView(bytes.buffer, bytes.byteOffset).getFloat32(h.dataOffset + 32, true)).toBe(9);
    expect(bytes.length).toBe(h.dataOffset + 64);
  });

  it('refuses a tensor whose dims do not match its data', () => {
    expect(() => writeGguf({ kv: [], tensors: [{ name: 'x', dims: [2, 2], data: new Float32Array(3) }] })).toThrow(/dims 2x2 hold 4/);
  });

  it('transposes row-major matrices', () => {
    expect([...transpose(new Float32Array([1, 2, 3, 4, 5, 6]), 2, 3)]).toEqual([1, 4, 2, 5, 3, 6]);
  });
});

describe('tinyModelGguf', () => {
  it("is llama.cpp's gpt2 layout of the tiny model, deterministic", () => {
    const bytes = writeGguf(tinyModelGguf('default'));
    expect(createHash('sha256').update(writeGguf(tinyModelGguf('default'))).digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'));
    const h = readGgufHeader(bytes);
    expect(h.kv.get('general.architecture')).toBe('gpt2');
    expect(h.kv.get('gpt2.block_count')).toBe(2);
    expect(h.kv.get('gpt2.embedding_length')).toBe(96);
    expect(h.kv.get('gpt2.attention.head_count')).toBe(4);
    expect(h.kv.get('gpt2.context_length')).toBe(1024);
    expect(h.kv.get('tokenizer.ggml.model')).toBe('gpt2');
    expect((h.kv.get('tokenizer.ggml.tokens') as string[]).length).toBe(50257);
    expect((h.kv.get('tokenizer.ggml.merges') as string[]).length).toBe(50000);
    expect((h.kv.get('tokenizer.ggml.token_type') as number[])[END_OF_TEXT_ID]).toBe(3);
    expect(h.kv.get('tokenizer.ggml.eos_token_id')).toBe(END_OF_TEXT_ID);
    const names = h.tensors.map((t) => t.name);
    expect(names).toHaveLength(2 + 2 * 12 + 2);
    expect(names).toContain('blk.1.attn_qkv.weight');
    expect(h.tensors.find((t) => t.name === 'token_embd.weight')?.dims).toEqual([96, 50257]);
    expect(h.tensors.find((t) => t.name === 'blk.0.ffn_down.weight')?.dims).toEqual([384, 96]);
    // blk.0.attn_qkv.weight holds output j's inputs contiguously: element (j, i) = attnW[i][j].
    const qkv = h.tensors.find((t) => t.name === 'blk.0.attn_qkv.weight')!;
    const { weights } = designTinyModel('default');
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const at = (j: number, i: number) => view.getFloat32(h.dataOffset + qkv.offset + 4 * (j * 96 + i), true);
    expect(at(5, 7)).toBe(weights.layers[0]!.attnW[7 * 288 + 5]);
    expect(at(200, 3)).toBe(weights.layers[0]!.attnW[3 * 288 + 200]);
  });
});
