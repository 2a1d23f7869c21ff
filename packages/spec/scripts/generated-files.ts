/**
 * Every file the generator owns, with the content it should have now, and the check that
 * the committed copies match (used by `generate --check` and by generated-files.test.ts).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROFILES } from '../src/schema-names.js';
import { driftedFiles as changedFiles, findPackageRoot as findRoot } from '../src/testing/index.js';
import { renderApiDoc } from './api-doc.js';
import { REQUEST_DEFAULTS_PATH, renderRequestDefaults } from './defaults-source.js';
import type { UsageExample } from './api-doc.js';
import { openApiFiles } from './openapi.js';
import { generateSchemas, schemaFiles } from './schema-generator.js';

/** The package root (packages/spec), found from this file whether it runs as .ts or compiled. */
export function findPackageRoot(): string {
  return findRoot(import.meta.url, '@textgen-spec/spec');
}

/**
 * Path (relative to the package root) -> expected content: the schemas, the OpenAPI documents,
 * src/request-defaults.ts, and docs/api.md (at the repository root).
 */
export function expectedFiles(packageRoot: string): Map<string, string> {
  const schemas = generateSchemas(packageRoot);
  const files = schemaFiles(schemas);
  files.set('../../docs/api.md', renderApiDoc(schemas, readUsageExamples(packageRoot)));
  files.set(REQUEST_DEFAULTS_PATH, renderRequestDefaults(schemas['completion-request'].strict));
  for (const [path, content] of openApiFiles(schemas, PROFILES, packageVersion(packageRoot))) files.set(path, content);
  return files;
}

/** The package version (the OpenAPI documents' `info.version`; versions move in lockstep). */
export function packageVersion(packageRoot: string): string {
  return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The `usage` examples of examples/completion-request/<parameter>.json, by parameter. */
export function readUsageExamples(packageRoot: string): Map<string, UsageExample> {
  const dir = join(packageRoot, 'examples', 'completion-request');
  const usages = new Map<string, UsageExample>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const example = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { parameter?: string; usage?: UsageExample };
    if (example.parameter !== undefined && example.usage !== undefined) usages.set(example.parameter, example.usage);
  }
  return usages;
}

/** Files under schema/ that the generator no longer produces. */
export function staleFiles(packageRoot: string, expected: Map<string, string>): string[] {
  const stale: string[] = [];
  for (const profile of PROFILES) {
    const dir = join(packageRoot, 'schema', profile);
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir)) {
      const path = `schema/${profile}/${file}`;
      if (!expected.has(path)) stale.push(path);
    }
  }
  return stale;
}

/** Paths whose committed content differs from the generator's output (missing and stale files included). */
export function driftedFiles(packageRoot: string, expected: Map<string, string>): string[] {
  return [...changedFiles(packageRoot, expected), ...staleFiles(packageRoot, expected)];
}
