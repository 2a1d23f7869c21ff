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
import { loadEngine } from '../dist/index.js';

const PROMPT = 'The quick brown fox';
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Median wall time of each loop. Loops run in rotation (a, b, c, a, b, c, ...) after one
 * warm-up each, so a burst of load from other processes hits them all alike.
 */
async function compare(loops) {
  for (const fn of Object.values(loops)) await fn();
  const times = Object.fromEntries(Object.keys(loops).map((k) => [k, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const [name, fn] of Object.entries(loops)) {
      const start = performance.now();
      await fn();
      times[name].push(performance.now() - start);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, { best: Math.min(...v), median: median(v) }]));
}

function greedyRequest(overrides) {
  // Every field of NormalizedCompletionRequest, with OpenAI/TGW defaults.
  return {
    model: 'bench', prompts: [PROMPT], best_of: 1, echo: false, frequency_penalty: 0, logit_bias: {},
    logprobs: null, max_tokens: 16, n: 1, presence_penalty: 0, seed: 1, stop: [], stream: true,
    stream_options: null, suffix: null, temperature: 0, top_p: 1, user: null, min_p: 0, top_k: 0,
    typical_p: 1, tfs: 1, top_a: 0, sampler_priority: null, preset: null, dynamic_temperature: false,
    dynatemp_low: 1, dynatemp_high: 1, dynatemp_exponent: 1, smoothing_factor: 0, smoothing_curve: 1,
    repetition_penalty: 1, repetition_penalty_range: 1024, epsilon_cutoff: 0, eta_cutoff: 0,
    guidance_scale: 1, negative_prompt: '', penalty_alpha: 0, mirostat_mode: 0, mirostat_tau: 5,
    mirostat_eta: 0.1, temperature_last: false, do_sample: false, encoder_repetition_penalty: 1,
    no_repeat_ngram_size: 0, dry_multiplier: 0, dry_base: 1.75, dry_allowed_length: 2,
    dry_sequence_breakers: [], truncation_length: 0, max_tokens_second: 0, prompt_lookup_num_tokens: 0,
    custom_token_bans: [], auto_max_new_tokens: false, ban_eos_token: true, add_bos_token: true,
    skip_special_tokens: true, grammar_string: '', xtc_threshold: 0.1, xtc_probability: 0, top_n_sigma: 0,
    ...overrides,
  };
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

/** The floor: feed the session by hand, argmax in JS, no sampler, no text. */
async function bareRun(session, meta, promptIds, maxTokens) {
  const { layers, eos } = meta;
  let past = {};
  for (const { name, heads, headDim } of layers) past[name] = new ort.Tensor('float32', new Float32Array(0), [1, heads, 0, headDim]);
  let ids = promptIds;
  let position = 0;
  for (let step = 0; step < maxTokens; step++) {
    const total = position + ids.length;
    const feeds = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
      ...past,
    };
    if (meta.numLogitsToKeep) feeds.num_logits_to_keep = new ort.Tensor('int64', BigInt64Array.of(1n), []);
    if (meta.positionIds) {
      feeds.position_ids = new ort.Tensor('int64', BigInt64Array.from(ids, (_, i) => BigInt(position + i)), [1, ids.length]);
    }
    const out = await session.run(feeds, meta.fetches);
    const logits = out.logits.data;
    const vocab = out.logits.dims[2];
    const offset = (out.logits.dims[1] - 1) * vocab;
    let best = -Infinity;
    let token = 0;
    for (let i = 0; i < vocab; i++) {
      const v = logits[offset + i];
      if (v > best && i !== eos) {
        best = v;
        token = i;
      }
    }
    past = {};
    for (const { name } of layers) past[name] = out[name.replace('past_key_values.', 'present.')];
    position = total;
    ids = [token];
  }
}

function graphMeta(session) {
  const layers = session.inputMetadata
    .filter((m) => m.name.startsWith('past_key_values.'))
    .map((m) => ({ name: m.name, heads: m.shape[1], headDim: m.shape[3] }));
  return {
    layers,
    positionIds: session.inputNames.includes('position_ids'),
    numLogitsToKeep: session.inputNames.includes('num_logits_to_keep'),
  };
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
  const graph = graphMeta(session);
  // Fetch what the loop needs (not last_hidden_state), as the engine does.
  const fetches = ['logits', ...graph.layers.map((l) => l.name.replace('past_key_values.', 'present.'))];
  const meta = { ...graph, fetches, eos: engine.info.eosTokenIds[0] };
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
