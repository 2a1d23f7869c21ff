import { describe, expect, test } from 'vitest';
import { ChoiceOutput, type TextRelease } from './choice-output.js';
import { StopStringMatcher } from './stop-strings.js';

function feed(output: ChoiceOutput, pieces: string[], withEntries = false): TextRelease[] {
  const releases: TextRelease[] = [];
  pieces.forEach((piece, i) => {
    if (output.stopped) return;
    const r = output.push(piece, withEntries ? { logprob: -i, top: { [piece]: -i } } : null);
    if (r) releases.push(r);
  });
  const last = output.finish();
  if (last) releases.push(last);
  return releases;
}

const joined = (releases: TextRelease[]) => releases.map((r) => r.text).join('');

describe('ChoiceOutput without logprobs', () => {
  test('releases text as soon as it cannot start a stop string', () => {
    const out = new ChoiceOutput({ stops: new StopStringMatcher(['STOP']), withLogprobs: false, offsetBase: 0 });
    expect(out.push('Hello S', null)).toEqual({ text: 'Hello ', logprobs: null });
    // "ST" could still become "STOP": held.
    expect(out.push('T', null)).toBeNull();
    // "STx" cannot: released at once, nothing lost.
    expect(out.push('x', null)).toEqual({ text: 'STx', logprobs: null });
  });

  test('a stop string split across tokens cuts the text before it', () => {
    const out = new ChoiceOutput({ stops: new StopStringMatcher(['\n\nQ:']), withLogprobs: false, offsetBase: 0 });
    const releases = feed(out, ['A', ' fine', ' day', '.\n', '\nQ', ': next']);
    expect(joined(releases)).toBe('A fine day.');
    expect(out.text).toBe('A fine day.');
    expect(out.stopped).toEqual({ index: 11, stop: '\n\nQ:' });
    // Nothing of the stop string ever left the buffer.
    for (const r of releases) expect(r.text).not.toContain('\n');
  });

  test('a stop string inside one token cuts inside that token', () => {
    const out = new ChoiceOutput({ stops: new StopStringMatcher(['end']), withLogprobs: false, offsetBase: 0 });
    expect(joined(feed(out, ['The', ' weekend', ' is']))).toBe('The week');
    expect(out.stopped?.stop).toBe('end');
  });

  test('when one token completes several stop strings, the earliest one cuts', () => {
    const out = new ChoiceOutput({ stops: new StopStringMatcher(['c', 'abcd']), withLogprobs: false, offsetBase: 0 });
    expect(joined(feed(out, ['x', 'ab', 'cd']))).toBe('x');
    expect(out.stopped).toEqual({ index: 1, stop: 'abcd' });
  });

  test('held text is released when the choice finishes for another reason', () => {
    const out = new ChoiceOutput({ stops: new StopStringMatcher(['STOP']), withLogprobs: false, offsetBase: 0 });
    expect(joined(feed(out, ['go ', 'ST']))).toBe('go ST');
    expect(out.stopped).toBeNull();
  });
});

describe('ChoiceOutput with logprobs', () => {
  test('each release carries exactly its tokens, with offsets from the base', () => {
    const out = new ChoiceOutput({ stops: new StopStringMatcher([]), withLogprobs: true, offsetBase: 5 });
    const releases = feed(out, ['a', 'bc', 'd'], true);
    expect(releases.map((r) => r.logprobs?.tokens)).toEqual([['a'], ['bc'], ['d']]);
    expect(releases.flatMap((r) => r.logprobs!.text_offset)).toEqual([5, 6, 8]);
    for (const r of releases) expect(r.logprobs!.tokens.join('')).toBe(r.text);
  });

  test('a token whose tail may start a stop string waits whole', () => {
    const out = new ChoiceOutput({ stops: new StopStringMatcher(['xyz']), withLogprobs: true, offsetBase: 0 });
    expect(out.push('abx', { logprob: -1, top: null })).toBeNull();
    const r = out.push('q', { logprob: -2, top: null });
    expect(r?.text).toBe('abxq');
    expect(r?.logprobs?.tokens).toEqual(['abx', 'q']);
  });

  test('after a stop, one entry per token remains and the entries join to the text', () => {
    const out = new ChoiceOutput({ stops: new StopStringMatcher(['.\n']), withLogprobs: true, offsetBase: 0 });
    const releases = feed(out, ['Hi', ' there', '.', '\n', 'never'], true);
    const tokens = releases.flatMap((r) => r.logprobs!.tokens);
    expect(joined(releases)).toBe('Hi there');
    expect(tokens).toEqual(['Hi', ' there', '', '']);
    expect(releases.flatMap((r) => r.logprobs!.text_offset)).toEqual([0, 2, 8, 8]);
  });

  test('offsets count code points, not UTF-16 units', () => {
    const out = new ChoiceOutput({ stops: new StopStringMatcher([]), withLogprobs: true, offsetBase: 0 });
    const releases = feed(out, ['😀', 'a'], true);
    expect(releases.flatMap((r) => r.logprobs!.text_offset)).toEqual([0, 1]);
  });

  test('empty pieces travel with the next text, or with the final release', () => {
    const out = new ChoiceOutput({ stops: new StopStringMatcher([]), withLogprobs: true, offsetBase: 0 });
    expect(out.push('', { logprob: -1, top: null })).toBeNull();
    expect(out.push('é', { logprob: -2, top: null })?.logprobs?.tokens).toEqual(['', 'é']);
    expect(out.push('', { logprob: -3, top: null })).toBeNull();
    expect(out.finish()?.logprobs?.tokens).toEqual(['']);
  });
});
