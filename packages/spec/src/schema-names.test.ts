import { describe, expect, it } from 'vitest';
import { isProfile, PROFILES } from './index.js';

describe('isProfile', () => {
  it('accepts exactly the published profiles', () => {
    for (const profile of PROFILES) expect(isProfile(profile)).toBe(true);
    for (const value of ['STRICT', 'lenient', '', null, undefined, 0, ['strict']]) expect(isProfile(value)).toBe(false);
  });
});
