import { describe, expect, test } from 'vitest';
import { FEATURES, type FeatureId } from './features.js';
import { CHECKS } from './registry.js';
import type { CheckDef } from './types.js';

describe('FEATURES', () => {
  test('ids are unique and every check names one of them', () => {
    const ids = FEATURES.map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(CHECKS.filter((c) => !ids.includes(c.feature)).map((c) => c.id)).toEqual([]);
  });

  test('an unknown feature id does not compile (checked by `npm run typecheck`)', () => {
    // @ts-expect-error: 'no_such_feature' is not a FeatureId.
    const bad: FeatureId = 'no_such_feature';
    // @ts-expect-error: a check definition takes a FeatureId, not any string.
    const def: Pick<CheckDef, 'feature'> = { feature: 'top-k' };
    expect([bad, def.feature]).toEqual(['no_such_feature', 'top-k']);
  });
});
