/**
 * The CLI as a user runs it (node dist/cli.js): usage errors, help, list, an unreachable
 * server. Runs against a server are in self-test/self-test.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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

  test('every user error is one line "textgen-conformance: ...", exit 2, before the server is contacted', async () => {
    // The port is closed: reaching the server would exit 3, so a 2 means the error came first.
    const url = `http://127.0.0.1:${await closedPort()}`;
    const dir = mkdtempSync(join(tmpdir(), 'textgen-conformance-cli-'));
    try {
      const file = join(dir, 'file');
      writeFileSync(file, '');
      const cases: [string[], RegExp][] = [
        [['--url', url, '--bogus'], /^textgen-conformance: unknown option --bogus \(see textgen-conformance --help\)$/],
        [['--url'], /^textgen-conformance: --url needs a value/],
        [['--url', url, '--profile', 'loose'], /--profile must be strict or compat/],
        [['--url', 'ftp://example.com'], /--url must be an http/],
        [['--url', url, '--timeout', 'soon'], /--timeout must be a number/],
        [['--url', url, '--json', join(file, 'report.json')], /^textgen-conformance: --json .*: cannot create its directory/],
        [['--url', url, '--junit', dir], /^textgen-conformance: --junit .*: is a directory$/],
        [['--url', url, '--baseline', join(dir, 'missing.txt')], /^textgen-conformance: cannot read the baseline/],
      ];
      for (const [args, message] of cases) {
        const r = cli(args);
        expect(r.code, args.join(' ')).toBe(2);
        expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
        expect(r.stderr.trimEnd(), args.join(' ')).toMatch(message);
        expect(r.stderr).not.toMatch(/\n\s+at /);
        expect(r.stdout).toBe('');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a report's missing directory is created before the run", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'textgen-conformance-cli-'));
    try {
      const report = join(dir, 'nested', 'deeper', 'report.json');
      const r = cli(['--url', `http://127.0.0.1:${await closedPort()}`, '--timeout', '5', '--json', report]);
      expect(r.code).toBe(3);
      expect(statSync(join(dir, 'nested', 'deeper')).isDirectory()).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
