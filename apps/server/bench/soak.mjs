#!/usr/bin/env node
// Soak test (not part of npm test): the server (soak-server.mjs: tiny model in its worker thread)
// runs in its own process; this process is only the load generator. For a bounded time it sends
// the attacks of the attack suite interleaved with seeded requests, in rounds, and reports:
// 5xx count (must be 0), hangs (a request over 60 s; must be 0), seeded outputs that changed
// (must be 0), /health latency seen by a client probing every 100 ms throughout, the server's
// own event-loop delay (monitorEventLoopDelay) and its longest blocks with what was in flight,
// and the server process's memory (RSS, worker thread included) at start, after each round
// (after a pause and a GC of the main thread), and its peak (VmHWM).
// Usage: node apps/server/bench/soak.mjs [--seconds N per round, default 60] [--rounds R, default 3]
//   [--cpu-prof DIR: profile the server process (main thread and worker) into DIR]; build first.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const SECONDS = arg('--seconds', 60);
const ROUNDS = arg('--rounds', 3);
const HANG_MS = 60_000;
const PROBE_MS = 100;

const profIndex = process.argv.indexOf('--cpu-prof');
const profile = profIndex > 0 ? ['--cpu-prof', `--cpu-prof-dir=${process.argv[profIndex + 1]}`] : [];
const child = fork(new URL('./soak-server.mjs', import.meta.url), [], { execArgv: ['--expose-gc', ...profile], stdio: 'inherit' });
const replies = [];
let waiting = null;
child.on('message', (m) => (waiting ? (waiting(m), (waiting = null)) : replies.push(m)));
function nextMessage() {
  return replies.length > 0 ? Promise.resolve(replies.shift()) : new Promise((resolve) => (waiting = resolve));
}
async function stats(reset) {
  child.send({ type: 'stats', reset });
  return nextMessage();
}
function procStatusMb(field) {
  const line = readFileSync(`/proc/${child.pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(field));
  return line ? Math.round(Number(line.split(/\s+/)[1]) / 1024) : NaN;
}

const { url, model, memory: startMemory } = await nextMessage();

// Bodies built once: the load generator should spend its time sending, not serializing.
const json = (o) => JSON.stringify({ model, prompt: 'a', max_tokens: 4, ...o });
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
].map(json);
const seeded = JSON.stringify({ model, prompt: 'Once upon a time', max_tokens: 24, seed: 1234, temperature: 0.9 });
const countBig = JSON.stringify({ text: 'x'.repeat(1000 * 1000) });
const countSmall = JSON.stringify({ text: 'x'.repeat(1000) });
const plain = json({});

async function post(path, body, contentType = 'application/json') {
  const started = performance.now();
  try {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body, signal: AbortSignal.timeout(HANG_MS) });
    const text = await res.text();
    return { status: res.status, text, ms: performance.now() - started };
  } catch (error) {
    return { status: error.name === 'TimeoutError' ? 'hang' : 'network', text: String(error), ms: performance.now() - started };
  }
}

const health = [];
let probing = true;
async function probeHealth() {
  while (probing) {
    const started = performance.now();
    const res = await fetch(`${url}/health`);
    await res.arrayBuffer();
    health.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, PROBE_MS));
  }
}

const reference = JSON.parse((await post('/v1/completions', seeded)).text).choices[0].text;
await new Promise((resolve) => setTimeout(resolve, 1000));
const baseline = (await stats(true)).memory;
const statuses = {};
let changed = 0;
let requests = 0;
let round = 0;
const rounds = [];
const prober = probeHealth();
for (let r = 0; r < ROUNDS; r++) {
  const deadline = Date.now() + SECONDS * 1000;
  while (Date.now() < deadline) {
    const results = await Promise.all([
      post('/v1/completions', attacks[round % attacks.length]),
      post('/v1/completions', seeded),
      post('/v1/internal/token-count', round % 3 === 0 ? countBig : countSmall),
      post('/v1/completions', plain, 'text/plain'),
    ]);
    round++;
    requests += results.length;
    for (const res of results) statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    if (results[1].status === 200 && JSON.parse(results[1].text).choices[0].text !== reference) changed++;
  }
  await new Promise((resolve) => setTimeout(resolve, 2000));
  rounds.push(await stats(false));
}
probing = false;
await prober;
const peak = procStatusMb('VmHWM');
const final = await stats(false);

health.sort((a, b) => a - b);
const q = (p) => health[Math.min(health.length - 1, Math.floor(p * health.length))].toFixed(1);
const fiveXx = Object.entries(statuses).filter(([s]) => /^5/.test(s)).reduce((n, [, c]) => n + c, 0);
const mem = (m) => `RSS ${m.rss} MB (heap ${m.heapUsed}, external ${m.external}, array buffers ${m.arrayBuffers})`;
console.log(`Soak: ${ROUNDS} rounds of ${SECONDS} s, ${requests} requests, model ${model}, node ${process.version}, server in its own process`);
console.log(`  statuses: ${JSON.stringify(statuses)}`);
console.log(`  5xx: ${fiveXx}   hangs (> ${HANG_MS / 1000} s): ${statuses.hang ?? 0}   seeded outputs changed: ${changed}`);
console.log(`  /health from the client: p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${health.at(-1).toFixed(1)} ms (${health.length} probes)`);
const t = final.blockTotals;
console.log(`  server event-loop delay: p50 ${final.loop.p50} ms, p99 ${final.loop.p99} ms, max ${final.loop.max} ms`);
console.log(`  blocks over 50 ms: ${final.blockCount}, ${t.ms} ms in all, of which the main thread ran ${t.cpu} ms and waited for a CPU ${t.wait} ms`);
const block = (b) => `    ${b.ms} ms (ran ${b.cpu}, waited ${b.wait}) while: ${b.running.join('; ') || '(no request in flight)'}`;
console.log('  the longest blocks:');
for (const b of final.longest) console.log(block(b));
console.log('  the blocks in which the main thread ran longest:');
for (const b of final.busiest) console.log(block(b));
console.log(`  memory at start: ${mem(startMemory)}; baseline after warm-up: ${mem(baseline)}`);
rounds.forEach((s, i) => console.log(`  after round ${i + 1}: ${mem(s.memory)}`));
console.log(`  peak RSS (VmHWM): ${peak} MB`);
child.send({ type: 'close' });
await new Promise((resolve) => child.once('exit', resolve));
process.exit(fiveXx === 0 && !statuses.hang && changed === 0 ? 0 : 1);
