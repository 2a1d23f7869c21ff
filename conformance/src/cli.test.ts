/**
 * The CLI as a user runs it (node dist/cli.js): usage errors, help, list, an unreachable
 * server. Runs against a server are in self-test/self-test.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CHECKS } from './checks/registry.js';

const CLI = resolve(import.meta.dirname, '../dist/cli.js');

export function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('textgen-conformance CLI', () => {
  test('--help prints the usage and exits 0', () => {
    const r = cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: textgen-conformance --url URL');
    for (const flag of ['--model', '--api-key', '--profile', '--only', '--skip', '--json', '--junit', '--markdown', '--github', '--baseline', '--timeout']) {
      expect(r.stdout).toContain(flag);
    }
  });

  test('bad usage exits 2', () => {
    expect(cli([]).code).toBe(2);
    expect(cli(['--url', 'http://127.0.0.1:1', '--bogus']).code).toBe(2);
    expect(cli(['--url', 'http://127.0.0.1:1', '--profile', 'loose']).code).toBe(2);
    expect(cli(['--url', 'http://127.0.0.1:1', '--only', 'no.such-check']).stderr).toContain('no check matches "no.such-check"');
    expect(cli(['--url', 'not a url']).code).toBe(2);
    expect(cli(['--url', 'http://127.0.0.1:1', '--timeout', 'soon']).code).toBe(2);
  });

  test('list prints every check with its level and feature', () => {
    const r = cli(['list']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBe(CHECKS.length + 2);
    expect(r.stdout).toMatch(/^stop\.earliest-match\s+SHOULD\s+stop\s/m);
    expect(r.stdout).toMatch(/^stop\.limit\s+INFO\*/m);
    expect(cli(['--list', '--profile', 'strict', '--only', 'stop.limit']).stdout).toMatch(/^stop\.limit\s+MUST /m);
  });

  test('an unreachable server exits 3', async () => {
    const r = cli(['--url', `http://127.0.0.1:${await closedPort()}`, '--timeout', '5']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('cannot reach');
  });
});
