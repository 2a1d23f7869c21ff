/**
 * The server's structure, checked on its sources by the workspace's shared checks
 * (@textgen-spec/spec/testing, where each check is proven on a known bad input): no import
 * cycles (route modules depend on request-context.ts, never on server.ts), no import of the
 * conformance runner, functions short enough to read at once, and no mutable module-level state
 * without a comment saying why.
 */
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { architectureReport, importsOf } from '@textgen-spec/spec/testing';
import { describe, expect, it } from 'vitest';

const SRC = dirname(fileURLToPath(import.meta.url));
const report = architectureReport(SRC, { forbiddenImports: ['@textgen-spec/conformance'] });

describe('architecture of apps/server/src', () => {
  it('scans the whole package', () => {
    expect(report.files.length).toBeGreaterThan(10);
    expect(report.unresolved).toEqual([]);
  });
  it('has no import cycles', () => expect(report.cycles).toEqual([]));
  it('imports only the packages below it in the data flow', () => expect(report.forbidden).toEqual([]));
  it('keeps every function outside tests at most 80 lines', () => expect(report.longFunctions).toEqual([]));
  it('says why beside each mutable module-level variable', () => expect(report.unexplainedState).toEqual([]));

  it('route modules see the server only through request-context.ts', () => {
    const server = join(SRC, 'server.ts');
    const importers = report.files
      .filter((file) => !file.fileName.endsWith('.test.ts') && !file.fileName.includes('/__fixtures__/') && importsOf(file).includes(server))
      .map((file) => relative(SRC, file.fileName));
    // index.ts re-exports the public API; cli.ts starts the server.
    expect(importers.sort()).toEqual(['cli.ts', 'index.ts']);
  });
});
