/**
 * Terminal output: one line per check grouped by feature, the details of what went wrong,
 * and last the summary line `N passed, N failed, ...`. Colours only on a terminal.
 */
import { FEATURES } from '../checks/features.js';
import type { ConformanceReport, ReportCheck, ReportSummary, ReportVerdict } from '../report/types.js';

export interface TextOptions {
  color: boolean;
  /** Print the request and response excerpts of failures. */
  verbose: boolean;
}

const SYMBOL: Record<ReportVerdict, string> = {
  pass: '✓',
  fail: '✗',
  warn: '!',
  unsupported: '∅',
  skip: '-',
  error: 'E',
};

const COLOR: Record<ReportVerdict, number> = { pass: 32, fail: 31, warn: 33, unsupported: 36, skip: 90, error: 35 };

function paint(on: boolean, code: number, text: string): string {
  return on ? `\u001b[${code}m${text}\u001b[0m` : text;
}

/** The verdict column, e.g. "✓ pass" or "✗ fail (expected)". */
function verdictLabel(c: ReportCheck): string {
  let label = `${SYMBOL[c.verdict]} ${c.verdict}`;
  if (c.expectedFailure) label += ' (expected)';
  if (c.staleBaseline) label += ' (stale baseline)';
  return label;
}

/** One result line. */
export function formatResult(c: ReportCheck, color: boolean, idWidth = 0): string {
  const code = c.staleBaseline ? COLOR.fail : c.expectedFailure ? COLOR.warn : COLOR[c.verdict];
  const head = `${paint(color, code, verdictLabel(c).padEnd(13))} ${c.level.padEnd(6)} ${c.id.padEnd(idWidth)}`;
  const msg = c.verdict === 'pass' || c.message === '' ? '' : `\n      ${c.message.split('\n').join('\n      ')}`;
  return `${head}  ${paint(color, 90, c.title)}${msg}`;
}

/** The final line: `N passed, N failed`, then the other counts that are not zero. */
export function formatSummary(s: ReportSummary): string {
  const parts = [`${s.pass} passed`, `${s.fail} failed`];
  if (s.expectedFailures > 0) parts[1] += ` (${s.expectedFailures} expected)`;
  if (s.error > 0) parts.push(`${s.error} errored`);
  if (s.warn > 0) parts.push(`${s.warn} ${s.warn === 1 ? 'warning' : 'warnings'}`);
  if (s.unsupported > 0) parts.push(`${s.unsupported} unsupported`);
  if (s.skip > 0) parts.push(`${s.skip} skipped`);
  if (s.staleBaseline > 0) parts.push(`${s.staleBaseline} stale baseline ${s.staleBaseline === 1 ? 'entry' : 'entries'}`);
  return parts.join(', ');
}

/** The whole text report; its last line is the summary. */
export function renderText(report: ConformanceReport, options: TextOptions): string {
  const { color } = options;
  const lines: string[] = [];
  lines.push(
    `${report.runner.name} ${report.runner.version} · ${report.server.url} · model ${report.server.model} · profile ${report.profile}`,
    '',
  );
  const idWidth = Math.max(0, ...report.checks.map((c) => c.id.length));
  for (const feature of FEATURES) {
    const mine = report.checks.filter((c) => c.feature === feature.id);
    if (mine.length === 0) continue;
    lines.push(paint(color, 1, `${feature.title} [${feature.id}: ${report.features[feature.id] ?? 'untested'}]`));
    for (const c of mine) lines.push(`  ${formatResult(c, color, idWidth)}`);
  }
  if (options.verbose) {
    const bad = report.checks.filter((c) => c.verdict === 'fail' || c.verdict === 'error');
    for (const c of bad) {
      lines.push('', paint(color, 1, `── ${c.id} (${c.level}) ──`), c.message, `source: ${c.source}`);
      for (const e of c.exchanges ?? []) {
        lines.push(`> ${e.method} ${e.path}${e.request !== undefined ? ` ${typeof e.request === 'string' ? e.request : JSON.stringify(e.request)}` : ''}`);
        lines.push(`< ${e.status ?? e.error ?? '?'} ${e.contentType ?? ''}`, indent(e.response ?? '', '  '));
      }
    }
  }
  if (report.baseline && report.baseline.stale.length > 0) {
    lines.push('', `Stale baseline entries (these checks pass now; remove them from ${report.baseline.file}):`);
    for (const s of report.baseline.stale) lines.push(`  ${s}`);
  }
  lines.push('', `Finished in ${(report.durationMs / 1000).toFixed(1)} s.`, formatSummary(report.summary));
  return lines.join('\n');
}

function indent(text: string, pad: string): string {
  return text
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}

/**
 * A live status line for terminals (written to stderr and erased at the end), e.g.
 * `[ 42/150] 3 failed · running stop.earliest-match`.
 */
export function createProgress(stream: NodeJS.WriteStream): {
  update(done: number, total: number, failed: number, running: readonly string[]): void;
  clear(): void;
} {
  let last = 0;
  return {
    update(done, total, failed, running) {
      const now = Date.now();
      if (now - last < 50 && done < total) return;
      last = now;
      const width = stream.columns ?? 80;
      const text = `[${String(done).padStart(String(total).length)}/${total}] ${failed} failed · running ${running.join(', ')}`;
      stream.write(`\r\u001b[2K${text.slice(0, width - 1)}`);
    },
    clear() {
      stream.write('\r\u001b[2K');
    },
  };
}
