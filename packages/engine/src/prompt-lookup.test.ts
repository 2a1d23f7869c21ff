/** Draft selection of prompt-lookup decoding (the decode loop's equality tests are in speculative.test.ts). */
import { describe, expect, test } from 'vitest';
import { lookupDraft } from './prompt-lookup.js';

const EOS = new Set([0]);

describe('lookupDraft', () => {
  test('copies what followed the first earlier occurrence of the last two tokens', () => {
    // ... 5 6 [7 8 9] ... 5 6 -> 7 8 9
    expect(lookupDraft([1, 5, 6, 7, 8, 9, 2, 5, 6], 3, EOS)).toEqual([7, 8, 9]);
    expect(lookupDraft([1, 5, 6, 7, 8, 9, 2, 5, 6], 2, EOS)).toEqual([7, 8]);
    // The first occurrence wins over a later one.
    expect(lookupDraft([5, 6, 1, 5, 6, 2, 5, 6], 1, EOS)).toEqual([1]);
  });

  test('falls back to the last token alone, and stops at the end of the context', () => {
    // "3 6" never occurred before, "6" did.
    expect(lookupDraft([6, 4, 4, 3, 6], 5, EOS)).toEqual([4, 4, 3, 6]);
    expect(lookupDraft([1, 2, 3], 5, EOS)).toEqual([]);
    expect(lookupDraft([7], 5, EOS)).toEqual([]);
    expect(lookupDraft([1, 2, 1, 2], 0, EOS)).toEqual([]);
  });

  test('never drafts an end-of-sequence token or what follows it', () => {
    expect(lookupDraft([3, 4, 9, 0, 5, 3, 4], 5, EOS)).toEqual([9]);
    // The first match decides even when the EOS leaves nothing (Hugging Face does the same).
    expect(lookupDraft([3, 4, 0, 3, 4, 8, 3, 4], 5, EOS)).toEqual([]);
  });
});
