#!/usr/bin/env node
// Installs the workspace on a fresh clone (or after package-lock.json changed) so that
// `npm start` and `npm test` work with nothing installed. Uses only Node built-ins.
//
// onnxruntime-node's install script downloads CUDA libraries from outside the npm registry,
// which fails offline; the CPU and WebGPU binaries ship inside the npm package, so we skip it.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');

function upToDate() {
  if (!existsSync(installed)) return false;
  try {
    const want = JSON.parse(readFileSync(lock, 'utf8')).packages ?? {};
    const have = JSON.parse(readFileSync(installed, 'utf8')).packages ?? {};
    for (const [path, meta] of Object.entries(want)) {
      if (path === '' || meta.link) continue;
      if (meta.optional && !have[path]) continue;
      if (!have[path] || have[path].version !== meta.version) return false;
    }
    return true;
  } catch {
    return false;
  }
}

if (!upToDate()) {
  console.error('[bootstrap] installing dependencies (npm ci; onnxruntime-node CUDA download skipped)...');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });
  if (r.status !== 0) {
    console.error('[bootstrap] npm ci failed');
    process.exit(r.status ?? 1);
  }
}
