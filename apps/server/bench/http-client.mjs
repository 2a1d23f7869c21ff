// The benchmark's HTTP client, run as a child process (as a real client is): its work does not
// share the server's event loop, and the server process's CPU time counts the server alone.
import { Agent, request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { serveJobs, streamCompletion } from './client-common.mjs';

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** One streaming request: time to the first `data:` event with text, and to [DONE] (client-common.mjs). */
const stream = (url, body) => streamCompletion(agent, url, body);

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

serveJobs(agent, (job) =>
  job.type === 'stream' ? stream(job.url, job.body) : throughput(job.url, job.body, job.concurrency, job.seconds),
);
