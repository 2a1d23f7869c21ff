/**
 * Regenerates the JSON Schemas (schema/strict, schema/compat), src/request-defaults.ts and
 * docs/api.md from src/types.
 *
 *   npm run generate -w @textgen-spec/spec            write the files
 *   npm run generate -w @textgen-spec/spec -- --check  only report files that are out of date
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
  const drifted = new Set(driftedFiles(root, expected));
  for (const path of staleFiles(root, expected)) rmSync(join(root, path));
  for (const [path, content] of expected) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  console.log(`Wrote ${expected.size} files (${drifted.size} changed or removed).`);
}
