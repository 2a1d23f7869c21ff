import { describe, expect, test } from 'vitest';
import { clamp, OPENAI_LIMITS } from './openai-limits.js';

describe('OPENAI_LIMITS, read from the spec\'s strict schema', () => {
  test('are the limits OpenAI documents for /v1/completions', () => {
    expect(OPENAI_LIMITS.temperature).toEqual({ minimum: 0, maximum: 2 });
    expect(OPENAI_LIMITS.presence_penalty).toEqual({ minimum: -2, maximum: 2 });
    expect(OPENAI_LIMITS.logprobs.maximum).toBe(5);
    expect(OPENAI_LIMITS.stop).toBe(4);
    expect(OPENAI_LIMITS.logit_bias).toEqual({ minimum: -100, maximum: 100 });
    expect(OPENAI_LIMITS.n.minimum).toBe(1);
  });

  test('clamp keeps a value within both bounds', () => {
    expect([clamp(101, OPENAI_LIMITS.logit_bias), clamp(-101, OPENAI_LIMITS.logit_bias), clamp(3, OPENAI_LIMITS.logit_bias)]).toEqual([100, -100, 3]);
  });
});
