/**
 * Regenerates the JSON Schemas (schema/strict, schema/compat), the OpenAPI documents (openapi/),
 * src/request-defaults.ts and docs/api.md from src/types and src/api-routes.ts.
 *
 *   npm run generate -w @textgen-spec/spec            write the files
 *   npm run generate -w @textgen-spec/spec -- --check  only report files that are out of date
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeGeneratedFiles } from '../src/testing/index.js';
import { driftedFiles, expectedFiles, findPackageRoot, staleFiles } from './generated-files.js';

const check = process.argv.includes('--check');
const root = findPackageRoot();
const expected = expectedFiles(root);

if (check) {
  const drifted = driftedFiles(root, expected);
  if (drifted.length) {
    console.error(`Out of date: ${drifted.join(', ')}\nRun: npm run generate -w @textgen-spec/spec`);
    process.exit(1);
  }
  console.log(`${expected.size} generated files are up to date.`);
} else {
  const stale = staleFiles(root, expected);
  for (const path of stale) rmSync(join(root, path));
  const changed = writeGeneratedFiles(root, expected);
  console.log(`Wrote ${expected.size} files (${changed.length + stale.length} changed or removed).`);
}
