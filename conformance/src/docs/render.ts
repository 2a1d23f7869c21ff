/**
 * Generated documentation: the check reference (docs/conformance.md, from the registry) and
 * the compatibility matrix (docs/compatibility.md, from reports). Both are committed and
 * drift-checked by tests.
 */
import { FEATURES } from '../checks/features.js';
import { CHECKS } from '../checks/registry.js';
import { featureMap } from '../runner/run.js';
import type { CheckDef } from '../checks/types.js';
import type { ConformanceReport, FeatureStatus, ReportVerdict } from '../report/types.js';

export const CHECKS_BEGIN = '<!-- BEGIN GENERATED CHECK LIST (npm run generate -w @textgen-spec/conformance) -->';
export const CHECKS_END = '<!-- END GENERATED CHECK LIST -->';
export const FAULTS_BEGIN = '<!-- BEGIN GENERATED FAULT LIST (npm run generate -w @textgen-spec/conformance) -->';
export const FAULTS_END = '<!-- END GENERATED FAULT LIST -->';
export const COMPAT_BEGIN = '<!-- BEGIN GENERATED MATRIX (npm run compat -w @textgen-spec/conformance) -->';
export const COMPAT_END = '<!-- END GENERATED MATRIX -->';

/** Replaces the text between two marker lines (markers kept); throws when they are missing. */
export function replaceBetween(text: string, begin: string, end: string, content: string): string {
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`markers ${begin} ... ${end} not found`);
  return `${text.slice(0, a + begin.length)}\n${content.trim()}\n${text.slice(b)}`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The check reference: one section per feature, one entry per check. */
export function renderCheckList(checks: readonly CheckDef[]): string {
  const out: string[] = [];
  const count = (l: string) => checks.filter((c) => c.level === l).length;
  out.push(
    `${checks.length} checks: ${count('MUST')} MUST, ${count('SHOULD')} SHOULD, ${count('EXT')} EXT, ${count('INFO')} INFO ` +
      `(${checks.filter((c) => c.strictOnly).length} of them strict-only: INFO in the compat profile; ` +
      `${checks.filter((c) => c.compatOnly).length} compat-only: INFO in the strict profile).`,
    '',
  );
  for (const group of ['openai', 'tgw'] as const) {
    out.push(group === 'openai' ? '### OpenAI API' : '### text-generation-webui extensions', '');
    for (const feature of FEATURES.filter((f) => f.group === group)) {
      const mine = checks.filter((c) => c.feature === feature.id);
      if (mine.length === 0) continue;
      out.push(`#### ${feature.title} (\`${feature.id}\`)`, '');
      for (const c of mine) {
        const level = c.strictOnly ? `${c.level} (strict) / INFO (compat)` : c.compatOnly ? `${c.level} (compat) / INFO (strict)` : c.level;
        const flags = [
          c.optional ? 'optional feature: a clean 4xx is `unsupported`' : '',
          c.exercises === false ? 'does not exercise the feature: its pass alone is no support' : '',
          c.exclusive ? 'runs alone' : '',
          c.tags?.length ? `tags: ${c.tags.join(', ')}` : '',
        ]
          .filter((f) => f !== '')
          .join('; ');
        out.push(
          `- **\`${c.id}\`** · ${level} · ${c.title}${flags ? ` (${flags})` : ''}`,
          `  - Sends: ${c.sends}`,
          `  - Expects: ${c.expects}`,
          `  - Why: ${c.source}`,
          ...(c.requires ?? []).map((p) => `  - Requires \`${p.id}\` (${p.title}): ${p.proof} Tried as ${p.ways.map((w) => w.label).join(', then ')}; otherwise skipped, naming it.`),
        );
      }
      out.push('');
    }
  }
  return out.join('\n');
}

/** The fault catalogue of the self-test: name, the bug it imitates, the checks it breaks. */
export function renderFaultList(faults: readonly { name: string; description: string; targets: readonly string[]; profile?: string }[]): string {
  const out = ['| Fault | Imitates | Must break |', '|---|---|---|'];
  for (const f of faults) {
    const profile = f.profile && f.profile !== 'compat' ? ` (${f.profile} profile)` : '';
    out.push(`| \`${f.name}\`${profile} | ${cell(f.description)} | ${f.targets.map((t) => `\`${t}\``).join(', ')} |`);
  }
  return out.join('\n');
}

/** The benign variations of the self-test: what the specs allow, which must change no verdict. */
export function renderVariationList(variations: readonly { name: string; description: string; scope: 'stream' | 'all' }[]): string {
  const out = ['| Variation | What the proxy changes | Checks run through it |', '|---|---|---|'];
  for (const v of variations) out.push(`| \`${v.name}\` | ${cell(v.description)} | ${v.scope === 'stream' ? 'every check tagged `stream`' : 'every check but the EXT probes'} |`);
  return out.join('\n');
}

const STATUS: Record<FeatureStatus, string> = {
  supported: '✅ supported',
  partial: '🟡 partial',
  failing: '❌ failing',
  unsupported: '➖ unsupported',
  untested: '⬜ untested',
};

const VERDICT: Record<ReportVerdict, string> = {
  pass: '✅ pass',
  fail: '❌ fail',
  warn: '⚠️ warn',
  unsupported: '➖ unsupported',
  skip: '⏭️ skip',
  error: '💥 error',
};

/** A column of the matrix: one report, its label, and optionally where it came from. */
export interface MatrixColumn {
  label: string;
  report: ConformanceReport;
  /** One line on the server behind the report (version, model, how it ran), for the legend. */
  about?: string;
  /** Findings worth a line each under the column's notes (bugs seen while running it). */
  findings?: readonly string[];
}

/**
 * The compatibility matrix: features as rows, one column per report; then every check with
 * its verdict per column, and the messages of everything that did not pass. Only stable
 * facts go in (no timings), so a re-run on the same server gives the same text. Checks of
 * the first column are the rows; a check a column's report lacks (its runner was older) is
 * shown as not run.
 */
export function renderCompatibility(columns: readonly MatrixColumn[]): string {
  const out: string[] = [];
  const described = columns.filter((c) => c.about !== undefined);
  if (described.length > 0) {
    out.push('Columns:', '');
    for (const c of described) out.push(`- **${c.label}**: ${c.about}`);
    out.push('');
  }
  const statuses = columns.map((c) => featureStatuses(c.report));
  const head = `| Feature | ${columns.map((c) => c.label).join(' | ')} |`;
  out.push(head, `|---|${columns.map(() => '---|').join('')}`);
  for (const f of FEATURES) {
    if (!statuses.some((st) => f.id in st)) continue;
    out.push(`| ${cell(f.title)} (\`${f.id}\`) | ${statuses.map((st) => STATUS[st[f.id] ?? 'untested']).join(' | ')} |`);
  }
  out.push('', '#### Every check', '', `| Check | Level | ${columns.map((c) => c.label).join(' | ')} |`, `|---|---|${columns.map(() => '---|').join('')}`);
  const ids = columns[0]?.report.checks.map((c) => c.id) ?? [];
  for (const id of ids) {
    const results = columns.map((c) => c.report.checks.find((x) => x.id === id));
    const levels = [...new Set(results.filter((r) => r !== undefined).map((r) => r.level))].join(' / ');
    out.push(`| \`${id}\` | ${levels} | ${results.map((r) => (r ? VERDICT[r.verdict] : '— not run')).join(' | ')} |`);
  }
  for (const col of columns) {
    const notes = col.report.checks.filter((c) => c.verdict !== 'pass' && ids.includes(c.id));
    if (notes.length === 0 && !col.findings?.length) continue;
    out.push('', `#### Notes: ${col.label}`, '');
    for (const f of col.findings ?? []) out.push(`- ${cell(f)}`);
    if (col.findings?.length && notes.length > 0) out.push('');
    for (const c of notes) out.push(`- \`${c.id}\` ${VERDICT[c.verdict]}: ${cell(c.message.split('\n')[0] ?? '')}`);
  }
  return out.join('\n');
}

/**
 * A report's feature statuses, recomputed from its checks by today's rule, so that a report
 * written by an older runner is judged like a new one: a check the registry marks as not
 * exercising its feature counts as such even where the report predates the mark.
 */
function featureStatuses(report: ConformanceReport): { [feature: string]: FeatureStatus } {
  const nonExercising = new Set(CHECKS.filter((c) => c.exercises === false).map((c) => c.id));
  return featureMap(report.checks.map((c) => (nonExercising.has(c.id) ? { ...c, exercises: false } : c)));
}

/** A committed report of another server, with what the matrix says about it. */
export interface ThirdPartyReport {
  /** Column label, e.g. "llama.cpp de3ff815 (compat)". */
  label: string;
  /** The server, e.g. "llama.cpp llama-server". */
  server: string;
  /** Version or commit, with its date. */
  version: string;
  /** The model it served. */
  model: string;
  /** How it was started (flags that matter). */
  command: string;
  /** Bugs found while running it, one line each. */
  findings: readonly string[];
  report: ConformanceReport;
}

/** The legend line of a third-party column: server, version, model, run date, profile, runner. */
export function describeThirdParty(t: ThirdPartyReport): string {
  const r = t.report;
  return `${t.server} ${t.version}, model ${t.model}, started as \`${t.command}\`; run ${r.startedAt.slice(0, 10)}, ${r.profile} profile, runner ${r.runner.version} (${r.summary.pass} passed, ${r.summary.fail} failed, ${r.summary.warn} warnings, ${r.summary.unsupported} unsupported, ${r.summary.skip} skipped).`;
}

/**
 * The generated block of docs/compatibility.md: the reference server in both profiles (from
 * a live run), then each committed third-party report.
 */
export function renderCompatibilityMatrix(compat: ConformanceReport, strict: ConformanceReport, others: readonly ThirdPartyReport[] = []): string {
  return renderCompatibility([
    { label: 'Reference server (compat)', report: compat, about: 'apps/server on its embedded tiny model, compat profile; a live run, regenerated by `npm run compat`.' },
    { label: 'Reference server (strict)', report: strict, about: 'the same server started with `--profile strict`.' },
    ...others.map((t) => ({ label: t.label, report: t.report, about: describeThirdParty(t), findings: t.findings })),
  ]);
}
