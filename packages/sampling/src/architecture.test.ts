/**
 * The shape of packages/sampling/src, checked on its sources by the workspace's shared checks
 * (@textgen-spec/spec/testing, where each check is proven on a known bad input): no import
 * cycles, functions short enough to read at once, and no mutable module-level
 * state without a comment saying why.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { architectureReport } from '@textgen-spec/spec/testing';
import { describe, expect, it } from 'vitest';

const report = architectureReport(dirname(fileURLToPath(import.meta.url)), { forbiddenImports: ['@textgen-spec/engine', '@textgen-spec/server', '@textgen-spec/conformance'] });

describe('architecture of packages/sampling/src', () => {
  it('scans the whole package', () => {
    expect(report.files.length).toBeGreaterThan(3);
    expect(report.unresolved).toEqual([]);
  });
  it('has no import cycles', () => expect(report.cycles).toEqual([]));
  it('imports only the packages below it in the data flow', () => expect(report.forbidden).toEqual([]));
  it('keeps every function outside tests at most 80 lines', () => expect(report.longFunctions).toEqual([]));
  it('says why beside each mutable module-level variable', () => expect(report.unexplainedState).toEqual([]));
});
