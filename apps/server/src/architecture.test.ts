/**
 * The server's structure, checked on its sources by the workspace's shared checks
 * (@textgen-spec/spec/testing, where each check is proven on a known bad input): no import
 * cycles (route modules depend on request-context.ts, never on server.ts), no import of the
 * conformance runner, functions short enough to read at once, and no mutable module-level state
 * without a comment saying why.
 */
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeArchitecture, importsOf } from '@textgen-spec/spec/testing';
import { describe, expect, it } from 'vitest';

const SRC = dirname(fileURLToPath(import.meta.url));
const report = describeArchitecture(import.meta.url, 'apps/server/src', { forbiddenImports: ['@textgen-spec/conformance'] });

describe('architecture of apps/server/src: its own rule', () => {
  it('route modules see the server only through request-context.ts', () => {
    const server = join(SRC, 'server.ts');
    const importers = report.files
      .filter((file) => !file.fileName.endsWith('.test.ts') && !file.fileName.includes('/__fixtures__/') && importsOf(file).includes(server))
      .map((file) => relative(SRC, file.fileName));
    // index.ts re-exports the public API; cli.ts starts the server.
    expect(importers.sort()).toEqual(['cli.ts', 'index.ts']);
  });
});
