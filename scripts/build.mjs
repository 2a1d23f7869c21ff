#!/usr/bin/env node
// Builds the workspace packages a command needs (turbo, cached), quietly: prints turbo's
// output only when the build fails. Usage: node scripts/build.mjs <package-name>
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = process.argv[2];
const args = ['turbo', 'run', 'build', '--output-logs=errors-only'];
if (target) args.push(`--filter=${target}...`);
const r = spawnSync('npx', ['--no-install', ...args], { cwd: root, encoding: 'utf8' });
if (r.status !== 0) {
  process.stderr.write(r.stdout ?? '');
  process.stderr.write(r.stderr ?? '');
  console.error(`[build] failed: ${args.join(' ')}`);
  process.exit(r.status ?? 1);
}
