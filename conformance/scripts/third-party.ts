/**
 * Committed reports of other servers (conformance/reports/): the runner's own `--json`
 * output of a real run, listed in reports/index.json with what the report itself does not
 * say (which server, version, model and flags, and the bugs found). docs/compatibility.md
 * shows them beside the reference server; each must validate against report.schema.json.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import type { ThirdPartyReport } from '../src/docs/render.js';
import type { ConformanceReport } from '../src/report/types.js';

/** One entry of reports/index.json. */
export interface ThirdPartyEntry {
  /** The report file, relative to reports/. */
  file: string;
  label: string;
  server: string;
  version: string;
  model: string;
  command: string;
  findings: string[];
}

/** The committed reports, in index order; throws when an entry or a report is malformed. */
export function loadThirdPartyReports(root: string): ThirdPartyReport[] {
  const dir = join(root, 'reports');
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { reports?: ThirdPartyEntry[] };
  const entries = index.reports ?? [];
  const schema = JSON.parse(readFileSync(join(root, 'report.schema.json'), 'utf8')) as object;
  const validate = new Ajv({ strict: true, allowUnionTypes: true }).compile(schema);
  const listed = new Set(entries.map((e) => e.file));
  const unlisted = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'index.json' && !listed.has(f));
  if (unlisted.length > 0) throw new Error(`reports/index.json does not list ${unlisted.join(', ')}`);
  return entries.map((entry) => {
    for (const key of ['file', 'label', 'server', 'version', 'model', 'command'] as const) {
      if (typeof entry[key] !== 'string' || entry[key] === '') throw new Error(`reports/index.json: an entry has no "${key}"`);
    }
    if (!Array.isArray(entry.findings) || !entry.findings.every((f) => typeof f === 'string')) throw new Error(`reports/index.json: ${entry.file}: "findings" is not a list of strings`);
    const report = JSON.parse(readFileSync(join(dir, entry.file), 'utf8')) as ConformanceReport;
    if (!validate(report)) throw new Error(`reports/${entry.file} does not match report.schema.json: ${JSON.stringify(validate.errors)}`);
    return { label: entry.label, server: entry.server, version: entry.version, model: entry.model, command: entry.command, findings: entry.findings, report };
  });
}
