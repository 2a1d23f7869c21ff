/** clean_up_tokenization_spaces over a stream: pieces join to the clean-up of the whole text. */
import { describe, expect, test } from 'vitest';
import { SpaceCleanupStream, cleanUpTokenization } from './space-cleanup.js';

const TRICKY = ["It 's", ' .', " ' ", " n't", ' , ', " ' ' 's", ' ? !', "I 'm", " 've", " 're", 'a', ' ', 'bcd', " '", 'n', "'t"];

describe('SpaceCleanupStream', () => {
  test('the clean-up is transformers.js order: " ' + "' \" before \" 's\"", () => {
    expect(cleanUpTokenization("It 's a dog , isn 't it ? I ' m")).toBe("It's a dog, isn 't it? I'm");
    expect(cleanUpTokenization(" ' 's")).toBe("''s");
  });

  test('streamed in any split, the pieces join to the clean-up of the whole text', () => {
    let state = 7;
    const next = () => (state = (state * 48271) % 2147483647);
    for (let round = 0; round < 500; round++) {
      const chunks = Array.from({ length: 1 + (next() % 12) }, () => TRICKY[next() % TRICKY.length]!);
      const stream = new SpaceCleanupStream();
      const joined = chunks.map((chunk) => stream.push(chunk)).join('') + stream.flush();
      expect(joined, JSON.stringify(chunks)).toBe(cleanUpTokenization(chunks.join('')));
    }
  });

  test('text is held only while a space is among its last three characters', () => {
    const stream = new SpaceCleanupStream();
    expect(stream.push('Hello world')).toBe('Hello world');
    expect(stream.push(' is')).toBe('');
    expect(stream.push(' .')).toBe('');
    expect(stream.push('Next')).toBe(' is.Next');
    expect(stream.flush()).toBe('');
  });
});
