/**
 * A/B of one decode-loop change in the same run: the engine built from this checkout (`dist/`)
 * beside a baseline build (BENCH_BASELINE, a folder holding another build's `dist/`, inside this
 * package so that it resolves the same dependencies), greedy n=1 and n=4, loops in rotation.
 *
 * Run: cp -r dist .baseline/dist (before the change), rebuild, then
 *   BENCH_BASELINE=.baseline node bench/step-bench.mjs
 * Models: the embedded tiny model and its `large` variant (BENCH_VARIANTS=default,large).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchRequest, median, RUNS } from './common.mjs';

const baselineDir = process.env.BENCH_BASELINE;
if (!baselineDir) throw new Error('set BENCH_BASELINE to a folder holding the baseline dist/');
const current = await import('../dist/index.js');
const baseline = await import(pathToFileURL(path.resolve(baselineDir, 'dist', 'index.js')).href);
const tokens = Number(process.env.BENCH_TOKENS ?? 128);

async function run(engine, n) {
  let completion = 0;
  const request = benchRequest({ prompt: 'The quick brown fox' }, { max_tokens: tokens, n, best_of: n });
  for await (const event of engine.complete(request)) if (event.type === 'done') completion = event.usage.completion_tokens;
  if (completion !== tokens * n) throw new Error(`generated ${completion} tokens, expected ${tokens * n}`);
}

/**
 * Like common.mjs's compare() (warm-up, then the loops in rotation), but also the process's CPU
 * time per loop: on a loaded machine, less disturbed than wall time by other processes.
 */
async function compareWithCpu(loops) {
  for (const fn of Object.values(loops)) await fn();
  const times = Object.fromEntries(Object.keys(loops).map((k) => [k, { wall: [], cpu: [] }]));
  for (let i = 0; i < RUNS; i++) {
    for (const [name, fn] of Object.entries(loops)) {
      const cpu = process.cpuUsage();
      const start = performance.now();
      await fn();
      times[name].wall.push(performance.now() - start);
      const used = process.cpuUsage(cpu);
      times[name].cpu.push((used.user + used.system) / 1000);
    }
  }
  const summary = (v) => ({ best: Math.min(...v), median: median(v) });
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, { ...summary(v.wall), cpu: summary(v.cpu) }]));
}

const { ensureTinyModel } = await import('@textgen-spec/tiny-model');
for (const variant of (process.env.BENCH_VARIANTS ?? 'default,large').split(',')) {
  const folder = await ensureTinyModel(variant === 'default' ? {} : { variant });
  const a = await baseline.loadEngine({ model: folder });
  const b = await current.loadEngine({ model: folder });
  const t = await compareWithCpu({
    baseline1: () => run(a, 1),
    current1: () => run(b, 1),
    baseline4: () => run(a, 4),
    current4: () => run(b, 4),
  });
  console.log(`\n${variant}: ${tokens} greedy tokens, ${RUNS} runs each, ms per token (best / median)`);
  for (const n of [1, 4]) {
    const base = t[`baseline${n}`];
    const cur = t[`current${n}`];
    const per = (x) => `${(x.best / tokens).toFixed(3)} / ${(x.median / tokens).toFixed(3)}`;
    console.log(`  n=${n}: baseline ${per(base)}, current ${per(cur)}, current / baseline ${(cur.best / base.best).toFixed(3)} (best), ${(cur.median / base.median).toFixed(3)} (median)`);
    console.log(`       CPU ms per token: baseline ${per(base.cpu)}, current ${per(cur.cpu)}, current / baseline ${(cur.cpu.best / base.cpu.best).toFixed(3)} (best), ${(cur.cpu.median / base.cpu.median).toFixed(3)} (median)`);
  }
  await a.dispose();
  await b.dispose();
}
