// What the benchmark clients (http-client.mjs, concurrency-client.mjs) share: one streaming
// completion over HTTP, its SSE events read and timed as they arrive, and the IPC job loop.
import { request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';

/**
 * One streaming request: time to the first text event, to [DONE], the completion tokens and the
 * text of choice 0.
 * `agent` is the caller's keep-alive agent; `started` receives the ClientRequest (so that a caller can drop it: a disconnect).
 */
export function streamCompletion(agent, url, body, started = () => {}) {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } });
    const start = performance.now();
    let first = null;
    let tokens = 0;
    let text = '';
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
          for (const choice of event.choices ?? []) if (choice.index === 0) text += choice.text ?? '';
          if (event.usage) tokens = event.usage.completion_tokens;
        }
      });
      res.on('end', () => resolve({ ttft: first ?? NaN, total: performance.now() - start, tokens, text }));
      res.on('error', () => resolve({ ttft: first ?? NaN, total: performance.now() - start, tokens, dropped: true }));
      res.on('close', () => resolve({ ttft: first ?? NaN, total: performance.now() - start, tokens, dropped: !res.complete }));
    });
    req.on('error', (error) => (req.destroyed ? resolve({ ttft: first ?? NaN, tokens, dropped: true }) : reject(error)));
    req.end(payload);
  });
}

/**
 * Runs the jobs the parent process sends by IPC, one at a time: `run(job)` answers each with
 * `{ ok, result | error }`; an `exit` job closes the agent and the channel.
 */
export function serveJobs(agent, run) {
  process.on('message', async (job) => {
    if (job.type === 'exit') {
      agent.destroy();
      process.disconnect();
      return;
    }
    try {
      process.send({ ok: true, result: await run(job) });
    } catch (error) {
      process.send({ ok: false, error: String(error) });
    }
  });
}
