#!/usr/bin/env node
// Concurrency benchmark: several clients streaming at once over HTTP, with continuous batching
// (the default: every running completion shares one decoding step) beside the old serialized
// behaviour (--max-concurrency 1: one completion at a time, the others queued), in the same run
// on the same engine (one worker thread serves both servers, which never run at once).
//
// For 1, 4 and 8 clients, each streaming a greedy 128-token completion with a different prompt:
// aggregate tokens/s (all tokens / wall time) and ms per token of one stream (its time / its
// tokens), best and median of the rounds. Then the time to first token of a short request
// arriving while 4 long streams decode (p50 / p95 over the samples), beside the same request's
// time to first token on an idle server (its prefill) and the batch's ms per step: the target is
// p95 <= idle TTFT + 2 steps.
//
// Usage: node apps/server/bench/concurrency-bench.mjs [--quick] [--default-only | --large-only] [--thread-spin on|run|off]
//   (build first: npx turbo run build --filter=@textgen-spec/server)
import { fork } from 'node:child_process';
import { loadEngineInWorker } from '@textgen-spec/engine';
import { ensureTinyModel } from '@textgen-spec/tiny-model';
import { startServer } from '../dist/index.js';

const quick = process.argv.includes('--quick');
const spinAt = process.argv.indexOf('--thread-spin');
const SPIN = spinAt < 0 ? undefined : { on: true, run: 'run', off: false }[process.argv[spinAt + 1]];
const ROUNDS = quick ? 2 : 5;
const TOKENS = 128;
const CLIENTS = [1, 4, 8];
const SAMPLES = { batched: quick ? 10 : 40, serialized: quick ? 2 : 4 };
const PROMPTS = ['Once upon a time', 'This is the house that Jack built', 'The quick brown fox', 'This is the rat', 'That lay in', 'Mary had a little', 'This is the malt', 'The cat'];

const client = fork(new URL('./concurrency-client.mjs', import.meta.url));
function job(message) {
  return new Promise((resolve, reject) => {
    client.once('message', (reply) => (reply.ok ? resolve(reply.result) : reject(new Error(reply.error))));
    client.send(message);
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const percentile = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)];
const body = (i, maxTokens = TOKENS) => ({ model: 'bench', prompt: PROMPTS[i % PROMPTS.length], max_tokens: maxTokens, temperature: 0, ban_eos_token: true });

/** One round of `clients` concurrent streams: aggregate tokens/s and the mean ms per token of a stream. */
async function round(url, clients) {
  const cpuBefore = process.cpuUsage();
  const { wall, results } = await job({ type: 'concurrent', url, bodies: Array.from({ length: clients }, (_, i) => body(i)) });
  const tokens = results.reduce((n, r) => n + r.tokens, 0);
  if (tokens !== clients * TOKENS) throw new Error(`expected ${clients * TOKENS} tokens, got ${tokens}`);
  // The pace a client sees once its stream has started, and how long it waited for its first token.
  const msPerToken = results.reduce((sum, r) => sum + (r.total - r.ttft) / (r.tokens - 1), 0) / clients;
  const ttft = Math.max(...results.map((r) => r.ttft));
  // CPU time of this process (HTTP thread and the engine's worker; the client is another process)
  // per token: less disturbed by other processes than wall time on a loaded machine.
  const cpu = process.cpuUsage(cpuBefore);
  return { rate: (tokens / wall) * 1000, msPerToken, ttft, cpuPerToken: (cpu.user + cpu.system) / 1000 / tokens };
}

async function variant(name, modelFolder) {
  const engine = await loadEngineInWorker({ ...(modelFolder ? { model: modelFolder } : {}), ...(SPIN === undefined ? {} : { threads: { spin: SPIN } }) });
  const common = { host: '127.0.0.1', port: 0, engine, maxQueue: 1024, logLevel: 'silent', requestTimeoutMs: 0 };
  const servers = {
    serialized: await startServer({ ...common, maxConcurrency: 1 }),
    batched: await startServer({ ...common }),
  };
  for (const server of Object.values(servers)) await server.ready;
  console.log(`\n${name} (${engine.info.id}), ${TOKENS} greedy tokens per stream, ${ROUNDS} rounds, modes alternating`);
  console.log('  tokens/s: all streams\' tokens / wall time; ms/token: a stream\'s pace after its first token; last TTFT: the slowest first token of a round (median); server CPU: this process\'s CPU ms per token (median)');
  console.log(`  ${'clients'.padEnd(9)}${'mode'.padEnd(12)}${'tokens/s best'.padEnd(15)}${'median'.padEnd(9)}${'ms/token best'.padEnd(15)}${'median'.padEnd(9)}${'last TTFT ms'.padEnd(14)}${'server CPU'.padEnd(12)}batched / serialized (best tokens/s)`);
  const single = {};
  for (const clients of CLIENTS) {
    const runs = { serialized: [], batched: [] };
    await round(servers.batched.url, clients); // warm-up
    for (let i = 0; i < ROUNDS; i++) {
      const order = i % 2 === 0 ? ['serialized', 'batched'] : ['batched', 'serialized'];
      for (const mode of order) runs[mode].push(await round(servers[mode].url, clients));
    }
    const best = (mode) => Math.max(...runs[mode].map((r) => r.rate));
    for (const mode of ['serialized', 'batched']) {
      const rates = runs[mode].map((r) => r.rate);
      const ms = runs[mode].map((r) => r.msPerToken);
      const ratio = mode === 'batched' ? `${(best('batched') / best('serialized')).toFixed(2)}x` : '';
      const vsSingle = mode === 'batched' && clients > 1 ? `, ${(best('batched') / single.rate).toFixed(2)}x one stream` : '';
      console.log(`  ${String(clients).padEnd(9)}${mode.padEnd(12)}${Math.max(...rates).toFixed(0).padEnd(15)}${median(rates).toFixed(0).padEnd(9)}${Math.min(...ms).toFixed(2).padEnd(15)}${median(ms).toFixed(2).padEnd(9)}${median(runs[mode].map((r) => r.ttft)).toFixed(1).padEnd(14)}${median(runs[mode].map((r) => r.cpuPerToken)).toFixed(3).padEnd(12)}${ratio}${vsSingle}`);
    }
    if (clients === 1) single.rate = best('batched');
  }
  await lateArrivalRows(servers);
  for (const server of Object.values(servers)) await server.close();
  await engine.dispose();
}

/** TTFT of a short request arriving during a long batch, beside its idle TTFT and the batch's step time. */
async function lateArrivalRows(servers) {
  const short = body(3, 8);
  const idle = [];
  for (let i = 0; i < 7; i++) idle.push((await job({ type: 'concurrent', url: servers.batched.url, bodies: [short] })).results[0].ttft);
  const step = (await round(servers.batched.url, 4)).msPerToken;
  console.log(`  late arrival: a ${short.max_tokens}-token request while 4 streams of 256 tokens decode; idle TTFT median ${median(idle).toFixed(1)} ms, a 4-row step ${step.toFixed(2)} ms`);
  for (const mode of ['batched', 'serialized']) {
    const { ttfts } = await job({
      type: 'late',
      url: servers[mode].url,
      background: Array.from({ length: 4 }, (_, i) => body(i, 256)),
      short,
      samples: SAMPLES[mode],
      pauseMs: 37,
    });
    const p95 = percentile(ttfts, 95);
    const target = median(idle) + 2 * step;
    console.log(`    ${mode.padEnd(11)} ${ttfts.length} samples: TTFT p50 ${median(ttfts).toFixed(1)} ms, p95 ${p95.toFixed(1)} ms (target idle + 2 steps = ${target.toFixed(1)} ms: ${p95 <= target ? 'met' : 'not met'})`);
  }
}

console.log(`Concurrency benchmark, node ${process.version}${SPIN === undefined ? '' : `, onnxruntime thread spin ${String(SPIN)}`}. Machine: shared 2-core box with other work running: compare ratios within this run.`);
if (!process.argv.includes('--large-only')) await variant('default tiny model', undefined);
if (!process.argv.includes('--default-only')) await variant('large tiny model', await ensureTinyModel({ variant: 'large' }));
client.send({ type: 'exit' });
