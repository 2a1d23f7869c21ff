/**
 * Writes docs/tgw-deviations.md from the deviations table (src/tgw-deviations.ts).
 *
 *   npm run generate -w @textgen-spec/sampling
 */
import { writeFileSync } from 'node:fs';
import { deviationsMarkdown } from '../src/tgw-deviations.js';
import { DEVIATIONS_DOC } from '../src/tgw-deviations-doc.js';

writeFileSync(DEVIATIONS_DOC, deviationsMarkdown());
console.log(`Wrote ${DEVIATIONS_DOC.pathname}`);
