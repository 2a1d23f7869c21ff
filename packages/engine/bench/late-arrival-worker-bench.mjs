/**
 * Time to first token of a request arriving while a batch decodes, with the engine in a worker
 * thread as the server runs it (requests arrive as messages, read between two turns of the
 * worker's event loop), no HTTP. 4 streams of 256 greedy tokens keep the shared batch busy; 40
 * short requests arrive one after another. Beside it: the same request's TTFT on the idle
 * engine. Target (issue 17): p95 <= idle TTFT + 2 steps.
 *
 * Run: node bench/late-arrival-worker-bench.mjs [DIST ...]   (after a build; default: dist)
 * Several DISTs (say .baseline/dist from before a change, and dist) alternate, 3 rounds each.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchRequest, median, percentile } from './common.mjs';

const dists = process.argv.length > 2 ? process.argv.slice(2) : ['dist'];
const ROUNDS = dists.length > 1 ? 3 : 1;
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 40);
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function measure(dist) {
  const { loadEngineInWorker } = await import(pathToFileURL(path.resolve(dist, 'index.js')).href);
  const engine = await loadEngineInWorker({});
  const firstToken = async (seed) => {
    const start = performance.now();
    const events = engine.complete(benchRequest({ prompt: 'This is the rat' }, { max_tokens: 8, seed }))[Symbol.asyncIterator]();
    await events.next();
    const ms = performance.now() - start;
    while (!(await events.next()).done);
    return ms;
  };
  const idle = [];
  for (let i = 0; i < 9; i++) idle.push(await firstToken(i));
  // The time of a 4-row step: 4 streams of 128 tokens started together take 128 steps (and 4 short prefills).
  const stepTime = performance.now();
  await Promise.all(
    Array.from({ length: 4 }, async (_, i) => {
      for await (const event of engine.complete(benchRequest({ prompt: 'Once upon a time' }, { max_tokens: 128, seed: i }))) void event;
    }),
  );
  const step = (performance.now() - stepTime) / 128;
  let stopping = false;
  const background = Array.from({ length: 4 }, async (_, i) => {
    while (!stopping) for await (const event of engine.complete(benchRequest({ prompt: 'Once upon a time' }, { max_tokens: 256, seed: i }))) if (stopping) break;
  });
  await pause(300);
  const late = [];
  for (let i = 0; i < SAMPLES; i++) {
    late.push(await firstToken(100 + i));
    await pause(7 + (i % 5) * 3);
  }
  stopping = true;
  await Promise.all(background);
  await engine.dispose();
  const target = median(idle) + 2 * step;
  const p95 = percentile(late, 95);
  console.log(
    `  ${dist.padEnd(16)} idle TTFT ${median(idle).toFixed(2)} ms, 4-row step ${step.toFixed(2)} ms; late TTFT p50 ${median(late).toFixed(2)} ms, p95 ${p95.toFixed(2)} ms; target ${target.toFixed(2)} ms: ${p95 <= target ? 'met' : 'not met'}`,
  );
}

console.log(`Late arrival, engine in a worker, default model, ${SAMPLES} samples per run (compare within this run)`);
for (let round = 0; round < ROUNDS; round++) for (const dist of dists) await measure(dist);
