/** clean_up_tokenization_spaces over a stream: pieces join to the clean-up of the whole text. */
import { describe, expect, test } from 'vitest';
import { SpaceCleanupStream, cleanUpTokenization } from './space-cleanup.js';

const TRICKY = ["It 's", ' .', " ' ", " n't", ' , ', " ' ' 's", ' ? !', "I 'm", " 've", " 're", 'a', ' ', 'bcd', " '", 'n', "'t", ' 1', '2 ', 'x', ' n', ' v', ' 😀', '😀', "'", ' r', 'e', 's', 'm', ' is', '.', ',', '!', '?', "n'"];

describe('SpaceCleanupStream', () => {
  test('the clean-up is transformers.js order: " ' + "' \" before \" 's\"", () => {
    expect(cleanUpTokenization("It 's a dog , isn 't it ? I ' m")).toBe("It's a dog, isn 't it? I'm");
    expect(cleanUpTokenization(" ' 's")).toBe("''s");
  });

  test('streamed in any split, the pieces join to the clean-up of the whole text', () => {
    let state = 7;
    const next = () => (state = (state * 48271) % 2147483647);
    for (let round = 0; round < 5000; round++) {
      const chunks = Array.from({ length: 1 + (next() % 12) }, () => TRICKY[next() % TRICKY.length]!);
      const stream = new SpaceCleanupStream();
      const pieces = [...chunks.map((chunk) => stream.push(chunk)), stream.flush()];
      const joined = pieces.join('');
      expect(joined, JSON.stringify(chunks)).toBe(cleanUpTokenization(chunks.join('')));
      for (const piece of pieces) expect(/[\uD800-\uDBFF]$|^[\uDC00-\uDFFF]/.test(piece), JSON.stringify(piece)).toBe(false);
    }
  });

  test('text is held only while a rewrite could still cross the cut', () => {
    const stream = new SpaceCleanupStream();
    expect(stream.push('Hello world')).toBe('Hello world');
    // " is" cannot grow into a pattern: released at once.
    expect(stream.push(' is')).toBe(' is');
    expect(stream.push(' ')).toBe('');
    expect(stream.push('.')).toBe('.');
    expect(stream.push(' n')).toBe('');
    expect(stream.push("'t")).toBe("n't");
    expect(stream.push(' word')).toBe(' word');
    expect(stream.flush()).toBe('');
  });

  test('text with a space every other character is not held: a cut before a digit is safe', () => {
    const stream = new SpaceCleanupStream();
    let released = '';
    for (let i = 1; i <= 50; i++) {
      released += stream.push(` ${i % 10}`);
      expect(released.length).toBeGreaterThanOrEqual(2 * i - 2);
    }
    expect(released + stream.flush()).toBe(cleanUpTokenization(Array.from({ length: 50 }, (_, i) => ` ${(i + 1) % 10}`).join('')));
  });
});
