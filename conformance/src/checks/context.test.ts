/**
 * Unit tests of how the check context turns HTTP answers into verdicts, against a stub
 * HTTP server on 127.0.0.1 that answers each path in a fixed way.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HttpClient } from '../http/client.js';
import { runCheck } from '../runner/run.js';
import { WireLog } from '../wire/wire-log.js';
import type { RunEnv } from './context.js';
import { define } from './helpers.js';
import type { CheckDef } from './types.js';

let server: Server;
let url = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const prompt = (JSON.parse(body || '{}') as { prompt?: string }).prompt;
      const send = (status: number, payload: unknown, type = 'application/json') => {
        res.writeHead(status, { 'content-type': type });
        res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
      };
      if (prompt === 'declined') send(400, { error: { message: 'echo is not supported', type: 'invalid_request_error', param: 'echo', code: null } });
      else if (prompt === 'detail') send(422, { detail: [{ msg: 'bad' }] });
      else if (prompt === 'crash') send(500, { error: { message: 'boom', type: 'server_error', param: null, code: null } });
      else if (prompt === 'hang') setTimeout(() => send(200, {}), 2000);
      else send(200, { id: 'x', object: 'text_completion', created: 1, model: 'm', choices: [{ text: 'ok', index: 0, logprobs: null, finish_reason: 'stop' }] });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

function env(timeoutMs = 5000): RunEnv {
  return {
    client: new HttpClient({ baseUrl: url, timeoutMs }),
    model: 'm',
    profile: 'compat',
    wire: new WireLog(() => ({ valid: true, issues: [] }), 'compat'),
    memo: new Map(),
    hasApiKey: false,
  };
}

function probe(id: string, prompt: string, options: { optional?: boolean; shared?: boolean } = {}): CheckDef {
  return define({
    id,
    title: id,
    level: 'MUST',
    feature: 'echo',
    optional: options.optional,
    sends: '',
    expects: '',
    source: '',
    async run(ctx) {
      if (options.shared) await ctx.shared(`oracle:${prompt}`, (c) => c.complete({ prompt }));
      else await ctx.complete({ prompt });
    },
  });
}

describe('verdicts from HTTP answers', () => {
  test('a clean 4xx is unsupported for an optional feature and a failure for a core one', async () => {
    const e = env();
    expect((await runCheck(probe('a.optional', 'declined', { optional: true }), e)).verdict).toBe('unsupported');
    expect((await runCheck(probe('a.core', 'declined'), e)).verdict).toBe('fail');
  });

  test('through a shared oracle, each check still decides by its own optional flag, whichever asks first', async () => {
    for (const order of [
      ['optional', 'core'],
      ['core', 'optional'],
    ]) {
      const e = env();
      const checks = order.map((kind) => probe(`a.${kind}`, 'declined', { optional: kind === 'optional', shared: true }));
      const results = await Promise.all(checks.map((c) => runCheck(c, e)));
      expect(Object.fromEntries(results.map((r) => [r.id, r.verdict]))).toEqual({ 'a.optional': 'unsupported', 'a.core': 'fail' });
    }
  });

  test('a 4xx without an envelope, a 5xx and a timeout are failures even for optional features', async () => {
    const e = env(300);
    for (const prompt of ['detail', 'crash', 'hang']) {
      const r = await runCheck(probe('a.optional', prompt, { optional: true }), e);
      expect(r.verdict, prompt).toBe('fail');
      expect(r.exchanges?.length, prompt).toBeGreaterThan(0);
    }
    expect((await runCheck(probe('a.optional', 'hang', { optional: true }), e)).message).toContain('did not answer');
  });

  test('a check that throws an ordinary error is a runner error', async () => {
    const broken = define({ id: 'a.broken', title: '', level: 'MUST', feature: 'echo', sends: '', expects: '', source: '', run: async () => JSON.parse('{') as never });
    expect((await runCheck(broken, env())).verdict).toBe('error');
  });

  test('an INFO check that fails is a warning', async () => {
    const info = { ...probe('a.info', 'crash'), level: 'INFO' as const };
    expect((await runCheck(info, env())).verdict).toBe('warn');
  });
});
