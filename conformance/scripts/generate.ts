/**
 * `npm run generate -w @textgen-spec/conformance`: rewrites report.schema.json and the
 * generated parts of docs/conformance.md.
 */
import { writeGeneratedFiles } from '@textgen-spec/spec/testing';
import { expectedFiles, findPackageRoot } from './generated-files.js';

const root = findPackageRoot();
const changed = writeGeneratedFiles(root, expectedFiles(root));
console.log(changed.length === 0 ? 'generated files are up to date' : `rewrote ${changed.join(', ')}`);
