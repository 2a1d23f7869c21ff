import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEVIATIONS_DOC } from './tgw-deviations-doc.js';
import { deviationsMarkdown, TGW_DEVIATIONS } from './tgw-deviations.js';

describe('the deviations table', () => {
  it('is written to docs/tgw-deviations.md (run npm run generate -w @textgen-spec/sampling)', () => {
    expect(readFileSync(DEVIATIONS_DOC, 'utf8')).toBe(deviationsMarkdown());
  });

  it('has one row per id, each with what TGW does, what we do and why', () => {
    const ids = TGW_DEVIATIONS.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const d of TGW_DEVIATIONS) {
      for (const text of [d.tgw, d.ours, d.reason]) expect(text.length, d.id).toBeGreaterThan(20);
      expect(deviationsMarkdown()).toContain(`| \`${d.id}\` |`);
    }
  });
});
