#!/usr/bin/env node
// The reference server beside llama.cpp's llama-server on the same weights, measured in one run.
// Each server runs in its own process, started here (ours from this checkout's dist/cli.js with
// the embedded tiny model, llama-server with the GGUF export of the same weights); the HTTP
// client is a third process (concurrency-client.mjs). Only one server is driven at a time, the
// two alternating round by round, so a burst of load from elsewhere hits both alike.
//
// For 1, 4 and 8 concurrent clients, each streaming a greedy 128-token completion with its own
// prompt: aggregate tokens/s (all tokens / wall time), a stream's ms per token after its first
// token, and each server process's CPU ms per token (from /proc, all its threads). llama-server
// is restarted for each client count with `-np <clients>` (one slot per client, continuous
// batching on, its default) and `-t <threads>`. Greedy text is compared once per variant: the
// two servers must produce the same text, or the figures are not comparing like with like.
// With one client, the rounds also time the bare onnxruntime loop (packages/engine/bench/
// bare-loop.mjs, in this process: no HTTP, no sampler, argmax in JS) on the same graph: the floor
// of what any server on onnxruntime can reach on this machine.
//
// Usage: LLAMA_SERVER=/path/to/llama-server node apps/server/bench/llama-server-bench.mjs \
//          [--quick | --rounds N] [--variants default,large] [--threads 2] [--clients 1,4,8] \
//          [--reference "NAME=FLAGS" ...]
// Each --reference adds a reference server started with those extra CLI flags (an A/B in the same
// run, say --reference "spin=--thread-spin on" --reference "no spin=--thread-spin off"); the
// default is one, `reference`, with none.
//   (build first: npx turbo run build --filter=@textgen-spec/server)
// llama-server is not part of this repository; docs/benchmarks.md says how to build it from the
// llama.cpp source that node-llama-cpp's package carries.
import { fork, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AutoTokenizer } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { ensureTinyModel, tinyModelGguf, writeGguf } from '@textgen-spec/tiny-model';
import { bareRun, graphMeta } from '../../../packages/engine/bench/bare-loop.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const quick = args.includes('--quick');
const ROUNDS = Number(option('rounds', quick ? 2 : 5));
const TOKENS = 128;
const THREADS = Number(option('threads', 2));
const VARIANTS = option('variants', 'default,large').split(',');
const CLIENTS = option('clients', '1,4,8').split(',').map(Number);
const LLAMA_SERVER = option('llama-server', process.env.LLAMA_SERVER);
const REFERENCES = args.flatMap((arg, i) => (arg === '--reference' ? [args[i + 1]] : [])).map((spec) => {
  const at = spec.indexOf('=');
  return at < 0 ? { name: spec, flags: [] } : { name: spec.slice(0, at), flags: spec.slice(at + 1).split(' ').filter(Boolean) };
});
if (REFERENCES.length === 0) REFERENCES.push({ name: 'reference', flags: [] });
const PROMPTS = ['Once upon a time', 'This is the house that Jack built', 'The quick brown fox', 'This is the rat', 'That lay in', 'Mary had a little', 'This is the malt', 'The cat'];
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

if (!LLAMA_SERVER || !existsSync(LLAMA_SERVER)) {
  console.error('llama-server not found: set LLAMA_SERVER=/path/to/llama-server (docs/benchmarks.md says how to build it).');
  process.exit(2);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const pad = (value, width) => String(value).padEnd(width);

/** The body each server understands for "greedy, exactly TOKENS tokens, never stop at EOS". */
const BODIES = {
  ours: (i) => ({ model: 'bench', prompt: PROMPTS[i % PROMPTS.length], max_tokens: TOKENS, temperature: 0, ban_eos_token: true }),
  'llama-server': (i) => ({ prompt: PROMPTS[i % PROMPTS.length], max_tokens: TOKENS, temperature: 0, ignore_eos: true }),
};

const client = fork(new URL('./concurrency-client.mjs', import.meta.url));
function job(message) {
  return new Promise((resolve, reject) => {
    client.once('message', (reply) => (reply.ok ? resolve(reply.result) : reject(new Error(reply.error))));
    client.send(message);
  });
}

/** CPU ms a process has used so far, all threads (Linux /proc; NaN elsewhere). */
function processCpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in USER_HZ (100)
  } catch {
    return NaN;
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Spawns a server and resolves once `ready(url)` says it answers; rejects if it exits first. */
async function startProcess(name, command, argv, port) {
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (chunk) => (log = (log + chunk).slice(-4000)));
  child.stderr.on('data', (chunk) => (log = (log + chunk).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}):\n${log}`);
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) return { name, url, pid: child.pid, stop: () => stopProcess(child) };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${name} did not become healthy in 120 s:\n${log}`);
}

function stopProcess(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

async function startReference(folder, { name, flags }) {
  const port = await freePort();
  const argv = [CLI, '--model', folder, '--host', '127.0.0.1', '--port', String(port), '--log-level', 'error', '--request-timeout', '0', ...flags];
  return { ...(await startProcess(name, process.execPath, argv, port)), kind: 'ours', keepAlive: true };
}

async function startLlamaServer(gguf, slots) {
  const port = await freePort();
  const argv = ['-m', gguf, '-t', String(THREADS), '-np', String(slots), '-c', String(slots * 1024), '--host', '127.0.0.1', '--port', String(port)];
  return { ...(await startProcess('llama-server', LLAMA_SERVER, argv, port)), kind: 'llama-server', keepAlive: false };
}

/** The bare onnxruntime loop as a "server" of one stream: same figures, measured in this process. */
async function bareServer(folder) {
  const session = await ort.InferenceSession.create(path.join(folder, 'onnx', 'model.onnx'));
  const tokenizer = await AutoTokenizer.from_pretrained(folder);
  const eos = JSON.parse(readFileSync(path.join(folder, 'config.json'), 'utf8')).eos_token_id;
  const meta = graphMeta(session, eos);
  const promptIds = tokenizer.encode(PROMPTS[0], { add_special_tokens: false });
  return {
    name: 'bare onnxruntime',
    async round() {
      const cpu = process.cpuUsage();
      const start = performance.now();
      await bareRun(session, meta, promptIds, TOKENS);
      const wall = performance.now() - start;
      const used = process.cpuUsage(cpu);
      return { rate: (TOKENS / wall) * 1000, msPerToken: wall / TOKENS, cpuPerToken: (used.user + used.system) / 1000 / TOKENS, texts: null };
    },
    release: () => session.release(),
  };
}

/** One round: `clients` concurrent streams against one server. */
async function round(server, clients) {
  if (server.round) return server.round();
  const cpuBefore = processCpuMs(server.pid);
  const bodies = Array.from({ length: clients }, (_, i) => BODIES[server.kind](i));
  const { wall, results } = await job({ type: 'concurrent', url: server.url, bodies, keepAlive: server.keepAlive });
  const cpu = processCpuMs(server.pid) - cpuBefore;
  const tokens = results.reduce((n, r) => n + r.tokens, 0);
  if (tokens !== clients * TOKENS) throw new Error(`${server.name}: expected ${clients * TOKENS} tokens, got ${tokens}`);
  const msPerToken = results.reduce((sum, r) => sum + (r.total - r.ttft) / (r.tokens - 1), 0) / clients;
  return { rate: (tokens / wall) * 1000, msPerToken, cpuPerToken: cpu / tokens, texts: results.map((r) => r.text) };
}

async function variant(name) {
  const folder = await ensureTinyModel(name === 'default' ? {} : { variant: name });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'textgen-bench-gguf-'));
  const gguf = path.join(dir, `tiny-${name}.gguf`);
  writeFileSync(gguf, writeGguf(tinyModelGguf(name)));
  const references = [];
  const bare = await bareServer(folder);
  try {
    for (const spec of REFERENCES) references.push(await startReference(folder, spec));
    console.log(`\n${name} tiny model, ${TOKENS} greedy tokens per stream, ${ROUNDS} rounds, servers alternating; llama-server -t ${THREADS} -np <clients>`);
    console.log(`  ${pad('clients', 9)}${pad('server', 18)}${pad('tokens/s best', 15)}${pad('median', 9)}${pad('ms/token best', 15)}${pad('median', 9)}${pad('CPU ms/token', 14)}reference ÷ llama-server tokens/s (best / median)`);
    for (const clients of CLIENTS) {
      const llama = await startLlamaServer(gguf, clients);
      try {
        const servers = [...references, ...(clients === 1 ? [bare] : []), llama];
        const warm = [];
        for (const server of servers) warm.push(await round(server, clients)); // warm-up, one server at a time
        if (clients === CLIENTS[0]) {
          const theirs = warm.at(-1).texts;
          const same = warm.every((w) => w.texts === null || w.texts.every((text, i) => text === theirs[i]));
          console.log(`  greedy text of the ${clients === 1 ? 'stream' : `${clients} streams`}: ${same ? 'identical on both servers' : 'DIFFERENT (not the same computation)'}`);
        }
        const runs = Object.fromEntries(servers.map((server) => [server.name, []]));
        for (let i = 0; i < ROUNDS; i++) {
          const order = i % 2 === 0 ? servers : [...servers].reverse();
          for (const server of order) runs[server.name].push(await round(server, clients));
        }
        const best = (n) => Math.max(...runs[n].map((r) => r.rate));
        const mid = (n) => median(runs[n].map((r) => r.rate));
        for (const n of Object.keys(runs)) {
          const rates = runs[n].map((r) => r.rate);
          const ms = runs[n].map((r) => r.msPerToken);
          const ratio = n === 'llama-server' ? '' : `${(best(n) / best('llama-server')).toFixed(2)}x / ${(mid(n) / mid('llama-server')).toFixed(2)}x`;
          console.log(`  ${pad(clients, 9)}${pad(n, 18)}${pad(Math.max(...rates).toFixed(0), 15)}${pad(median(rates).toFixed(0), 9)}${pad(Math.min(...ms).toFixed(2), 15)}${pad(median(ms).toFixed(2), 9)}${pad(median(runs[n].map((r) => r.cpuPerToken)).toFixed(3), 14)}${ratio}`);
        }
      } finally {
        await llama.stop();
      }
    }
  } finally {
    for (const reference of references) await reference.stop();
    await bare.release();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`Reference server vs llama-server (${LLAMA_SERVER}), node ${process.version}, ${os.cpus().length} CPUs. Compare ratios within this run.`);
try {
  for (const name of VARIANTS) await variant(name);
} finally {
  client.send({ type: 'exit' });
}
