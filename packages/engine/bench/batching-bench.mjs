/**
 * Continuous batching on the engine called in process (no HTTP, no worker): 1, 4 and 8
 * concurrent greedy requests of 128 tokens each (different prompts), a few rounds. Per case:
 * tokens/s (wall), forward passes (one shared step for all rows plus one prefill per request),
 * and the process's CPU ms per token, which a loaded machine disturbs less than wall time.
 * Beside it, in the same rounds, the bare onnxruntime loop (bare-loop.mjs) decoding 1, 4 and 8
 * rows in one batch: how much faster N rows go than one on this model and machine is the
 * ceiling of what any scheduler can gain from batching them.
 *
 * Run: node bench/batching-bench.mjs [default|large] (after a build)
 */
import { loadEngine } from '../dist/index.js';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { bareRun, graphMeta } from './bare-loop.mjs';
import { benchRequest, median } from './common.mjs';

const variant = process.argv[2] ?? 'default';
const ROUNDS = Number(process.env.BENCH_RUNS ?? 3);
const TOKENS = 128;
const { ensureTinyModel } = await import('@textgen-spec/tiny-model');
const folder = await ensureTinyModel(variant === 'default' ? {} : { variant });
const engine = await loadEngine({ model: folder });
const session = await ort.InferenceSession.create(path.join(folder, 'onnx', 'model.onnx'));
const meta = graphMeta(session, engine.info.eosTokenIds[0]);
const barePrompt = engine.encode('The quick brown fox');
const CLIENTS = [1, 4, 8];
const rates = { engine: {}, bare: {} };
const record = (kind, clients, value) => (rates[kind][clients] ??= []).push(value);
const PROMPTS = ['Once upon a time', 'This is the house that Jack built', 'The quick brown fox', 'This is the rat', 'That lay in', 'Mary had a little', 'This is the malt', 'The cat'];

async function one(i) {
  for await (const event of engine.complete(benchRequest({ prompt: PROMPTS[i % PROMPTS.length] }, { max_tokens: TOKENS }))) {
    if (event.type === 'done' && event.usage.completion_tokens !== TOKENS) throw new Error('short completion');
  }
}

await one(0);
await bareRun(session, meta, barePrompt, TOKENS);
console.log(`${variant}: ${TOKENS} greedy tokens per request, ${ROUNDS} rounds (machine shared: compare within a round)`);
for (let round = 0; round < ROUNDS; round++) {
  const cells = [];
  for (const clients of CLIENTS) {
    const passes = engine.batchStats().forwardPasses;
    const cpu = process.cpuUsage();
    const start = performance.now();
    await Promise.all(Array.from({ length: clients }, (_, i) => one(i)));
    const wall = performance.now() - start;
    const used = process.cpuUsage(cpu);
    const tokens = clients * TOKENS;
    record('engine', clients, (tokens / wall) * 1000);
    const bareStart = performance.now();
    await bareRun(session, meta, barePrompt, TOKENS, clients);
    const bareRate = (tokens / (performance.now() - bareStart)) * 1000;
    record('bare', clients, bareRate);
    cells.push(
      `${clients} clients ${((tokens / wall) * 1000).toFixed(0)} tok/s, ${engine.batchStats().forwardPasses - passes} passes, CPU ${((used.user + used.system) / 1000 / tokens).toFixed(3)} ms/token (bare ${clients} rows ${bareRate.toFixed(0)} tok/s)`,
    );
  }
  console.log(`  round ${round + 1}: ${cells.join(' | ')}`);
}
const best = (kind, clients) => Math.max(...rates[kind][clients]);
const mid = (kind, clients) => median(rates[kind][clients]);
for (const clients of CLIENTS.slice(1)) {
  console.log(
    `  ${clients} rows / 1 row, tokens/s (best / median): engine ${(best('engine', clients) / best('engine', 1)).toFixed(2)}x / ${(mid('engine', clients) / mid('engine', 1)).toFixed(2)}x; bare onnxruntime (the ceiling) ${(best('bare', clients) / best('bare', 1)).toFixed(2)}x / ${(mid('bare', clients) / mid('bare', 1)).toFixed(2)}x`,
  );
}
await engine.dispose();
await session.release();
