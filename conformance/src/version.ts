import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Reads this package's package.json, found by walking up from this file (src/, dist/ or a script cache). */
function readOwnPackage(): { name: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const path = join(dir, 'package.json');
    if (existsSync(path)) {
      const pkg = JSON.parse(readFileSync(path, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@textgen-spec/conformance' && pkg.version) return { name: pkg.name, version: pkg.version };
    }
    const up = dirname(dir);
    if (up === dir) return { name: '@textgen-spec/conformance', version: '0.0.0' };
    dir = up;
  }
}

/** The runner's name and version, as reported in every report. */
export const RUNNER: { name: string; version: string } = readOwnPackage();
