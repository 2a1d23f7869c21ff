/**
 * Decode speed, side by side in one run on the same model and prompt:
 *   1. the engine's greedy loop (engine.complete, batch 1),
 *   2. transformers.js's own model.generate() (greedy),
 *   3. a bare onnxruntime-node InferenceSession loop (argmax in JS, nothing else),
 * then the cost of n=4 (one batched forward per step) against n=1 at the same max_tokens.
 *
 * Run: npm run bench -w @textgen-spec/engine   (builds first through turbo)
 * Models: the embedded tiny model and its `large` variant; or BENCH_MODELS=/path/a,/path/b.
 * Each figure is the median of BENCH_RUNS runs (default 5) after one warm-up run.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { AutoModelForCausalLM, AutoTokenizer } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { loadEngine } from '../dist/index.js';

const PROMPT = 'The quick brown fox';
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timed(fn) {
  await fn(); // warm-up
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return median(times);
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
    if (meta.positionIds) {
      feeds.position_ids = new ort.Tensor('int64', BigInt64Array.from(ids, (_, i) => BigInt(position + i)), [1, ids.length]);
    }
    const out = await session.run(feeds);
    const logits = out.logits.data;
    const vocab = out.logits.dims[2];
    const offset = (ids.length - 1) * vocab;
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
  return { layers, positionIds: session.inputNames.includes('position_ids') };
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
  const meta = { ...graphMeta(session), eos: engine.info.eosTokenIds[0] };
  const promptIds = tokenizer.encode(PROMPT, { add_special_tokens: false });
  const inputIds = tokenizer(PROMPT, { add_special_tokens: false }).input_ids;
  const layers = engine.info.modelType;
  const tokens = Number(process.env.BENCH_TOKENS ?? 128);

  console.log(`\n${path.basename(folder)} (${layers}, vocab ${engine.info.vocabSize}, ${meta.layers.length / 2} layers), prompt ${promptIds.length} tokens, ${tokens} new tokens, median of ${RUNS}`);
  const bare = await timed(() => bareRun(session, meta, promptIds, tokens));
  const gen = await timed(() => generateRun(model, inputIds, tokens));
  const eng = await timed(() => engineRun(engine, tokens));
  console.log(`  ${pad('loop', 36)}${pad('ms', 10)}tokens/s   vs bare`);
  for (const [name, ms] of [
    ['bare onnxruntime-node loop', bare],
    ['transformers.js generate()', gen],
    ['engine greedy (complete, n=1)', eng],
  ]) {
    console.log(`  ${pad(name, 36)}${pad(ms.toFixed(1), 10)}${pad(rate(tokens, ms), 11)}${(ms / bare).toFixed(2)}x`);
  }
  const n4 = await timed(() => engineRun(engine, tokens, 4));
  console.log(`  ${pad('engine greedy n=4 (one batch)', 36)}${pad(n4.toFixed(1), 10)}${pad(rate(tokens * 4, n4), 11)}${(n4 / eng).toFixed(2)}x the time of n=1`);

  await engine.dispose();
  await model.dispose();
  await session.release();
}
