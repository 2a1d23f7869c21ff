import { describe, expect, it } from 'vitest';
import type { ParseResult } from './errors.js';
import { parseSamplerTraceRequest, SAMPLER_TRACE_TOP_LOGITS } from './parse-sampler-trace.js';

function param<T>(result: ParseResult<T>): string | null {
  if (result.ok) throw new Error('expected a failure');
  expect(result.status).toBe(400);
  return result.error.error.param;
}

describe('parseSamplerTraceRequest', () => {
  it('normalizes the sampling parameters as a completion would, top_logits defaulting to 20', () => {
    const result = parseSamplerTraceRequest({ model: 'm', prompt: 'Hi', min_p: 0.1, sampler_priority: 'min_p,temperature' }, { profile: 'compat' });
    if (!result.ok) throw new Error(result.error.error.message);
    expect(result.value.topLogits).toBe(SAMPLER_TRACE_TOP_LOGITS);
    expect(result.value.request.min_p).toBe(0.1);
    expect(result.value.request.sampler_priority).toEqual(['min_p', 'temperature']);
    expect(result.value.request.prompts).toEqual(['Hi']);
    const listed = parseSamplerTraceRequest({ model: 'm', prompt: 'Hi', top_logits: 5 });
    expect(listed.ok && listed.value.topLogits).toBe(5);
  });

  it('names the parameter it rejects: output-only fields, top_logits out of range, a bad sampler value', () => {
    for (const field of ['n', 'best_of', 'echo', 'logprobs', 'stream', 'suffix']) {
      expect(param(parseSamplerTraceRequest({ model: 'm', prompt: 'Hi', [field]: 1 }, { profile: 'compat' }))).toBe(field);
    }
    expect(param(parseSamplerTraceRequest({ model: 'm', prompt: 'Hi', top_logits: 0 }))).toBe('top_logits');
    expect(param(parseSamplerTraceRequest({ model: 'm', prompt: 'Hi', top_logits: 101 }))).toBe('top_logits');
    expect(param(parseSamplerTraceRequest({ model: 'm', prompt: 'Hi', min_p: 2 }))).toBe('min_p');
    expect(param(parseSamplerTraceRequest({ model: 'm', prompt: ['a', 'b'] }))).toBe('prompt');
  });

  it('follows the profiles: model is required in strict only', () => {
    expect(param(parseSamplerTraceRequest({ prompt: 'Hi' }, { profile: 'strict' }))).toBe('model');
    expect(parseSamplerTraceRequest({ prompt: 'Hi' }, { profile: 'compat' }).ok).toBe(true);
  });
});
