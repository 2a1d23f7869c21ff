/**
 * The vitest suite every package's `architecture.test.ts` runs: `describeArchitecture(import.meta.url, ...)`
 * defines one test per structural check of `architectureReport` and returns the report, for a
 * package's own extra rules.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { architectureReport } from './source-checks.js';
import type { ArchitectureOptions, ArchitectureReport } from './source-checks.js';

/** Tests the folder of `testFileUrl` (a package's src/); `label` names it in the suite's title. */
export function describeArchitecture(testFileUrl: string, label: string, options: ArchitectureOptions = {}): ArchitectureReport {
  const report = architectureReport(dirname(fileURLToPath(testFileUrl)), options);
  describe(`architecture of ${label}`, () => {
    it('scans the whole package', () => {
      expect(report.files.length).toBeGreaterThan(3);
      expect(report.unresolved).toEqual([]);
    });
    it('has no import cycles', () => expect(report.cycles).toEqual([]));
    it('imports only the packages below it in the data flow', () => expect(report.forbidden).toEqual([]));
    it('keeps every function outside tests at most 80 lines', () => expect(report.longFunctions).toEqual([]));
    it('says why beside each mutable module-level variable', () => expect(report.unexplainedState).toEqual([]));
  });
  return report;
}
