/**
 * The runner against servers that answer nonsense: every check must end in a verdict about
 * the server (fail, skip, unsupported), never in a runner error, and the run must fail.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHECKS } from '../checks/registry.js';
import { RUNNER } from '../version.js';
import { specValidator } from '../wire/spec-validator.js';
import { runSuite } from './run.js';

type Mode = 'html' | 'empty-json' | 'not-found' | 'weird-json' | 'bad-stream';
let mode: Mode = 'html';
let server: Server;
let url = '';

const weird = { id: 5, object: null, created: 'yesterday', model: [], choices: [{ text: 7, index: '0', logprobs: 'yes', finish_reason: 3 }, null], usage: { total_tokens: -1 } };

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data: [{ id: 'm', object: 'model', created: 1, owned_by: 'x' }] }));
        return;
      }
      switch (mode) {
        case 'html':
          res.writeHead(200, { 'content-type': 'text/html' });
          res.end('<html><body>hello</body></html>');
          return;
        case 'empty-json':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{}');
          return;
        case 'not-found':
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end('no');
          return;
        case 'weird-json':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(weird));
          return;
        case 'bad-stream':
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.end(`data: ${JSON.stringify(weird)}\n\ndata: {"choices": null}\n\ndata: [1,2]\n\ndata: not json\n\n`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('a hostile server', () => {
  for (const m of ['html', 'empty-json', 'not-found', 'weird-json', 'bad-stream'] as const) {
    test(`${m}: no runner errors, and the run fails`, async () => {
      mode = m;
      const report = await runSuite({ url, profile: 'compat', timeoutMs: 2000, checks: CHECKS, concurrency: 8, validator: specValidator, runner: RUNNER });
      const errors = report.checks.filter((c) => c.verdict === 'error').map((c) => `${c.id}: ${c.message.split('\n').slice(0, 3).join(' | ')}`);
      expect(errors).toEqual([]);
      expect(report.summary.exitCode).toBe(1);
      // Only what the stub really does right may pass: its model list, and its stream content type.
      const passed = report.checks.filter((c) => c.verdict === 'pass').map((c) => c.id);
      expect(passed.filter((id) => !['models.list', 'wire.model-schema', 'stream.content-type'].includes(id))).toEqual([]);
    });
  }
});
