/**
 * The files this package generates, and what they must contain now:
 * - report.schema.json: the JSON Schema of `--json` reports, from src/report/types.ts;
 * - docs/conformance.md: the check list and the fault list between their markers.
 * (docs/compatibility.md comes from a live run: see compatibility.ts.)
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { findPackageRoot as findRoot } from '@textgen-spec/spec/testing';
import * as TJS from 'typescript-json-schema';
import { CHECKS } from '../src/checks/registry.js';
import { CHECKS_BEGIN, CHECKS_END, FAULTS_BEGIN, FAULTS_END, renderCheckList, renderFaultList, renderVariationList, replaceBetween } from '../src/docs/render.js';
import { REPORT_SCHEMA_ID } from '../src/report/types.js';
import { BENIGN_VARIATIONS } from '../src/self-test/faults/benign.js';
import { FAULTS } from '../src/self-test/faults/index.js';

/** The conformance package root (the folder with package.json), from this file's location. */
export function findPackageRoot(): string {
  return findRoot(import.meta.url, '@textgen-spec/conformance');
}

/** The report schema, generated from the ConformanceReport type. */
export function generateReportSchema(root: string): string {
  const program = TJS.programFromConfig(join(root, 'tsconfig.schema.json'));
  const generator = TJS.buildGenerator(program, { required: true, strictNullChecks: true, noExtraProps: true });
  if (!generator) throw new Error('typescript-json-schema could not read src/report/types.ts');
  const schema = generator.getSchemaForSymbol('ConformanceReport') as Record<string, unknown>;
  const { $schema: _drop, ...rest } = schema;
  const out = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: REPORT_SCHEMA_ID,
    title: 'textgen-conformance report',
    ...rest,
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}

/** Path (relative to the package root) -> expected content. */
export function expectedFiles(root: string): Map<string, string> {
  const files = new Map<string, string>();
  files.set('report.schema.json', generateReportSchema(root));
  const docPath = resolve(root, '../docs/conformance.md');
  let doc = readFileSync(docPath, 'utf8');
  doc = replaceBetween(doc, CHECKS_BEGIN, CHECKS_END, renderCheckList(CHECKS));
  doc = replaceBetween(
    doc,
    FAULTS_BEGIN,
    FAULTS_END,
    `${renderFaultList(FAULTS)}\n\nBenign variations (the self-test requires that none makes any check fail or err):\n\n${renderVariationList(BENIGN_VARIATIONS)}`,
  );
  files.set('../docs/conformance.md', doc);
  return files;
}

/** Files whose committed content differs from the expected one (the spec's shared drift harness). */
export { driftedFiles } from '@textgen-spec/spec/testing';
