/**
 * `npm run compat -w @textgen-spec/conformance`: starts the reference server (compat and
 * strict profiles, embedded tiny model), runs every check against each, and rewrites the
 * generated matrix of docs/compatibility.md with those two columns plus the committed
 * reports of other servers (reports/, see third-party.ts). The self-test fails when the
 * committed matrix differs from what the reference server does now.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { COMPAT_BEGIN, COMPAT_END, renderCompatibilityMatrix, replaceBetween } from '../src/docs/render.js';
import { formatSummary } from '../src/reporters/text.js';
import { runAgainst, startHarness } from '../src/self-test/harness.js';
import { findPackageRoot } from './generated-files.js';
import { loadThirdPartyReports } from './third-party.js';

const root = findPackageRoot();
const others = loadThirdPartyReports(root);
const harness = await startHarness();
try {
  const compat = await runAgainst(harness.servers.compat.url, 'compat');
  const strict = await runAgainst(harness.servers.strict.url, 'strict');
  const path = resolve(root, '../docs/compatibility.md');
  const before = readFileSync(path, 'utf8');
  const after = replaceBetween(before, COMPAT_BEGIN, COMPAT_END, renderCompatibilityMatrix(compat, strict, others));
  writeFileSync(path, after);
  console.log(`compat: ${formatSummary(compat.summary)}`);
  console.log(`strict: ${formatSummary(strict.summary)}`);
  console.log(before === after ? 'docs/compatibility.md is up to date' : 'rewrote docs/compatibility.md');
} finally {
  await harness.close();
}
