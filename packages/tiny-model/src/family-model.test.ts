/**
 * Each model family (llama3, qwen3, gemma3, llama2) through transformers.js, offline, from the
 * cache folder ensureTinyModel generates: its own model class, the onnx-community graph layout,
 * real RoPE (relative positions, left padding, KV cache), readable greedy text, sampling to EOS.
 */
import type { PreTrainedModel, PreTrainedTokenizer, Tensor } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { argmax, forward, int64, loadLocal, logitsRow, maxAbsDiff, sample, type Outputs } from './__fixtures__/helpers.js';
import { CORPUS_TEXT } from './corpus.js';
import { Rng } from './det-math.js';
import { ensureTinyModel } from './ensure.js';
import { FAMILY_SPECS, MODEL_FAMILIES, type ModelFamily } from './families.js';
import { designFamilyModel } from './family-design.js';

const CLASS_OF: Record<ModelFamily, string> = {
  llama3: 'LlamaForCausalLM',
  qwen3: 'Qwen3ForCausalLM',
  gemma3: 'Gemma3ForCausalLM',
  llama2: 'LlamaForCausalLM',
};

const ones = (length: number): number[] => new Array<number>(length).fill(1);
const corpusWords = new Set(CORPUS_TEXT.split(/[^A-Za-z]+/).filter(Boolean));

describe.each(MODEL_FAMILIES.map((family) => ({ family })))('the $family family model in transformers.js', ({ family }) => {
  const spec = FAMILY_SPECS[family];
  let model: PreTrainedModel;
  let tokenizer: PreTrainedTokenizer;
  let prompt: number[]; // "This is the", with BOS where the tokenizer adds it

  beforeAll(async () => {
    ({ model, tokenizer } = await loadLocal(await ensureTinyModel({ family })));
    prompt = tokenizer.encode('This is the');
  });
  afterAll(async () => {
    await model?.dispose();
  });

  it(`loads through ${CLASS_OF[family]} with the onnx-community input and output layout`, () => {
    expect(model.constructor.name).toBe(CLASS_OF[family]);
    expect(model.config.model_type).toBe(spec.modelType);
    const session = (model as unknown as { sessions: Record<string, { inputNames: string[]; outputNames: string[]; inputMetadata: { name: string; shape: unknown[] }[] }> }).sessions.model;
    if (!session) throw new Error('no session "model"');
    const layers = Array.from({ length: spec.layers }, (_, i) => i);
    expect(session.inputNames).toEqual([
      'input_ids',
      'attention_mask',
      'position_ids',
      ...layers.flatMap((i) => [`past_key_values.${i}.key`, `past_key_values.${i}.value`]),
    ]);
    expect(session.outputNames).toEqual(['logits', ...layers.flatMap((i) => [`present.${i}.key`, `present.${i}.value`])]);
    const past = session.inputMetadata.find((m) => m.name === 'past_key_values.0.key');
    expect(past?.shape).toEqual(['batch_size', spec.kvHeads, 'past_sequence_length', spec.headDim]);
    expect(spec.kvHeads).toBeLessThan(spec.heads);
  });

  it('generates words of the rhyme greedily, continuing the prompt', async () => {
    const out = (await model.generate({ input_ids: int64([prompt]), max_new_tokens: 24, do_sample: false })) as Tensor;
    const text = tokenizer.decode((out.tolist() as bigint[][])[0]?.map(Number) ?? [], { skip_special_tokens: true });
    expect(text.startsWith('This is the ')).toBe(true);
    expect(text.length).toBeGreaterThan(60);
    for (const word of text.split(/[^A-Za-z]+/).filter(Boolean)) expect(corpusWords).toContain(word);
  });

  it('gives the same logits with the KV cache as with full recomputation (position_ids follow the cache)', async () => {
    const sequence = [...prompt];
    let cached = await forward(model, [sequence], [ones(sequence.length)]);
    let last = logitsRow(cached.logits as Tensor, 0, sequence.length - 1);
    for (let step = 0; step < 8; step++) {
      sequence.push(argmax(last));
      cached = await forward(model, [[sequence.at(-1) as number]], [ones(sequence.length)], cached);
      const full = await forward(model, [sequence], [ones(sequence.length)]);
      last = logitsRow(cached.logits as Tensor, 0, 0);
      expect(maxAbsDiff(last, logitsRow(full.logits as Tensor, 0, sequence.length - 1))).toBeLessThan(1e-4);
    }
    expect((cached['present.0.key'] as Tensor).dims).toEqual([1, spec.kvHeads, sequence.length, spec.headDim]);
  });

  it('gives each row of a left-padded batch the logits it gets alone, step after step', async () => {
    const a = [...prompt, ...tokenizer.encode(' house that', { add_special_tokens: false })];
    const b = tokenizer.encode('That lay');
    const pad = a.length - b.length;
    const mask = [ones(a.length), [...new Array<number>(pad).fill(0), ...ones(b.length)]];
    let batch = await forward(model, [a, [...new Array<number>(pad).fill(spec.padTokenId ?? 0), ...b]], mask);
    let aloneA = await forward(model, [a], [ones(a.length)]);
    let aloneB = await forward(model, [b], [ones(b.length)]);
    for (let step = 0; step < 5; step++) {
      const at = (o: Outputs, row: number, length: number): Float32Array => logitsRow(o.logits as Tensor, row, step === 0 ? length - 1 : 0);
      expect(maxAbsDiff(at(batch, 0, a.length), at(aloneA, 0, a.length))).toBeLessThan(1e-4);
      expect(maxAbsDiff(at(batch, 1, a.length), at(aloneB, 0, b.length))).toBeLessThan(1e-4);
      const [nextA, nextB] = [argmax(at(aloneA, 0, a.length)), argmax(at(aloneB, 0, b.length))];
      for (const m of mask) m.push(1);
      batch = await forward(model, [[nextA], [nextB]], mask, batch);
      aloneA = await forward(model, [[nextA]], [ones(a.length + step + 1)], aloneA);
      aloneB = await forward(model, [[nextB]], [ones(b.length + step + 1)], aloneB);
    }
  });

  it('uses rotary positions: a uniform shift keeps the logits, moving one position changes them', async () => {
    const ids = [...prompt, ...tokenizer.encode(' house that Jack', { add_special_tokens: false })];
    const run = async (positions: number[]): Promise<Float32Array> => {
      const out = (await model.forward({ input_ids: int64([ids]), attention_mask: int64([ones(ids.length)]), position_ids: int64([positions]) })) as Outputs;
      return logitsRow(out.logits as Tensor, 0, ids.length - 1).slice();
    };
    const base = await run(ids.map((_, i) => i));
    expect(maxAbsDiff(base, await run(ids.map((_, i) => i + 7)))).toBeLessThan(2e-3);
    expect(maxAbsDiff(base, await run(ids.map((_, i) => (i === ids.length - 1 ? i + 40 : i))))).toBeGreaterThan(5e-3);
  });

  it('reaches an end-of-sequence id by itself when sampling at temperature 1', async () => {
    const design = designFamilyModel(family);
    const inTable = new Set(design.table.tokens);
    for (const seed of [1, 2]) {
      const rng = new Rng(seed);
      const generated: number[] = [];
      let out: Outputs = await forward(model, [prompt], [ones(prompt.length)]);
      let row = logitsRow(out.logits as Tensor, 0, prompt.length - 1);
      for (let step = 0; step < 800 && !spec.eosTokenIds.includes(generated.at(-1) ?? -1); step++) {
        generated.push(sample(row, rng));
        out = await forward(model, [[generated.at(-1) as number]], [ones(prompt.length + generated.length)], out);
        row = logitsRow(out.logits as Tensor, 0, 0);
      }
      expect(generated.at(-1), `seed ${seed} stops`).toBe(spec.endOfTextId);
      for (const id of generated) expect(inTable.has(id)).toBe(true);
    }
  });
});
