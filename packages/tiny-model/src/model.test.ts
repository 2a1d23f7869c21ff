/**
 * Real inference through transformers.js (onnxruntime-node, CPU) on the generated model:
 * loading, the KV cache, padding, the bigram behaviour, sampling to end-of-text, extra outputs.
 */
import { Tensor, type PreTrainedModel, type PreTrainedTokenizer } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  argmax,
  forward,
  int64,
  loadLocal,
  logSoftmax,
  logitsRow,
  maxAbsDiff,
  sample,
  tempDir,
  type Outputs,
} from './__fixtures__/helpers.js';
import { buildBigramTable, type BigramTable } from './bigram.js';
import { CORPUS_TEXT } from './corpus.js';
import { Rng } from './det-math.js';
import { END_OF_TEXT_ID, encodeWithGpt3Encoder, loadGpt2Vocabulary } from './tokenizer.js';
import { BIGRAM_OPTIONS, writeTinyModel } from './write-model.js';

const EOS = END_OF_TEXT_ID;
const HIDDEN = 96;

/** The designed bigram table, rebuilt the way the generator builds it. */
function designedTable(): BigramTable {
  const { tokens } = loadGpt2Vocabulary();
  const isSentenceEnd = (id: number): boolean => /[.!?]$/.test(tokens[id] ?? '');
  return buildBigramTable(encodeWithGpt3Encoder(CORPUS_TEXT), EOS, isSentenceEnd, BIGRAM_OPTIONS);
}

/** The greedy chain of the table itself: what a pure bigram model would say after `start`. */
function tableGreedy(table: BigramTable, start: number, steps: number): number[] {
  const n = table.tokens.length;
  const out: number[] = [];
  let i = table.tokens.indexOf(start);
  for (let s = 0; s < steps; s++) {
    let best = 0;
    for (let j = 1; j < n; j++) if ((table.logProb[i * n + j] as number) > (table.logProb[i * n + best] as number)) best = j;
    out.push(table.tokens[best] as number);
    i = best;
  }
  return out;
}

const ones = (length: number): number[] => new Array<number>(length).fill(1);

describe('the default tiny model in transformers.js', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let model: PreTrainedModel;
  let tokenizer: PreTrainedTokenizer;
  let table: BigramTable;
  let corpusWords: Set<string>;

  beforeAll(async () => {
    dir = await tempDir('model');
    await writeTinyModel(dir.path);
    ({ model, tokenizer } = await loadLocal(dir.path));
    table = designedTable();
    corpusWords = new Set(CORPUS_TEXT.split(/[^A-Za-z]+/).filter(Boolean));
  });
  afterAll(async () => {
    await model?.dispose();
    await dir.cleanup();
  });

  it('declares the KV-cache inputs and outputs transformers.js expects, plus last_hidden_state', () => {
    const session = (model as unknown as { sessions: Record<string, { inputNames: string[]; outputNames: string[] }> })
      .sessions.model;
    expect(session?.inputNames).toEqual([
      'input_ids',
      'attention_mask',
      'position_ids',
      'past_key_values.0.key',
      'past_key_values.0.value',
      'past_key_values.1.key',
      'past_key_values.1.value',
      'num_logits_to_keep',
    ]);
    expect(session?.outputNames).toEqual([
      'logits',
      'present.0.key',
      'present.0.value',
      'present.1.key',
      'present.1.value',
      'last_hidden_state',
    ]);
  });

  it('generates English words of the rhyme with greedy generate(), following the bigram table', async () => {
    const inputs = tokenizer('This is the');
    const output = (await model.generate({ ...inputs, max_new_tokens: 24, do_sample: false })) as Tensor;
    const ids = Array.from(output.data as BigInt64Array, Number);
    const continuation = ids.slice(3);
    expect(continuation).toEqual(tableGreedy(table, 262 /* " the" */, 24));
    const text = tokenizer.decode(continuation);
    expect(text.startsWith(' house that Jack built.\n')).toBe(true);
    for (const word of text.split(/[^A-Za-z]+/).filter(Boolean)) expect(corpusWords).toContain(word);
  });

  it('gives the bigram log-probabilities of the corpus (within a small context-dependent perturbation)', async () => {
    const sequence = [EOS, ...encodeWithGpt3Encoder(CORPUS_TEXT).slice(0, 200)];
    const out = await forward(model, [sequence], [ones(sequence.length)]);
    const n = table.tokens.length;
    let worst = 0;
    let total = 0;
    for (let pos = 0; pos < sequence.length; pos++) {
      const logProbs = logSoftmax(logitsRow(out.logits as Tensor, 0, pos));
      const i = table.tokens.indexOf(sequence[pos] as number);
      for (let j = 0; j < n; j++) {
        const error = Math.abs((logProbs[table.tokens[j] as number] as number) - (table.logProb[i * n + j] as number));
        worst = Math.max(worst, error);
        total += error;
      }
    }
    expect(worst).toBeLessThan(0.3);
    expect(total / (sequence.length * n)).toBeLessThan(0.05);
  });

  it('falls back to the unigram distribution after a token that is not in the rhyme', async () => {
    const out = await forward(model, [[15496, 995]], [[1, 1]]); // "Hello world"
    const logProbs = logSoftmax(logitsRow(out.logits as Tensor, 0, 1));
    const unigram = table.logFloor.map((x) => x - Math.log(BIGRAM_OPTIONS.smoothing));
    const n = table.tokens.length;
    for (let j = 0; j < n; j++) expect(Math.abs((logProbs[table.tokens[j] as number] as number) - (unigram[j] as number))).toBeLessThan(0.15);
    // Tokens outside the rhyme are never likely.
    expect(logProbs[15496]).toBeLessThan(-20);
  });

  it('gives the same logits with the KV cache as with full recomputation', async () => {
    const sequence = [EOS, 1212, 318, 262]; // <|endoftext|>This is the
    let cached = await forward(model, [sequence], [ones(sequence.length)]);
    let last = logitsRow(cached.logits as Tensor, 0, sequence.length - 1);
    for (let step = 0; step < 12; step++) {
      const next = argmax(last);
      sequence.push(next);
      cached = await forward(model, [[next]], [ones(sequence.length)], cached);
      const full = await forward(model, [sequence], [ones(sequence.length)]);
      last = logitsRow(cached.logits as Tensor, 0, 0);
      expect(maxAbsDiff(last, logitsRow(full.logits as Tensor, 0, sequence.length - 1))).toBeLessThan(1e-4);
      expect((cached['present.1.key'] as Tensor).dims).toEqual([1, 4, sequence.length, 24]);
    }
  });

  it('depends on the cache contents (attention is real): a wrong cache changes the logits', async () => {
    const right = await forward(model, [[EOS, 1212, 318]], [[1, 1, 1]]);
    const wrong = await forward(model, [[EOS, 2504, 8104]], [[1, 1, 1]]); // <|endoftext|>That lay
    const withRight = await forward(model, [[262]], [[1, 1, 1, 1]], right);
    const withWrong = await forward(model, [[262]], [[1, 1, 1, 1]], wrong);
    const diff = maxAbsDiff(logitsRow(withRight.logits as Tensor, 0, 0), logitsRow(withWrong.logits as Tensor, 0, 0));
    expect(diff).toBeGreaterThan(1e-3);
  });

  it('gives each sequence of a left-padded batch the logits it gets alone', async () => {
    const a = [EOS, 1212, 318, 262]; // <|endoftext|>This is the
    const b = [2504, 8104]; // That lay
    const pad = a.length - b.length;
    const batchIds = [a, [...new Array<number>(pad).fill(EOS), ...b]];
    const mask = [ones(a.length), [...new Array<number>(pad).fill(0), ...ones(b.length)]];
    let batch = await forward(model, batchIds, mask);
    let aloneA = await forward(model, [a], [ones(a.length)]);
    let aloneB = await forward(model, [b], [ones(b.length)]);
    for (let step = 0; step < 6; step++) {
      const rowA = logitsRow(batch.logits as Tensor, 0, step === 0 ? a.length - 1 : 0);
      const rowB = logitsRow(batch.logits as Tensor, 1, step === 0 ? a.length - 1 : 0);
      const soloA = logitsRow(aloneA.logits as Tensor, 0, step === 0 ? a.length - 1 : 0);
      const soloB = logitsRow(aloneB.logits as Tensor, 0, step === 0 ? b.length - 1 : 0);
      expect(maxAbsDiff(rowA, soloA)).toBeLessThan(1e-4);
      expect(maxAbsDiff(rowB, soloB)).toBeLessThan(1e-4);
      const [nextA, nextB] = [argmax(rowA), argmax(rowB)];
      for (const m of mask) m.push(1);
      batch = await forward(model, [[nextA], [nextB]], mask, batch);
      aloneA = await forward(model, [[nextA]], [ones(a.length + step + 1)], aloneA);
      aloneB = await forward(model, [[nextB]], [ones(b.length + step + 1)], aloneB);
    }
  });

  it('reaches end-of-text by itself when sampling at temperature 1, differently for each seed', async () => {
    const prompt = [1212, 318, 262]; // This is the
    const table_ = new Set(table.tokens);
    const texts: string[] = [];
    for (const seed of [1, 2, 3]) {
      const rng = new Rng(seed);
      const generated: number[] = [];
      let out: Outputs = await forward(model, [prompt], [ones(prompt.length)]);
      let row = logitsRow(out.logits as Tensor, 0, prompt.length - 1);
      for (let step = 0; step < 1000; step++) {
        const next = sample(row, rng);
        generated.push(next);
        if (next === EOS) break;
        out = await forward(model, [[next]], [ones(prompt.length + generated.length)], out);
        row = logitsRow(out.logits as Tensor, 0, 0);
      }
      expect(generated.at(-1), `seed ${seed} stops`).toBe(EOS);
      for (const id of generated) expect(table_.has(id)).toBe(true);
      texts.push(tokenizer.decode(generated));
    }
    expect(new Set(texts).size).toBe(texts.length);
  });

  it('returns last_hidden_state [batch, seq, hidden], LayerNorm-normalised', async () => {
    const out = await forward(model, [[1212, 318, 262], [2504, 8104, 287]], [ones(3), ones(3)]);
    const hidden = out.last_hidden_state as Tensor;
    expect(hidden.dims).toEqual([2, 3, HIDDEN]);
    const data = hidden.data as Float32Array;
    for (let v = 0; v < 6; v++) {
      const vec = data.subarray(v * HIDDEN, (v + 1) * HIDDEN);
      const mean = vec.reduce((s, x) => s + x, 0) / HIDDEN;
      const variance = vec.reduce((s, x) => s + (x - mean) ** 2, 0) / HIDDEN;
      expect(Math.abs(mean)).toBeLessThan(1e-4);
      expect(Math.abs(variance - 1)).toBeLessThan(1e-3);
    }
  });

  it('computes only the last k positions of logits when num_logits_to_keep = k', async () => {
    const ids = int64([[EOS, 1212, 318, 262]]);
    const attention_mask = int64([[1, 1, 1, 1]]);
    const all = (await model.forward({ input_ids: ids, attention_mask })) as Outputs;
    const keep = new Tensor('int64', BigInt64Array.of(1n), []);
    const last = (await model.forward({ input_ids: ids, attention_mask, num_logits_to_keep: keep })) as Outputs;
    expect((all.logits as Tensor).dims).toEqual([1, 4, 50257]);
    expect((last.logits as Tensor).dims).toEqual([1, 1, 50257]);
    expect(maxAbsDiff(logitsRow(last.logits as Tensor, 0, 0), logitsRow(all.logits as Tensor, 0, 3))).toBeLessThan(1e-5);
    expect((last.last_hidden_state as Tensor).dims).toEqual([1, 4, HIDDEN]);
  });
});

describe('the large tiny model in transformers.js', () => {
  it('loads, and greedy generation follows the same bigram table', async () => {
    const dir = await tempDir('model-large');
    try {
      await writeTinyModel(dir.path, { variant: 'large' });
      const { model, tokenizer } = await loadLocal(dir.path);
      const output = (await model.generate({ ...tokenizer('This is the'), max_new_tokens: 16, do_sample: false })) as Tensor;
      expect(Array.from(output.data as BigInt64Array, Number).slice(3)).toEqual(tableGreedy(designedTable(), 262, 16));
      const out = await forward(model, [[1212, 318]], [[1, 1]]);
      expect((out.last_hidden_state as Tensor).dims).toEqual([1, 2, 256]);
      expect((out['present.3.value'] as Tensor).dims).toEqual([1, 8, 2, 32]);
      await model.dispose();
    } finally {
      await dir.cleanup();
    }
  });
});
