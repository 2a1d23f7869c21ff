/**
 * Time to first token of a request arriving while a batch decodes, on the engine called in
 * process (no HTTP, no worker): 4 streams of 256 greedy tokens keep the shared batch busy
 * (restarted as they end), and short requests arrive one after another. For each: wall time to
 * its first text event and the forward passes run meanwhile (BatchStats). Beside it, in the same
 * run: the same request's TTFT on the idle engine (its prefill) and the time of a 4-row step.
 * Target (issue 17): p95 <= idle TTFT + 2 steps.
 *
 * Run: node bench/late-arrival-bench.mjs [default|large] (after a build)
 */
import { loadEngine } from '../dist/index.js';
import { benchRequest, median, percentile } from './common.mjs';

const variant = process.argv[2] ?? 'default';
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 40);
const { ensureTinyModel } = await import('@textgen-spec/tiny-model');
const engine = await loadEngine({ model: await ensureTinyModel(variant === 'default' ? {} : { variant }) });
const PROMPTS = ['Once upon a time', 'This is the house that Jack built', 'The quick brown fox', 'This is the rat'];
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Time to the first text event and the passes run meanwhile; then the request is read to its end. */
async function firstToken(seed) {
  const passes = engine.batchStats().forwardPasses;
  const start = performance.now();
  const events = engine.complete(benchRequest({ prompt: 'This is the rat' }, { max_tokens: 8, seed }))[Symbol.asyncIterator]();
  await events.next();
  const result = { ms: performance.now() - start, passes: engine.batchStats().forwardPasses - passes };
  while (!(await events.next()).done);
  return result;
}

const idle = [];
for (let i = 0; i < 9; i++) idle.push((await firstToken(i)).ms);

let stopping = false;
const background = PROMPTS.map(async (prompt) => {
  while (!stopping) for await (const event of engine.complete(benchRequest({ prompt }, { max_tokens: 256 }))) if (stopping) break;
});
await pause(300);
// The time of a 4-row step, measured on the running batch.
const stepStart = engine.batchStats().forwardPasses;
const stepTime = performance.now();
await pause(500);
const step = (performance.now() - stepTime) / (engine.batchStats().forwardPasses - stepStart);
const late = [];
for (let i = 0; i < SAMPLES; i++) {
  late.push(await firstToken(i));
  await pause(37);
}
stopping = true;
await Promise.all(background);
await engine.dispose();

const ms = late.map((s) => s.ms);
const target = median(idle) + 2 * step;
console.log(`${variant}: late arrival during a 4-stream batch, ${SAMPLES} samples (machine shared: compare within this run)`);
console.log(`  idle TTFT median ${median(idle).toFixed(1)} ms, a 4-row step ${step.toFixed(1)} ms`);
console.log(`  late TTFT p50 ${median(ms).toFixed(1)} ms, p95 ${percentile(ms, 95).toFixed(1)} ms; target idle + 2 steps = ${target.toFixed(1)} ms: ${percentile(ms, 95) <= target ? 'met' : 'not met'}`);
console.log(`  forward passes before the first token: max ${Math.max(...late.map((s) => s.passes))} (its prefill and the step in flight)`);
