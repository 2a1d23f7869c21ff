import { describe, expect, it } from 'vitest';
import { SCHEMA_NAMES, getSchema, validateSchema } from './index.js';

const chunk = {
  id: 'cmpl-1',
  object: 'text_completion',
  created: 1735689600,
  model: 'tiny',
  choices: [{ text: 'Hi', index: 0, logprobs: null, finish_reason: null }],
};

describe('validateSchema', () => {
  it('reports a wrong field inside a nullable object field by field', () => {
    const result = validateSchema('completion-chunk', { ...chunk, usage: { prompt_tokens: '3', completion_tokens: 1 } });
    expect(result.valid).toBe(false);
    expect(result.issues).toEqual([
      { path: '/usage', message: "must have required property 'total_tokens'", keyword: 'required' },
      { path: '/usage/prompt_tokens', message: 'must be an integer >= 0', keyword: 'type' },
    ]);
  });

  it('reports a value that fits no form once, listing the forms', () => {
    const result = validateSchema('completion-chunk', { ...chunk, usage: 5 });
    expect(result.issues).toEqual([
      { path: '/usage', message: 'must be an object with prompt_tokens, completion_tokens, total_tokens, or null', keyword: 'anyOf' },
    ]);
    const prompt = validateSchema('completion-request', { model: 'm', prompt: [['a']] });
    expect(prompt.issues).toHaveLength(1);
    expect(prompt.issues[0]).toMatchObject({ path: '/prompt', keyword: 'anyOf' });
  });

  it('reports every problem, with JSON pointers', () => {
    const result = validateSchema('completion-response', {
      id: 'x',
      object: 'text_completion.chunk',
      created: 1.5,
      model: 'tiny',
      choices: [{ text: 'a', index: 0, logprobs: { tokens: ['a'], token_logprobs: ['x'], top_logprobs: [null], text_offset: [0] }, finish_reason: 'eos' }],
    });
    expect(result.issues.map((i) => i.path)).toEqual([
      '/object',
      '/created',
      '/choices/0/logprobs/token_logprobs/0',
      '/choices/0/finish_reason',
    ]);
  });

  it('accepts what real servers legitimately send', () => {
    const echoed = {
      ...chunk,
      usage: null,
      system_fingerprint: null,
      timings: { predicted_n: 1 },
      choices: [
        {
          text: 'Hi',
          index: 0,
          finish_reason: 'stop',
          stop_reason: null,
          logprobs: { tokens: ['H', 'i'], token_logprobs: [null, -0.1], top_logprobs: [null, { i: -0.1 }], text_offset: [0, 1] },
        },
      ],
    };
    expect(validateSchema('completion-chunk', echoed)).toEqual({ valid: true, issues: [] });
  });

  it('applies the profile', () => {
    const llamaCppError = { error: { code: 400, message: 'bad', type: 'invalid_request_error' } };
    expect(validateSchema('error-response', llamaCppError).valid).toBe(false);
    expect(validateSchema('error-response', llamaCppError, { profile: 'compat' }).valid).toBe(true);
  });
});

describe('getSchema', () => {
  it('returns a copy of the published schema', () => {
    for (const name of SCHEMA_NAMES) expect(getSchema(name, 'compat').$id).toBe(`urn:textgen-spec:schema:compat:${name}`);
    const schema = getSchema('completion-request');
    schema.properties = {};
    expect(Object.keys(getSchema('completion-request').properties as object)).toContain('temperature');
  });
});
