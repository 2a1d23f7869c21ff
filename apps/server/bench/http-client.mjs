// The benchmark's HTTP client, run in a worker thread so that its parsing does not share the
// server's event loop (as with a real client, which is another process).
import { Agent, request as httpRequest } from 'node:http';
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** One streaming request: time to the first `data:` event with text, and to [DONE]. */
function stream(url, body) {
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
    req.on('response', (res) => {
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
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** One non-streaming request; resolves with the status code. */
function complete(url, body) {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = httpRequest(`${url}/v1/completions`, {
      method: 'POST',
      agent,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** `concurrency` loops of non-streaming requests for `seconds`: requests/s and status counts. */
async function throughput(url, body, concurrency, seconds) {
  const statuses = {};
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const status = await complete(url, body);
        statuses[status] = (statuses[status] ?? 0) + 1;
        done++;
      }
    }),
  );
  return { rps: done / ((performance.now() - start) / 1000), statuses };
}

parentPort.on('message', async (job) => {
  try {
    const result =
      job.type === 'stream' ? await stream(job.url, job.body) : await throughput(job.url, job.body, job.concurrency, job.seconds);
    parentPort.postMessage({ ok: true, result });
  } catch (error) {
    parentPort.postMessage({ ok: false, error: String(error) });
  }
});
