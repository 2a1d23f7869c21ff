#!/usr/bin/env node
// Runs every package's type check and tests through turbo (one package at a time: the suites
// run real inference and a server, and this keeps them from competing for two cores), echoes
// their output, and ends with one line that sums vitest's counts over all packages:
//   tests: N passed, N failed
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = ['--no-install', 'turbo', 'run', 'typecheck', 'test', '--concurrency=1', ...process.argv.slice(2)];
const child = spawn('npx', args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });

const counts = { passed: 0, failed: 0, skipped: 0 };
const ansi = /\x1b\[[0-9;]*m/g;
let pending = '';
function scan(text) {
  pending += text;
  const lines = pending.split('\n');
  pending = lines.pop() ?? '';
  for (const raw of lines) {
    const line = raw.replace(ansi, '');
    // vitest's summary: "      Tests  12 failed | 120 passed | 2 skipped (134)"
    if (!/\bTests\s+\d/.test(line) || !/\(\d+\)\s*$/.test(line)) continue;
    for (const key of Object.keys(counts)) {
      const m = new RegExp(`(\\d+) ${key}`).exec(line);
      if (m) counts[key] += Number(m[1]);
    }
  }
}
child.stdout.on('data', (d) => { process.stdout.write(d); scan(d.toString()); });
child.stderr.on('data', (d) => { process.stderr.write(d); scan(d.toString()); });
child.on('close', (code, signal) => {
  scan('\n');
  const failed = code !== 0 && counts.failed === 0 ? 1 : counts.failed; // a crash or type error counts as a failure
  const skipped = counts.skipped ? `, ${counts.skipped} skipped` : '';
  console.log(`\ntests: ${counts.passed} passed, ${failed} failed${skipped}`);
  process.exit(code ?? (signal ? 1 : 0));
});
