import { describe, expect, test } from 'vitest';
import { readAnyLogprobs } from './observed.js';

describe('readAnyLogprobs', () => {
  test('reads the legacy completions format', () => {
    const lp = readAnyLogprobs({ tokens: ['a', 'b'], token_logprobs: [-1, -2], top_logprobs: [{ a: -1, c: -1.5 }, null], text_offset: [0, 1] });
    expect(lp).toEqual({ format: 'legacy', tokens: ['a', 'b'], logprobs: [-1, -2], top: [{ a: -1, c: -1.5 }, null] });
  });

  test('reads the chat format (llama.cpp on /v1/completions) and merges alternatives with the same text', () => {
    const lp = readAnyLogprobs({
      content: [
        {
          id: 1,
          token: 'a',
          logprob: Math.log(0.5),
          top_logprobs: [
            { id: 1, token: 'a', logprob: Math.log(0.5) },
            { id: 7, token: 'b', logprob: Math.log(0.2) },
            { id: 9, token: 'b', logprob: Math.log(0.1) },
          ],
        },
        { token: 'c', logprob: -0.1 },
      ],
    });
    expect(lp?.format).toBe('chat');
    expect(lp?.tokens).toEqual(['a', 'c']);
    expect(lp?.logprobs).toEqual([Math.log(0.5), -0.1]);
    expect(Math.exp(lp!.top[0]!.b!)).toBeCloseTo(0.3, 10);
    expect(lp?.top[1]).toBeNull();
  });

  test('is undefined for anything else', () => {
    for (const value of [null, undefined, 'x', [], {}, { content: [{ logprob: -1 }] }, { content: [{ token: 'a', top_logprobs: [{ token: 'a' }] }] }]) {
      expect(readAnyLogprobs(value)).toBeUndefined();
    }
  });
});
