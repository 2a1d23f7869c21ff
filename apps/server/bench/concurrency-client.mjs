// The concurrency benchmark's HTTP client, run as a child process (as real clients are), so its
// work does not share the server's event loop. Jobs arrive by IPC, one at a time.
import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { serveJobs, streamCompletion } from './client-common.mjs';

const agent = new Agent({ keepAlive: true, maxSockets: 256 });
// For servers that close a streamed response's connection (llama-server does): a new connection
// per request, so that no request is sent on a socket the server has already hung up.
const closingAgent = new Agent({ keepAlive: false, maxSockets: 256 });

/** One streaming request on this client's agent (see client-common.mjs). */
const stream = (url, body, started) => streamCompletion(agent, url, body, started);

/** `bodies.length` clients streaming at once: wall time and each stream's result. */
async function concurrent(url, bodies, keepAlive = true) {
  const start = performance.now();
  const results = await Promise.all(bodies.map((body) => streamCompletion(keepAlive ? agent : closingAgent, url, body)));
  return { wall: performance.now() - start, results };
}

/**
 * Time to first token of short requests arriving while `background` long streams decode: the
 * long ones start, then `samples` short requests follow one after another (a pause between
 * them); finished long streams are restarted so the batch stays busy; at the end the long
 * streams are dropped (disconnects).
 */
async function lateArrivals(url, { background, short, samples, pauseMs }) {
  const open = new Set();
  let stopping = false;
  const keepBusy = async (body) => {
    while (!stopping) await stream(url, body, (req) => open.add(req));
  };
  const runners = background.map((body) => keepBusy(body));
  await new Promise((resolve) => setTimeout(resolve, 300));
  const ttfts = [];
  for (let i = 0; i < samples; i++) {
    ttfts.push((await stream(url, { ...short, seed: i })).ttft);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  stopping = true;
  for (const req of open) req.destroy();
  await Promise.allSettled(runners);
  return { ttfts };
}

serveJobs(agent, (job) =>
  job.type === 'concurrent' ? concurrent(job.url, job.bodies, job.keepAlive) : lateArrivals(job.url, job),
);
