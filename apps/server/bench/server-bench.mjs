#!/usr/bin/env node
// Server benchmark: what HTTP + SSE cost on top of the engine, and requests/s at several
// client concurrencies. The server runs in this process on 127.0.0.1 with the embedded tiny
// model in its worker thread (as `npm start` runs it), the HTTP client in a child process, and
// each HTTP figure is printed next to the same work done by calling an in-process engine on the
// same model directly in the same run.
// The HTTP cost is per event (one socket write per SSE event, flushed at once), so its share
// shrinks as the model gets slower per token; the tiny model is very fast, the worst case.
// Usage: npm run bench -w @textgen-spec/server [-- --quick] [-- --large]
//   --large: the tiny model's `large` variant (4 layers, width 256: ~4x slower per token)
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { loadEngine, loadEngineInWorker } from '@textgen-spec/engine';
import { parseCompletionRequest } from '@textgen-spec/spec';
import { ensureTinyModel } from '@textgen-spec/tiny-model';
import { startServer } from '../dist/index.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 15;
const STREAM_TOKENS = 128;
const RPS_SECONDS = quick ? 2 : 5;
const CONCURRENCIES = [1, 4, 16];

const large = process.argv.includes('--large');
const loadOptions = large ? { model: await ensureTinyModel({ variant: 'large' }) } : {};
const engine = await loadEngine(loadOptions);
// The server's engine: the same model in a worker thread.
const served = await loadEngineInWorker(loadOptions);
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
async function direct(body, on = engine) {
  const start = performance.now();
  let first = null;
  let tokens = 0;
  for await (const event of on.complete(normalized(body))) {
    if (event.type === 'text' && first === null) first = performance.now() - start;
    if (event.type === 'done') tokens = event.usage.completion_tokens;
  }
  return { ttft: first ?? NaN, total: performance.now() - start, tokens };
}

const clientProcess = fork(new URL('./http-client.mjs', import.meta.url));
/** Runs a job in the client process. */
function client(job) {
  return new Promise((resolve, reject) => {
    clientProcess.once('message', (reply) => (reply.ok ? resolve(reply.result) : reject(new Error(reply.error))));
    clientProcess.send(job);
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
const server = await startServer({ host: '127.0.0.1', port: 0, engine: served, maxConcurrency: 16, maxQueue: 1024, logLevel: 'silent' });
await server.ready;
await direct(streamBody);
await overHttp(server.url, streamBody);
await direct(streamBody);
await overHttp(server.url, streamBody);
const runs = { direct: [], http: [], worker: [] };
// The same normalized request as the HTTP client sends (streaming, with usage).
const directBody = { ...streamBody, stream: true, stream_options: { include_usage: true } };
for (let i = 0; i < ROUNDS; i++) {
  // ABBA order, so that neither side always runs first.
  if (i % 2 === 0) {
    runs.direct.push(await direct(directBody));
    runs.worker.push(await direct(directBody, served));
    runs.http.push(await overHttp(server.url, streamBody));
  } else {
    runs.http.push(await overHttp(server.url, streamBody));
    runs.worker.push(await direct(directBody, served));
    runs.direct.push(await direct(directBody));
  }
}
const best = (values) => Math.min(...values);
const summary = (list) => ({
  ttft: best(list.map((r) => r.ttft)),
  total: best(list.map((r) => r.total)),
  medianTtft: median(list.map((r) => r.ttft)),
  medianTotal: median(list.map((r) => r.total)),
  tokens: list[0].tokens,
});
const d = summary(runs.direct);
const h = summary(runs.http);
const row = (label, a, b, unit, digits) =>
  `   ${label.padEnd(22)}${a.toFixed(digits).padStart(9)} ${unit} ${b.toFixed(digits).padStart(9)} ${unit}   ${delta(b, a)} (${pct(b, a)})`;
console.log(`1. One stream of ${d.tokens} tokens, ${ROUNDS} rounds in ABBA order (best is the least disturbed run)`);
console.log('                         engine direct   HTTP + SSE   difference');
console.log(row('time to 1st token, best', d.ttft, h.ttft, 'ms', 2));
console.log(row('total, best', d.total, h.total, 'ms', 1));
console.log(row('time to 1st token, median', d.medianTtft, h.medianTtft, 'ms', 2));
console.log(row('total, median', d.medianTotal, h.medianTotal, 'ms', 1));
const w = summary(runs.worker);
console.log('   the worker engine called directly (no HTTP), next to HTTP + SSE on that same worker:');
console.log(row('total, best (worker)', w.total, h.total, 'ms', 1));
console.log(row('total, median (worker)', w.medianTotal, h.medianTotal, 'ms', 1));
console.log(
  `   tokens/s, best         ${(d.tokens / (d.total / 1000)).toFixed(0).padStart(9)}    ${(h.tokens / (h.total / 1000)).toFixed(0).padStart(9)}      ` +
    `HTTP + SSE cost ${(((h.total - d.total) / d.tokens) * 1000).toFixed(0)} us per token`,
);

// --- 2. Small completions (max_tokens 4): requests/s at client concurrency 1, 4, 16 ---
console.log(`\n2. Small completions (max_tokens ${smallBody.max_tokens}), ${RPS_SECONDS} s each, server --max-concurrency = client concurrency`);
console.log('   concurrency   engine direct req/s   HTTP req/s   HTTP/direct');
for (const concurrency of CONCURRENCIES) {
  const limited = await startServer({
    host: '127.0.0.1',
    port: 0,
    engine: served,
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
clientProcess.send({ type: 'exit' });
await engine.dispose();
await served.dispose();
