// The concurrency benchmark's HTTP client, run as a child process (as real clients are), so its
// work does not share the server's event loop. Jobs arrive by IPC, one at a time.
import { Agent, request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/**
 * One streaming request: time to the first text event, to [DONE], and the completion tokens.
 * `started` receives the ClientRequest (so that a caller can drop it: a disconnect).
 */
function stream(url, body, started = () => {}) {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } });
    const start = performance.now();
    let first = null;
    let tokens = 0;
    let buffer = '';
    const req = httpRequest(`${url}/v1/completions`, {
      method: 'POST',
      agent,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
    });
    started(req);
    req.on('response', (res) => {
      if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const data = buffer.slice(6, end);
          buffer = buffer.slice(end + 2);
          if (data === '[DONE]') continue;
          const event = JSON.parse(data);
          if (first === null && event.choices?.some((c) => c.text !== '')) first = performance.now() - start;
          if (event.usage) tokens = event.usage.completion_tokens;
        }
      });
      res.on('end', () => resolve({ ttft: first ?? NaN, total: performance.now() - start, tokens }));
      res.on('error', () => resolve({ ttft: first ?? NaN, total: performance.now() - start, tokens, dropped: true }));
      res.on('close', () => resolve({ ttft: first ?? NaN, total: performance.now() - start, tokens, dropped: !res.complete }));
    });
    req.on('error', (error) => (req.destroyed ? resolve({ ttft: first ?? NaN, tokens, dropped: true }) : reject(error)));
    req.end(payload);
  });
}

/** `bodies.length` clients streaming at once: wall time and each stream's result. */
async function concurrent(url, bodies) {
  const start = performance.now();
  const results = await Promise.all(bodies.map((body) => stream(url, body)));
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

process.on('message', async (job) => {
  if (job.type === 'exit') {
    agent.destroy();
    process.disconnect();
    return;
  }
  try {
    const result = job.type === 'concurrent' ? await concurrent(job.url, job.bodies) : await lateArrivals(job.url, job);
    process.send({ ok: true, result });
  } catch (error) {
    process.send({ ok: false, error: String(error) });
  }
});
