/**
 * Decode speed, side by side in one run on the same model and prompt:
 *   1. the engine's greedy loop (engine.complete, batch 1),
 *   2. transformers.js's own model.generate() (greedy),
 *   3. a bare onnxruntime-node InferenceSession loop (argmax in JS, nothing else),
 * then the cost of n=4 (one batched forward per step) against n=1 at the same max_tokens.
 *
 * Run: npm run bench -w @textgen-spec/engine   (builds first through turbo)
 * Models: the embedded tiny model and its `large` variant; or BENCH_MODELS=/path/a,/path/b.
 * Each loop runs BENCH_RUNS times (default 7) after one warm-up run; the table shows the best
 * and the median wall time, and compares best times: on a shared machine the best run is the
 * one least disturbed by other processes.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { AutoModelForCausalLM, AutoTokenizer } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { bareRun, graphMeta } from './bare-loop.mjs';
import { loadEngine } from '../dist/index.js';
import { benchRequest, compare, median, RUNS } from './common.mjs';

const PROMPT = 'The quick brown fox';



function greedyRequest(overrides) {
  return benchRequest({ prompt: PROMPT }, overrides);
}

async function engineRun(engine, maxTokens, n = 1) {
  let completion = 0;
  for await (const event of engine.complete(greedyRequest({ max_tokens: maxTokens, n, best_of: n }))) {
    if (event.type === 'done') completion = event.usage.completion_tokens;
  }
  if (completion !== maxTokens * n) throw new Error(`engine generated ${completion} tokens, expected ${maxTokens * n}`);
}

async function generateRun(model, inputIds, maxTokens) {
  const output = await model.generate({
    input_ids: inputIds,
    max_new_tokens: maxTokens,
    min_new_tokens: maxTokens,
    do_sample: false,
  });
  const generated = output.dims[1] - inputIds.dims[1];
  if (generated !== maxTokens) throw new Error(`generate() produced ${generated} tokens, expected ${maxTokens}`);
}

async function modelFolders() {
  if (process.env.BENCH_MODELS) return process.env.BENCH_MODELS.split(',').map((p) => path.resolve(p));
  const { ensureTinyModel } = await import('@textgen-spec/tiny-model');
  return [await ensureTinyModel({}), await ensureTinyModel({ variant: 'large' })];
}

const pad = (s, n) => String(s).padEnd(n);
const rate = (tokens, ms) => ((tokens / ms) * 1000).toFixed(0);

for (const folder of await modelFolders()) {
  const engine = await loadEngine({ model: folder });
  const model = await AutoModelForCausalLM.from_pretrained(folder, { device: 'cpu', dtype: 'fp32' });
  const tokenizer = await AutoTokenizer.from_pretrained(folder);
  const session = await ort.InferenceSession.create(path.join(folder, 'onnx', 'model.onnx'));
  const meta = graphMeta(session, engine.info.eosTokenIds[0]);
  const promptIds = tokenizer.encode(PROMPT, { add_special_tokens: false });
  const inputIds = tokenizer(PROMPT, { add_special_tokens: false }).input_ids;
  const layers = engine.info.modelType;
  const tokens = Number(process.env.BENCH_TOKENS ?? 128);

  console.log(`\n${path.basename(folder)} (${layers}, vocab ${engine.info.vocabSize}, ${meta.layers.length / 2} layers), prompt ${promptIds.length} tokens, ${tokens} new tokens, ${RUNS} runs each`);
  const t = await compare({
    bare: () => bareRun(session, meta, promptIds, tokens),
    generate: () => generateRun(model, inputIds, tokens),
    engine: () => engineRun(engine, tokens),
    engine4: () => engineRun(engine, tokens, 4),
  });
  console.log(`  ${pad('loop', 34)}${pad('best ms', 10)}${pad('median ms', 11)}${pad('tokens/s', 10)}ratio (best times)`);
  const row = (name, time, count, ratio) =>
    console.log(`  ${pad(name, 34)}${pad(time.best.toFixed(1), 10)}${pad(time.median.toFixed(1), 11)}${pad(rate(count, time.best), 10)}${ratio}`);
  row('bare onnxruntime-node loop', t.bare, tokens, '1.00x bare');
  row('transformers.js generate()', t.generate, tokens, `${(t.generate.best / t.bare.best).toFixed(2)}x bare`);
  row('engine greedy, n=1', t.engine, tokens, `${(t.engine.best / t.bare.best).toFixed(2)}x bare, ${(t.engine.best / t.generate.best).toFixed(2)}x generate()`);
  row('engine greedy, n=4 (one batch)', t.engine4, tokens * 4, `${(t.engine4.best / t.engine.best).toFixed(2)}x the time of n=1`);

  await engine.dispose();
  await model.dispose();
  await session.release();
}
