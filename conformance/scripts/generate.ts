/**
 * `npm run generate -w @textgen-spec/conformance`: rewrites report.schema.json and the
 * generated parts of docs/conformance.md.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { driftedFiles, expectedFiles, findPackageRoot } from './generated-files.js';

const root = findPackageRoot();
const files = expectedFiles(root);
const changed = driftedFiles(root, files);
for (const [path, content] of files) writeFileSync(join(root, path), content);
console.log(changed.length === 0 ? 'generated files are up to date' : `rewrote ${changed.join(', ')}`);
