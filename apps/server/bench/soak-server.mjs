#!/usr/bin/env node
// The soak's server process (started by soak.mjs with --expose-gc, an IPC channel): a real server
// on 127.0.0.1 with the tiny model in its worker thread, and nothing else in this process, so
// what the soak measures is the server. It watches its own event loop: monitorEventLoopDelay's
// histogram, plus a 10 ms ticker that records every block over BLOCK_MS with the requests that
// were in flight when it happened (method, path, body size) and how much of it the thread spent
// on a CPU and waiting for one (Linux schedstat). Run it under --cpu-prof
// (soak.mjs --cpu-prof DIR) to see which code ran during a block.
// Messages from the parent: { type: 'stats' } -> gc, then { type: 'stats', ... }; { type: 'close' }.
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { startServer } from '../dist/index.js';

const BLOCK_MS = 50;
const TICK_MS = 10;

const server = await startServer({ host: '127.0.0.1', port: 0, maxConcurrency: 2, maxQueue: 16, writeTimeoutMs: 2000, logLevel: 'silent' });
await server.ready;

const inFlight = new Map();
let nextId = 0;
server.http.prependListener('request', (req, res) => {
  const id = nextId++;
  // No 'data' listener here: it would start the body flowing before the server reads it.
  inFlight.set(id, `${req.method} ${req.url} (${Math.round(Number(req.headers['content-length'] ?? 0) / 1024)} KB body)`);
  res.on('close', () => inFlight.delete(id));
});

const histogram = monitorEventLoopDelay({ resolution: 10 });
histogram.enable();

// The main thread's time on a CPU and waiting for one (runnable but not running), in ms, from
// Linux's schedstat: a block with little CPU time was the machine's load, not this server's work.
const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;
function schedstat() {
  try {
    const [run, wait] = readFileSync(SCHEDSTAT, 'utf8').split(' ').map(Number);
    return { cpu: run / 1e6, wait: wait / 1e6 };
  } catch {
    return { cpu: NaN, wait: NaN };
  }
}

let blocks = [];
let last = performance.now();
let lastSched = schedstat();
setInterval(() => {
  const now = performance.now();
  const sched = schedstat();
  const late = now - last - TICK_MS;
  if (late > BLOCK_MS) {
    const cpu = Math.round(sched.cpu - lastSched.cpu);
    const wait = Math.round(sched.wait - lastSched.wait);
    blocks.push({ ms: Math.round(late), cpu, wait, running: [...inFlight.values()] });
  }
  last = now;
  lastSched = sched;
}, TICK_MS).unref();

function memory() {
  const m = process.memoryUsage();
  const mb = (x) => Math.round(x / 1024 / 1024);
  return { rss: mb(m.rss), heapUsed: mb(m.heapUsed), external: mb(m.external), arrayBuffers: mb(m.arrayBuffers) };
}

process.on('message', async (message) => {
  if (message.type === 'stats') {
    global.gc?.();
    const ms = (ns) => Math.round(ns / 1e4) / 100;
    const longest = [...blocks].sort((a, b) => b.ms - a.ms).slice(0, 5);
    const busiest = [...blocks].sort((a, b) => b.cpu - a.cpu).slice(0, 3);
    const sum = (key) => blocks.reduce((n, b) => n + b[key], 0);
    process.send({
      type: 'stats',
      memory: memory(),
      loop: { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) },
      blockCount: blocks.length,
      blockTotals: { ms: sum('ms'), cpu: sum('cpu'), wait: sum('wait') },
      longest,
      busiest,
    });
    if (message.reset) {
      histogram.reset();
      blocks = [];
    }
  } else if (message.type === 'close') {
    await server.close();
    process.exit(0);
  }
});
process.send({ type: 'ready', url: server.url, model: server.model.engine.info.id, memory: memory() });
