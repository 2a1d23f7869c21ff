import { describe, expect, test } from 'vitest';
import type { ReportCheck, ReportVerdict } from '../report/types.js';
import { featureStatus } from './run.js';

function result(verdict: ReportVerdict, exercises?: false): ReportCheck {
  return { id: 'x.y', title: '', feature: 'best_of', level: 'SHOULD', tags: [], verdict, message: '', durationMs: 0, source: '', ...(exercises === false ? { exercises } : {}) };
}

describe('featureStatus: supported only when a check that exercises the feature passed', () => {
  test('passes of checks that do not exercise the feature prove nothing', () => {
    expect(featureStatus([result('pass', false), result('pass', false), result('fail')])).toBe('failing');
    expect(featureStatus([result('pass', false), result('skip')])).toBe('untested');
    expect(featureStatus([result('pass', false), result('unsupported')])).toBe('unsupported');
  });
  test('an exercising pass makes it supported or partial', () => {
    expect(featureStatus([result('pass'), result('pass', false)])).toBe('supported');
    expect(featureStatus([result('pass'), result('fail', false)])).toBe('partial');
    expect(featureStatus([result('warn'), result('unsupported')])).toBe('partial');
  });
  test('nothing decided is untested; everything declined is unsupported', () => {
    expect(featureStatus([result('skip')])).toBe('untested');
    expect(featureStatus([result('unsupported'), result('unsupported', false)])).toBe('unsupported');
  });
});
