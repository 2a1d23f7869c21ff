#!/usr/bin/env node
// Server benchmark: what HTTP + SSE cost on top of the engine, and requests/s at several
// client concurrencies. The server runs in this process on 127.0.0.1 with the embedded tiny
// model, the HTTP client in a worker thread, and each HTTP figure is printed next to the same
// work done by calling the engine directly in the same run.
// Usage: npm run bench -w @textgen-spec/server [-- --quick]
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { loadEngine } from '@textgen-spec/engine';
import { parseCompletionRequest } from '@textgen-spec/spec';
import { startServer } from '../dist/index.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 15;
const STREAM_TOKENS = 128;
const RPS_SECONDS = quick ? 2 : 5;
const CONCURRENCIES = [1, 4, 16];

const engine = await loadEngine({});
const model = engine.info.id;

/** A normalized request, exactly as the server hands it to the engine. */
function normalized(body) {
  const parsed = parseCompletionRequest({ model, ...body }, { profile: 'compat' });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  return parsed.value;
}

const streamBody = { prompt: 'Once upon a time', max_tokens: STREAM_TOKENS, temperature: 0, ban_eos_token: true };
const smallBody = { prompt: 'Hello', max_tokens: 4, temperature: 0 };

/** Engine called directly: time to the first text event, total time, generated tokens. */
async function direct(body) {
  const start = performance.now();
  let first = null;
  let tokens = 0;
  for await (const event of engine.complete(normalized(body))) {
    if (event.type === 'text' && first === null) first = performance.now() - start;
    if (event.type === 'done') tokens = event.usage.completion_tokens;
  }
  return { ttft: first ?? NaN, total: performance.now() - start, tokens };
}

const worker = new Worker(new URL('./http-client.mjs', import.meta.url));
/** Runs a job in the client worker. */
function client(job) {
  return new Promise((resolve, reject) => {
    worker.once('message', (reply) => (reply.ok ? resolve(reply.result) : reject(new Error(reply.error))));
    worker.postMessage(job);
  });
}
const overHttp = (url, body) => client({ type: 'stream', url, body: { model, ...body } });

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const pct = (http, base) => `${http >= base ? '+' : ''}${(((http - base) / base) * 100).toFixed(1)}%`;
const delta = (http, base) => `${http >= base ? '+' : ''}${(http - base).toFixed(2)} ms`;

/** Runs `job` from `concurrency` loops for `seconds`; returns completed jobs per second. */
async function throughput(concurrency, seconds, job) {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await job();
        done++;
      }
    }),
  );
  return done / ((performance.now() - start) / 1000);
}

console.log(`Server benchmark on ${model} (${engine.info.device}/${engine.info.dtype}), node ${process.version}`);
console.log('Machine: shared 2-core box, other work running: treat figures as indicative.\n');

// --- 1. Streaming: TTFT and tokens/s, engine direct vs HTTP + SSE (alternating rounds) ---
const server = await startServer({ host: '127.0.0.1', port: 0, engine, maxConcurrency: 16, maxQueue: 1024, logLevel: 'silent' });
await server.ready;
await direct(streamBody);
await overHttp(server.url, streamBody);
const runs = { direct: [], http: [] };
for (let i = 0; i < ROUNDS; i++) {
  runs.direct.push(await direct(streamBody));
  runs.http.push(await overHttp(server.url, streamBody));
}
const summary = (list) => ({
  ttft: median(list.map((r) => r.ttft)),
  total: median(list.map((r) => r.total)),
  tps: median(list.map((r) => r.tokens / (r.total / 1000))),
  tokens: list[0].tokens,
});
const d = summary(runs.direct);
const h = summary(runs.http);
console.log(`1. One stream of ${d.tokens} tokens, median of ${ROUNDS} alternating rounds`);
console.log('                      engine direct   HTTP + SSE   difference');
console.log(`   time to 1st token  ${d.ttft.toFixed(1).padStart(10)} ms ${h.ttft.toFixed(1).padStart(9)} ms   ${delta(h.ttft, d.ttft)} (${pct(h.ttft, d.ttft)})`);
console.log(`   total              ${d.total.toFixed(1).padStart(10)} ms ${h.total.toFixed(1).padStart(9)} ms   ${delta(h.total, d.total)} (${pct(h.total, d.total)})`);
console.log(`   tokens/s           ${d.tps.toFixed(0).padStart(13)} ${h.tps.toFixed(0).padStart(12)}   ${pct(h.tps, d.tps)}`);

// --- 2. Small completions (max_tokens 4): requests/s at client concurrency 1, 4, 16 ---
console.log(`\n2. Small completions (max_tokens ${smallBody.max_tokens}), ${RPS_SECONDS} s each, server --max-concurrency = client concurrency`);
console.log('   concurrency   engine direct req/s   HTTP req/s   HTTP/direct');
for (const concurrency of CONCURRENCIES) {
  const limited = await startServer({
    host: '127.0.0.1',
    port: 0,
    engine,
    maxConcurrency: concurrency,
    maxQueue: 1024,
    logLevel: 'silent',
  });
  await limited.ready;
  const directRps = await throughput(concurrency, RPS_SECONDS, () => direct(smallBody));
  const { rps: httpRps, statuses } = await client({
    type: 'throughput',
    url: limited.url,
    body: { model, ...smallBody },
    concurrency,
    seconds: RPS_SECONDS,
  });
  const bad = Object.entries(statuses).filter(([status]) => status !== '200');
  console.log(
    `   ${String(concurrency).padStart(11)}   ${directRps.toFixed(1).padStart(19)}   ${httpRps.toFixed(1).padStart(10)}   ${(httpRps / directRps).toFixed(2).padStart(11)}${bad.length ? `  non-200: ${JSON.stringify(bad)}` : ''}`,
  );
  await limited.close();
}

await server.close();
await worker.terminate();
await engine.dispose();
