import { describe, expect, test } from 'vitest';
import { CHECKS } from '../checks/registry.js';
import type { ReportCheck } from '../report/types.js';
import { applyBaseline, featureMap, summarize } from './run.js';
import { baselineCovers, matches, parseBaseline, selectChecks, splitSelectors, unknownSelectors } from './select.js';

const byId = (id: string) => CHECKS.find((c) => c.id === id)!;

function result(id: string, verdict: ReportCheck['verdict'], feature = 'stop'): ReportCheck {
  return { id, title: id, feature, level: 'MUST', tags: [], verdict, message: '', durationMs: 0, source: '' };
}

describe('selectors', () => {
  test('match ids, prefixes, features, tags, levels and the tgw group', () => {
    expect(matches(byId('stop.stream'), 'stop.stream')).toBe(true);
    expect(matches(byId('stop.stream'), 'stop.*')).toBe(true);
    expect(matches(byId('stop.stream'), 'stop')).toBe(true);
    expect(matches(byId('stop.stream'), 'stream')).toBe(true);
    expect(matches(byId('stop.stream'), 'MUST')).toBe(true);
    expect(matches(byId('stop.stream'), 'should')).toBe(false);
    expect(matches(byId('ext.top_k'), 'tgw')).toBe(true);
    expect(matches(byId('stop.stream'), 'tgw')).toBe(false);
    expect(splitSelectors(['a,b', ' c '])).toEqual(['a', 'b', 'c']);
    expect(unknownSelectors(CHECKS, ['stop', 'no-such-check'])).toEqual(['no-such-check']);
  });

  test('--only keeps the wire checks, --skip can drop them', () => {
    const only = selectChecks(CHECKS, ['stop.string'], []).map((c) => c.id);
    expect(only[0]).toBe('stop.string');
    expect(only.slice(1).every((id) => id.startsWith('wire.'))).toBe(true);
    expect(selectChecks(CHECKS, ['stop.string'], ['wire']).map((c) => c.id)).toEqual(['stop.string']);
    expect(selectChecks(CHECKS, [], ['ext']).some((c) => c.id.startsWith('ext.'))).toBe(false);
  });

  test('check ids are unique and well formed', () => {
    const ids = CHECKS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z_]+\.[a-z0-9_.-]+$/);
  });
});

describe('baseline', () => {
  test('parses ids and patterns, ignoring comments and blank lines', () => {
    expect(parseBaseline('# header\n\necho.*  # no echo\nstop.limit\n', 'b.txt').entries).toEqual(['echo.*', 'stop.limit']);
    expect(baselineCovers('echo.*', 'echo.plain')).toBe(true);
    expect(baselineCovers('echo.plain', 'echo.plainer')).toBe(false);
  });

  test('listed failures are expected; an entry whose checks all pass is stale and fails the run', () => {
    const checks = [result('stop.string', 'fail'), result('stop.array', 'pass'), result('echo.plain', 'fail', 'echo'), result('echo.stream', 'pass', 'echo')];
    const stale = applyBaseline(checks, { file: 'b', entries: ['stop.string', 'stop.array', 'echo.*'] });
    expect(stale).toEqual(['stop.array']);
    expect(checks.map((c) => [c.id, c.expectedFailure ?? false, c.staleBaseline ?? false])).toEqual([
      ['stop.string', true, false],
      ['stop.array', false, true],
      ['echo.plain', true, false],
      ['echo.stream', false, false],
    ]);
    expect(summarize(checks, stale.length).exitCode).toBe(1);
    const fixed = [result('stop.string', 'fail'), result('stop.array', 'pass')];
    expect(summarize(fixed, applyBaseline(fixed, { file: 'b', entries: ['stop.string'] }).length).exitCode).toBe(0);
  });

  test('an unlisted failure or an error fails the run; warnings, skips and unsupported do not', () => {
    expect(summarize([result('a.b', 'warn'), result('a.c', 'skip'), result('a.d', 'unsupported')], 0).exitCode).toBe(0);
    expect(summarize([result('a.b', 'error')], 0).exitCode).toBe(1);
  });
});

describe('feature map', () => {
  test('derives one status per feature from its checks', () => {
    const map = featureMap([
      result('x.1', 'pass', 'stop'),
      result('x.2', 'warn', 'stop'),
      result('x.3', 'pass', 'echo'),
      result('x.4', 'fail', 'echo'),
      result('x.5', 'unsupported', 'n'),
      result('x.6', 'fail', 'seed'),
      result('x.7', 'skip', 'suffix'),
    ]);
    expect(map).toEqual({ stop: 'supported', echo: 'partial', n: 'unsupported', seed: 'failing', suffix: 'untested' });
  });
});
