/**
 * CI formats: JUnit XML (--junit), a Markdown summary for GitHub job summaries
 * (--markdown) and GitHub workflow annotations (--github).
 */
import { FEATURES } from '../checks/features.js';
import type { ConformanceReport, FeatureStatus, ReportCheck } from '../report/types.js';
import { formatSummary } from './text.js';

function xml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function evidence(c: ReportCheck): string {
  const parts = [c.message, `source: ${c.source}`];
  for (const e of c.exchanges ?? []) {
    const req = e.request === undefined ? '' : ` ${typeof e.request === 'string' ? e.request : JSON.stringify(e.request)}`;
    parts.push(`> ${e.method} ${e.path}${req}`, `< ${e.status ?? e.error ?? ''}`, e.response ?? '');
  }
  return parts.join('\n');
}

/** JUnit XML: one <testsuite> per feature, one <testcase> per check. */
export function renderJunit(report: ConformanceReport): string {
  const s = report.summary;
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const failures = (cs: readonly ReportCheck[]) => cs.filter((c) => (c.verdict === 'fail' && !c.expectedFailure) || c.staleBaseline).length;
  const errors = (cs: readonly ReportCheck[]) => cs.filter((c) => c.verdict === 'error' && !c.expectedFailure).length;
  const skipped = (cs: readonly ReportCheck[]) =>
    cs.filter((c) => c.verdict === 'skip' || c.verdict === 'unsupported' || (c.expectedFailure && !c.staleBaseline)).length;
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  out.push(
    `<testsuites name="textgen-conformance" tests="${s.total}" failures="${failures(report.checks)}" errors="${errors(report.checks)}" skipped="${skipped(report.checks)}" time="${seconds(report.durationMs)}">`,
  );
  for (const feature of FEATURES) {
    const mine = report.checks.filter((c) => c.feature === feature.id);
    if (mine.length === 0) continue;
    const time = mine.reduce((t, c) => t + c.durationMs, 0);
    out.push(
      `  <testsuite name="${xml(feature.id)}" tests="${mine.length}" failures="${failures(mine)}" errors="${errors(mine)}" skipped="${skipped(mine)}" time="${seconds(time)}">`,
    );
    for (const c of mine) {
      out.push(`    <testcase classname="${xml(feature.id)}" name="${xml(c.id)}" time="${seconds(c.durationMs)}">`);
      if (c.staleBaseline) {
        out.push(`      <failure message="stale baseline entry: this check passes now" type="baseline"/>`);
      } else if (c.expectedFailure) {
        out.push(`      <skipped message="${xml(`expected failure (baseline): ${c.message}`)}"/>`);
      } else if (c.verdict === 'fail') {
        out.push(`      <failure message="${xml(c.message)}" type="${c.level}">${xml(evidence(c))}</failure>`);
      } else if (c.verdict === 'error') {
        out.push(`      <error message="${xml(c.message.split('\n')[0] ?? '')}" type="runner">${xml(evidence(c))}</error>`);
      } else if (c.verdict === 'skip' || c.verdict === 'unsupported') {
        out.push(`      <skipped message="${xml(`${c.verdict}: ${c.message}`)}"/>`);
      }
      if (c.message !== '' && (c.verdict === 'pass' || c.verdict === 'warn')) {
        out.push(`      <system-out>${xml(`${c.verdict}: ${c.message}`)}</system-out>`);
      }
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}

const STATUS_ICON: Record<FeatureStatus, string> = {
  supported: '✅ supported',
  partial: '🟡 partial',
  failing: '❌ failing',
  unsupported: '➖ unsupported',
  untested: '⬜ untested',
};

const VERDICT_ICON: Record<ReportCheck['verdict'], string> = {
  pass: '✅',
  fail: '❌',
  warn: '⚠️',
  unsupported: '➖',
  skip: '⏭️',
  error: '💥',
};

function mdCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** A Markdown summary (for $GITHUB_STEP_SUMMARY). */
export function renderMarkdown(report: ConformanceReport): string {
  const s = report.summary;
  const ok = s.exitCode === 0;
  const out: string[] = [
    `## ${ok ? '✅' : '❌'} Completions conformance: ${formatSummary(s)}`,
    '',
    `Server \`${report.server.url}\` · model \`${report.server.model}\` · profile **${report.profile}** · ${report.runner.name} ${report.runner.version} · ${(report.durationMs / 1000).toFixed(1)} s`,
    '',
    '| Feature | Status | Checks |',
    '|---|---|---|',
  ];
  for (const feature of FEATURES) {
    const mine = report.checks.filter((c) => c.feature === feature.id);
    if (mine.length === 0) continue;
    const counts = mine.reduce<Record<string, number>>((acc, c) => ({ ...acc, [c.verdict]: (acc[c.verdict] ?? 0) + 1 }), {});
    const detail = Object.entries(counts)
      .map(([v, n]) => `${n} ${v}`)
      .join(', ');
    out.push(`| ${mdCell(feature.title)} | ${STATUS_ICON[report.features[feature.id] ?? 'untested']} | ${detail} |`);
  }
  const section = (title: string, checks: ReportCheck[], details: boolean) => {
    if (checks.length === 0) return;
    out.push('', `### ${title}`, '');
    for (const c of checks) {
      const head = `${VERDICT_ICON[c.verdict]} \`${c.id}\` (${c.level}) ${mdCell(c.title)}`;
      if (!details) {
        out.push(`- ${head}${c.message ? `: ${mdCell(c.message)}` : ''}`);
        continue;
      }
      out.push('<details>', `<summary>${head}</summary>`, '', mdCell(c.message), '', `Source: ${mdCell(c.source)}`, '');
      for (const e of c.exchanges ?? []) {
        const req = e.request === undefined ? '' : typeof e.request === 'string' ? e.request : JSON.stringify(e.request);
        out.push('```', `> ${e.method} ${e.path} ${req}`.trimEnd(), `< ${e.status ?? e.error ?? ''} ${e.contentType ?? ''}`.trimEnd(), e.response ?? '', '```');
      }
      out.push('</details>');
    }
  };
  section('Failures', report.checks.filter((c) => (c.verdict === 'fail' || c.verdict === 'error') && !c.expectedFailure), true);
  section('Stale baseline entries (these pass now)', report.checks.filter((c) => c.staleBaseline), false);
  section('Expected failures (baseline)', report.checks.filter((c) => c.expectedFailure), false);
  section('Warnings', report.checks.filter((c) => c.verdict === 'warn'), false);
  section('Unsupported', report.checks.filter((c) => c.verdict === 'unsupported'), false);
  section('Skipped', report.checks.filter((c) => c.verdict === 'skip'), false);
  out.push('');
  return out.join('\n');
}

/** Escapes a workflow-command value (GitHub's rules: %, CR and LF; plus : and , in properties). */
function ghData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function ghProp(text: string): string {
  return ghData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** GitHub workflow commands: ::error for unexpected failures and stale entries, ::warning for warnings. */
export function renderGithub(report: ConformanceReport): string {
  const out: string[] = [];
  for (const c of report.checks) {
    const title = ghProp(`${c.id} (${c.level})`);
    if (c.staleBaseline) out.push(`::error title=${title}::${ghData(`stale baseline entry: ${c.id} passes now; remove it from the baseline`)}`);
    else if ((c.verdict === 'fail' || c.verdict === 'error') && !c.expectedFailure) out.push(`::error title=${title}::${ghData(`${c.title}: ${c.message}`)}`);
    else if (c.verdict === 'warn') out.push(`::warning title=${title}::${ghData(`${c.title}: ${c.message}`)}`);
    else if (c.expectedFailure) out.push(`::notice title=${title}::${ghData(`expected failure (baseline): ${c.message}`)}`);
  }
  out.push(`::notice title=textgen-conformance::${ghData(formatSummary(report.summary))}`);
  return out.join('\n');
}
