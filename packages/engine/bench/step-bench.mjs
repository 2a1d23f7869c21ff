/**
 * A/B of one decode-loop change in the same run: the engine built from this checkout (`dist/`)
 * beside a baseline build (BENCH_BASELINE, a folder holding another build's `dist/`, inside this
 * package so that it resolves the same dependencies), greedy n=1 and n=4, loops in rotation.
 *
 * Run: cp -r dist .baseline/dist (before the change), rebuild, then
 *   BENCH_BASELINE=.baseline node bench/step-bench.mjs
 * Models: the embedded tiny model and its `large` variant.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchRequest, compare, RUNS } from './common.mjs';

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

const { ensureTinyModel } = await import('@textgen-spec/tiny-model');
for (const variant of ['default', 'large']) {
  const folder = await ensureTinyModel(variant === 'default' ? {} : { variant });
  const a = await baseline.loadEngine({ model: folder });
  const b = await current.loadEngine({ model: folder });
  const t = await compare({
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
  }
  await a.dispose();
  await b.dispose();
}
