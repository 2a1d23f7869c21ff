/**
 * The self-test: the reference server passes every check it implements in both profiles,
 * and every check fails under at least one named fault injected by the proxy.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHECKS } from '../checks/registry.js';
import { effectiveLevel } from '../runner/run.js';
import type { ConformanceReport } from '../report/types.js';
import { FAULTS } from './faults.js';
import { runAgainst, runFault, startHarness, type Harness } from './harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
}, 180_000);

afterAll(async () => {
  await h?.close();
});

/** Checks of a report that went wrong on the reference server. */
function badOnReference(report: ConformanceReport): string[] {
  return report.checks.filter((c) => c.verdict === 'fail' || c.verdict === 'error').map((c) => `${c.id} (${c.level}): ${c.verdict}: ${c.message}`);
}

describe('the fault catalogue', () => {
  test('every check is the target of at least one fault, and every target is a check', () => {
    const ids = new Set(CHECKS.map((c) => c.id));
    const targeted = new Set(FAULTS.flatMap((f) => f.targets));
    expect([...ids].filter((id) => !targeted.has(id))).toEqual([]);
    expect([...targeted].filter((id) => !ids.has(id))).toEqual([]);
    expect(new Set(FAULTS.map((f) => f.name)).size).toBe(FAULTS.length);
  });
});

describe.sequential('the reference server', () => {
  for (const profile of ['compat', 'strict'] as const) {
    test(`passes every MUST, SHOULD and EXT check it does not decline (${profile} profile)`, async () => {
      const report = await runAgainst(h.servers[profile].url, profile);
      expect(badOnReference(report)).toEqual([]);
      expect(report.summary.exitCode).toBe(0);
      expect(report.checks.length).toBe(CHECKS.length);
    }, 240_000);
  }
});

describe.sequential('each fault makes its target checks fail', () => {
  for (const fault of FAULTS) {
    test(fault.name, async () => {
      const report = await runFault(h, fault);
      const wrong: string[] = [];
      for (const id of fault.targets) {
        const check = CHECKS.find((c) => c.id === id)!;
        const result = report.checks.find((c) => c.id === id);
        const expected = effectiveLevel(check, fault.profile ?? 'compat') === 'INFO' ? 'warn' : 'fail';
        if (result?.verdict !== expected) wrong.push(`${id}: expected ${expected}, got ${result?.verdict ?? 'no result'}: ${result?.message ?? ''}`);
      }
      expect(wrong).toEqual([]);
      const onlyInfo = fault.targets.every((id) => effectiveLevel(CHECKS.find((c) => c.id === id)!, fault.profile ?? 'compat') === 'INFO');
      expect(report.summary.exitCode).toBe(onlyInfo ? 0 : 1);
    }, 120_000);
  }
});
