import { describe, expect, test } from 'vitest';
import { StopStringMatcher } from './stop-strings.js';

describe('StopStringMatcher', () => {
  test('finds the earliest match across stop strings, not the first in list order', () => {
    const m = new StopStringMatcher(['world', 'lo w']);
    expect(m.findEarliest('hello world', 0)).toEqual({ index: 3, stop: 'lo w' });
  });

  test('at the same start, reports the longer stop string', () => {
    const m = new StopStringMatcher(['ab', 'abc']);
    expect(m.findEarliest('xabcd', 0)).toEqual({ index: 1, stop: 'abc' });
  });

  test('searches only from the given index', () => {
    const m = new StopStringMatcher(['a']);
    expect(m.findEarliest('aXa', 1)).toEqual({ index: 2, stop: 'a' });
    expect(m.findEarliest('aX', 1)).toBeNull();
  });

  test('holds back the longest suffix that could still grow into a stop string', () => {
    const m = new StopStringMatcher(['\n\nUser:', 'END']);
    expect(m.holdBackLength('Hello\n\nUs', 0)).toBe(4);
    expect(m.holdBackLength('Hello E', 0)).toBe(1);
    expect(m.holdBackLength('Hello EN', 0)).toBe(2);
    expect(m.holdBackLength('Hello', 0)).toBe(0);
    // A complete stop string is a match, not a hold-back.
    expect(m.holdBackLength('xEND', 0)).toBe(0);
  });

  test('never holds back text before the release point', () => {
    const m = new StopStringMatcher(['abc']);
    expect(m.holdBackLength('xxab', 2)).toBe(2);
    expect(m.holdBackLength('xxab', 3)).toBe(0);
  });

  test('ignores empty stop strings', () => {
    const m = new StopStringMatcher(['']);
    expect(m.isEmpty).toBe(true);
    expect(m.findEarliest('anything', 0)).toBeNull();
  });
});
