import { describe, expect, test } from 'vitest';
import { IncrementalDetokenizer, codePointLength, type TokenCodec } from './detokenizer.js';

/** A byte-level codec: token id i is the byte sequence BYTES[i] (like GPT-2's byte BPE). */
const encoder = new TextEncoder();
const BYTES: number[][] = [
  [...encoder.encode('Hello')],
  [...encoder.encode(' w')],
  [0xc3], // first byte of "é"
  [0xa9], // second byte of "é"
  [0xf0, 0x9f], // first half of "😀"
  [0x98, 0x80], // second half of "😀"
  [0xff], // never valid UTF-8
  [...encoder.encode('!')],
];
const SPECIAL = 8; // decodes to "<s>" unless skipped
const byteCodec: TokenCodec = {
  decode(ids, skipSpecialTokens) {
    const parts: string[] = [];
    let bytes: number[] = [];
    const flush = () => {
      parts.push(new TextDecoder().decode(new Uint8Array(bytes)));
      bytes = [];
    };
    for (const id of ids) {
      if (id === SPECIAL) {
        flush();
        if (!skipSpecialTokens) parts.push('<s>');
      } else bytes.push(...BYTES[id]!);
    }
    flush();
    return parts.join('');
  },
};

function stream(ids: number[], context: number[] = [], skip = true): string[] {
  const d = new IncrementalDetokenizer(byteCodec, skip, context);
  const pieces = ids.map((id) => d.push(id));
  pieces.push(d.flush());
  return pieces;
}

describe('IncrementalDetokenizer', () => {
  test('never emits half a character, and the pieces join to the full decode', () => {
    const ids = [0, 1, 2, 3, 4, 5, 7];
    const pieces = stream(ids);
    expect(pieces).toEqual(['Hello', ' w', '', 'é', '', '😀', '!', '']);
    expect(pieces.join('')).toBe(byteCodec.decode(ids, true));
    for (const p of pieces) expect(p).not.toContain('\uFFFD');
  });

  test('an invalid byte is released as U+FFFD instead of being held forever', () => {
    const pieces = stream([6, 6, 6, 6, 6, 7]);
    expect(pieces.join('')).toBe('\uFFFD'.repeat(5) + '!');
  });

  test('an unfinished character at the end is flushed as U+FFFD', () => {
    expect(stream([0, 2])).toEqual(['Hello', '', '\uFFFD']);
  });

  test('context tokens are never emitted', () => {
    expect(stream([1], [0, 0]).join('')).toBe(' w');
  });

  test('special tokens follow skip_special_tokens', () => {
    expect(stream([0, SPECIAL, 7], [], true).join('')).toBe('Hello!');
    expect(stream([0, SPECIAL, 7], [], false).join('')).toBe('Hello<s>!');
  });

  test('codePointLength counts astral characters once', () => {
    expect(codePointLength('a😀é')).toBe(3);
    expect('a😀é'.length).toBe(4);
  });
});
