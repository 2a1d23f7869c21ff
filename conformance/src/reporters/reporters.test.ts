import { describe, expect, test } from 'vitest';
import type { ConformanceReport, ReportCheck } from '../report/types.js';
import { summarize, featureMap } from '../runner/run.js';
import { renderGithub, renderJunit, renderMarkdown } from './ci.js';
import { formatSummary, renderText } from './text.js';

function check(id: string, feature: string, verdict: ReportCheck['verdict'], extra: Partial<ReportCheck> = {}): ReportCheck {
  return { id, title: `title of ${id}`, feature, level: 'MUST', tags: [], verdict, message: verdict === 'pass' ? '' : `why ${id} <&> "q"`, durationMs: 5, source: 'spec', ...extra };
}

function report(checks: ReportCheck[], stale = 0): ConformanceReport {
  return {
    $schema: 'x',
    runner: { name: '@textgen-spec/conformance', version: '0.1.0' },
    server: { url: 'http://127.0.0.1:1', model: 'm', models: ['m'], systemFingerprint: null },
    profile: 'compat',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.000Z',
    durationMs: 1000,
    filters: { only: [], skip: [] },
    summary: summarize(checks, stale),
    features: featureMap(checks),
    checks,
  };
}

const sample = report([
  check('stop.string', 'stop', 'pass'),
  check('stop.stream', 'stop', 'fail', { exchanges: [{ method: 'POST', path: '/v1/completions', request: { prompt: 'x' }, status: 200, response: 'data: {}', durationMs: 3 }] }),
  check('echo.plain', 'echo', 'fail', { expectedFailure: true }),
  check('echo.stream', 'echo', 'pass', { staleBaseline: true }),
  check('logprobs.format', 'logprobs', 'warn', { level: 'INFO' }),
  check('n.stream', 'n', 'unsupported'),
  check('errors.auth', 'errors', 'skip'),
  check('seed.concurrent', 'seed', 'error'),
]);

describe('summary line', () => {
  test('starts with "N passed, N failed" and lists the other non-zero counts', () => {
    expect(formatSummary(sample.summary)).toBe('2 passed, 2 failed (1 expected), 1 errored, 1 warning, 1 unsupported, 1 skipped');
    expect(formatSummary(report([check('a.b', 'stop', 'pass')], 2).summary)).toBe('1 passed, 0 failed, 2 stale baseline entries');
  });

  test('is the last line of the text report, which has no colour codes when plain', () => {
    const text = renderText(sample, { color: false, verbose: true });
    expect(text.split('\n').at(-1)).toBe(formatSummary(sample.summary));
    expect(text).not.toContain('\u001b[');
    expect(text).toContain('> POST /v1/completions {"prompt":"x"}');
    expect(renderText(sample, { color: true, verbose: false })).toContain('\u001b[31m');
  });
});

describe('JUnit', () => {
  test('one suite per feature, failures and errors counted, expected failures and unsupported as skipped, XML escaped', () => {
    const xml = renderJunit(sample);
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="textgen-conformance" tests="8" failures="2" errors="1" skipped="3"/);
    expect(xml).toContain('<testsuite name="stop" tests="2" failures="1"');
    expect(xml).toContain('<testcase classname="stop" name="stop.stream"');
    expect(xml).toContain('why stop.stream &lt;&amp;&gt; &quot;q&quot;');
    expect(xml).toContain('<skipped message="expected failure (baseline)');
    expect(xml).toContain('<failure message="stale baseline entry');
    expect(xml).not.toMatch(/<&>/);
    expect(xml.match(/<testcase /g)?.length).toBe(8);
  });
});

describe('Markdown', () => {
  test('a headline with the summary, the feature table and details of unexpected failures', () => {
    const md = renderMarkdown(sample);
    expect(md).toContain(`## ❌ Completions conformance: ${formatSummary(sample.summary)}`);
    expect(md).toContain('| stop | 🟡 partial | 1 pass, 1 fail |');
    expect(md).toContain('<summary>❌ `stop.stream` (MUST)');
    expect(md).toContain('### Expected failures (baseline)');
    expect(md).toContain('### Stale baseline entries (these pass now)');
  });
});

describe('GitHub annotations', () => {
  test('errors for unexpected failures and stale entries, warnings for warnings, escaped', () => {
    const gh = renderGithub(report([check('a.b', 'stop', 'fail', { message: 'line1\nline2 100%' }), check('c.d', 'stop', 'warn', { level: 'INFO' })]));
    const lines = gh.split('\n');
    expect(lines[0]).toBe('::error title=a.b (MUST)::title of a.b: line1%0Aline2 100%25');
    expect(lines[1]).toMatch(/^::warning title=c.d \(INFO\)::/);
    expect(lines.at(-1)).toBe('::notice title=textgen-conformance::0 passed, 1 failed, 1 warning');
  });
});
