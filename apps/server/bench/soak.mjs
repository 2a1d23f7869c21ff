#!/usr/bin/env node
// Soak test (not part of npm test): a real server on 127.0.0.1 with the tiny model in its
// worker thread, hit for a bounded time by the attacks of the attack suite interleaved with
// seeded requests. Reports: 5xx count (must be 0), hangs (a request over 60 s; must be 0),
// seeded outputs that changed (must be 0), /health latency under load (p50/p99/max), and the
// process's memory (RSS, worker included) at start, peak and after the run.
// Usage: node apps/server/bench/soak.mjs [--seconds N] (default 120); build first.
import { performance } from 'node:perf_hooks';
import { startServer } from '../dist/index.js';

const secondsArg = process.argv.indexOf('--seconds');
const SECONDS = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 120;
const HANG_MS = 60_000;

const server = await startServer({ host: '127.0.0.1', port: 0, maxConcurrency: 2, maxQueue: 16, writeTimeoutMs: 2000, logLevel: 'silent' });
await server.ready;
const url = server.url;
const model = server.model.engine.info.id;

const attacks = [
  { grammar_string: 'root ::= ("x"{0,10000}){0,10000}' },
  { grammar_string: 'root ::= ("x"?){10000}' },
  { grammar_string: `root ::= ${'('.repeat(6000)}"x"${')'.repeat(6000)}` },
  { prompt: 'x'.repeat(1000 * 1000) },
  { dry_multiplier: 0.8, dry_sequence_breakers: ['y'.repeat(900 * 1000)] },
  { best_of: 6000 },
  { prompt: Array.from({ length: 10_000 }, () => 'a') },
  { n: 16, max_tokens: 64, prompt_lookup_num_tokens: 64 },
  { n: 16, max_tokens: 32, guidance_scale: 1.5, negative_prompt: 'no' },
  { max_tokens: 8, max_tokens_second: 50, stream: true },
];
const seeded = { prompt: 'Once upon a time', max_tokens: 24, seed: 1234, temperature: 0.9 };

async function post(path, body, headers = { 'content-type': 'application/json' }) {
  const started = performance.now();
  try {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(HANG_MS) });
    const text = await res.text();
    return { status: res.status, text, ms: performance.now() - started };
  } catch (error) {
    return { status: error.name === 'TimeoutError' ? 'hang' : 'network', text: String(error), ms: performance.now() - started };
  }
}

async function healthMs() {
  const started = performance.now();
  const res = await fetch(`${url}/health`);
  await res.arrayBuffer();
  return performance.now() - started;
}

function rssMb() {
  return process.memoryUsage().rss / 1024 / 1024;
}

const reference = JSON.parse((await post('/v1/completions', { model, ...seeded })).text).choices[0].text;
global.gc?.();
const baseline = rssMb();
let peak = baseline;
const statuses = {};
const health = [];
let changed = 0;
let requests = 0;
const deadline = Date.now() + SECONDS * 1000;
for (let round = 0; Date.now() < deadline; round++) {
  const attack = attacks[round % attacks.length];
  const inFlight = [
    post('/v1/completions', { model, prompt: 'a', max_tokens: 4, ...attack }),
    post('/v1/completions', { model, ...seeded }),
    post('/v1/internal/token-count', { text: 'x'.repeat(round % 3 === 0 ? 1000 * 1000 : 1000) }),
    post('/v1/completions', { model, prompt: 'a' }, { 'content-type': 'text/plain' }),
  ];
  health.push(await healthMs());
  const results = await Promise.all(inFlight);
  requests += results.length;
  for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  if (results[1].status === 200 && JSON.parse(results[1].text).choices[0].text !== reference) changed++;
  peak = Math.max(peak, rssMb());
}
await new Promise((resolve) => setTimeout(resolve, 2000));
global.gc?.();
const after = rssMb();
health.sort((a, b) => a - b);
const q = (p) => health[Math.min(health.length - 1, Math.floor(p * health.length))].toFixed(1);
const fiveXx = Object.entries(statuses).filter(([s]) => /^5/.test(s)).reduce((n, [, c]) => n + c, 0);
console.log(`Soak: ${SECONDS} s, ${requests} requests, model ${model}, node ${process.version}`);
console.log(`  statuses: ${JSON.stringify(statuses)}`);
console.log(`  5xx: ${fiveXx}   hangs (> ${HANG_MS / 1000} s): ${statuses.hang ?? 0}   seeded outputs changed: ${changed}`);
console.log(`  /health under load: p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${health.at(-1).toFixed(1)} ms (${health.length} probes)`);
console.log(`  RSS: start ${baseline.toFixed(0)} MB, peak ${peak.toFixed(0)} MB, after ${after.toFixed(0)} MB`);
await server.close();
process.exit(fiveXx === 0 && !statuses.hang && changed === 0 ? 0 : 1);
