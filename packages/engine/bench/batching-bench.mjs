/**
 * Continuous batching on the engine called in process (no HTTP, no worker): 1, 4 and 8
 * concurrent greedy requests of 128 tokens each (different prompts), a few rounds. Per case:
 * tokens/s (wall), forward passes (one shared step for all rows plus one prefill per request),
 * and the process's CPU ms per token, which a loaded machine disturbs less than wall time.
 *
 * Run: node bench/batching-bench.mjs [default|large] (after a build)
 */
import { loadEngine } from '../dist/index.js';
import { benchRequest } from './common.mjs';

const variant = process.argv[2] ?? 'default';
const ROUNDS = Number(process.env.BENCH_RUNS ?? 3);
const TOKENS = 128;
const { ensureTinyModel } = await import('@textgen-spec/tiny-model');
const engine = await loadEngine({ model: await ensureTinyModel(variant === 'default' ? {} : { variant }) });
const PROMPTS = ['Once upon a time', 'This is the house that Jack built', 'The quick brown fox', 'This is the rat', 'That lay in', 'Mary had a little', 'This is the malt', 'The cat'];

async function one(i) {
  for await (const event of engine.complete(benchRequest({ prompt: PROMPTS[i % PROMPTS.length] }, { max_tokens: TOKENS }))) {
    if (event.type === 'done' && event.usage.completion_tokens !== TOKENS) throw new Error('short completion');
  }
}

await one(0);
console.log(`${variant}: ${TOKENS} greedy tokens per request, ${ROUNDS} rounds (machine shared: compare within a round)`);
for (let round = 0; round < ROUNDS; round++) {
  const cells = [];
  for (const clients of [1, 4, 8]) {
    const passes = engine.batchStats().forwardPasses;
    const cpu = process.cpuUsage();
    const start = performance.now();
    await Promise.all(Array.from({ length: clients }, (_, i) => one(i)));
    const wall = performance.now() - start;
    const used = process.cpuUsage(cpu);
    const tokens = clients * TOKENS;
    cells.push(
      `${clients} clients ${((tokens / wall) * 1000).toFixed(0)} tok/s, ${engine.batchStats().forwardPasses - passes} passes, CPU ${((used.user + used.system) / 1000 / tokens).toFixed(3)} ms/token`,
    );
  }
  console.log(`  round ${round + 1}: ${cells.join(' | ')}`);
}
await engine.dispose();
