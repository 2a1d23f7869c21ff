import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { driftedFiles, expectedFiles, findPackageRoot } from './generated-files.js';
import { loadThirdPartyReports } from './third-party.js';

const root = findPackageRoot();
const expected = expectedFiles(root);

describe('generated files', () => {
  it('match what the generators produce now (else run: npm run generate -w @textgen-spec/conformance)', () => {
    expect(driftedFiles(root, expected)).toEqual([]);
  });

  it('the report schema compiles under ajv strict mode and has a stable $id', () => {
    const schema = JSON.parse(expected.get('report.schema.json')!) as Record<string, unknown>;
    expect(schema.$id).toBe('https://textgen-spec.dev/schema/conformance-report/v1.json');
    const validate = new Ajv({ strict: true, allowUnionTypes: true }).compile(schema);
    expect(validate({})).toBe(false);
  });

  it('the check list documents every check with what it sends, expects and why', () => {
    const doc = expected.get('../docs/conformance.md')!;
    for (const id of ['stop.earliest-match', 'ext.epsilon_cutoff', 'wire.chunk-schema']) expect(doc).toContain(`**\`${id}\`**`);
    expect(doc.match(/ {2}- Sends: /g)?.length).toBe(doc.match(/^- \*\*`/gm)?.length);
  });
});

describe('committed third-party reports (reports/)', () => {
  it('are each listed in reports/index.json with server, version, model and command, and match the report schema', () => {
    const reports = loadThirdPartyReports(root);
    expect(reports.length).toBeGreaterThan(0);
    for (const r of reports) expect(r.report.checks.length).toBeGreaterThan(0);
  });
});
