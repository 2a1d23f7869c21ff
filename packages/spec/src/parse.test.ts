import { describe, expect, it } from 'vitest';
import {
  COMPLETION_DEFAULTS,
  DEFAULT_UNKNOWN_FIELDS,
  PROFILES,
  errorResponse,
  getSchema,
  parseCompletionRequest,
  parseDecodeRequest,
  parseEncodeRequest,
  parseTokenCountRequest,
  validateSchema,
} from './index.js';
import type { NormalizedCompletionRequest, ParseResult, Profile } from './index.js';
import { compiledValidator } from './schemas.js';

const base = { model: 'tiny', prompt: 'Hello' };

function rejected<T>(result: ParseResult<T>): { message: string; param: string | null } {
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.value)}`);
  expect(result.status).toBe(400);
  expect(result.error.error.type).toBe('invalid_request_error');
  return { message: result.error.error.message, param: result.error.error.param };
}

function accepted<T>(result: ParseResult<T>): T {
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result.error)}`);
  return result.value;
}

describe('the profiles (issue 2, "Done when")', () => {
  const strictOnly: [string, Record<string, unknown>][] = [
    ['logprobs', { logprobs: 6 }],
    ['stop', { stop: ['a', 'b', 'c', 'd', 'e'] }],
    ['temperature', { temperature: 3 }],
    ['logit_bias', { logit_bias: { '50256': 101 } }],
  ];
  it.each(strictOnly)('strict rejects %s beyond OpenAI\'s limit, naming it', (param, extra) => {
    expect(rejected(parseCompletionRequest({ ...base, ...extra }, { profile: 'strict' })).param).toBe(param);
  });

  it('compat accepts logprobs 6 and five stop strings', () => {
    const compat = { profile: 'compat' } as const;
    expect(accepted(parseCompletionRequest({ ...base, logprobs: 6 }, compat)).logprobs).toBe(6);
    expect(accepted(parseCompletionRequest({ ...base, stop: ['a', 'b', 'c', 'd', 'e'] }, compat)).stop).toHaveLength(5);
  });

  const bothReject: [string, Record<string, unknown>][] = [
    ['temperature', { temperature: 'hot' }],
    ['max_tokens', { max_tokens: -1 }],
    ['prompt', { prompt: [] }],
    ['prompt', { prompt: [[]] }],
    ['sampler_priority', { sampler_priority: ['top_k', 'warp_drive'] }],
  ];
  describe.each(PROFILES)('%s', (profile: Profile) => {
    it.each(bothReject)('rejects a bad %s with an envelope naming it', (param, extra) => {
      const result = parseCompletionRequest({ ...base, ...extra }, { profile });
      expect(rejected(result).param).toBe(param);
      if (!result.ok) expect(validateSchema('error-response', result.error).valid).toBe(true);
    });
  });
});

describe('parseCompletionRequest', () => {
  it('applies every default to a minimal request', () => {
    const value = accepted(parseCompletionRequest(base));
    const expected: NormalizedCompletionRequest = {
      ...COMPLETION_DEFAULTS,
      dry_sequence_breakers: ['\n', ':', '"', '*'],
      custom_token_bans: [],
      model: 'tiny',
      prompts: ['Hello'],
      best_of: 1,
      logit_bias: {},
      stop: [],
      stream_options: null,
    };
    expect(value).toEqual(expected);
  });

  it.each(PROFILES)('uses the defaults the %s schema publishes', (profile) => {
    const properties = getSchema('completion-request', profile).properties as Record<string, { default?: unknown }>;
    const normalized = accepted(parseCompletionRequest(base, { profile })) as unknown as Record<string, unknown>;
    const withDefault = Object.entries(properties).filter(([, schema]) => 'default' in schema);
    expect(withDefault.length).toBeGreaterThan(50);
    for (const [param, schema] of withDefault) {
      if (param === 'model') continue; // set in the base request
      // The normalized form of the published default (null stop/logit_bias normalize to empty).
      const fromDefault = accepted(parseCompletionRequest({ ...base, [param]: schema.default }, { profile })) as unknown as Record<string, unknown>;
      expect(normalized[param], param).toEqual(fromDefault[param]);
      if (param in COMPLETION_DEFAULTS) expect(COMPLETION_DEFAULTS[param as keyof typeof COMPLETION_DEFAULTS], param).toEqual(schema.default);
    }
  });

  it('takes every default from the schema but user, which has none on the wire', () => {
    const properties = getSchema('completion-request', 'strict').properties as Record<string, { default?: unknown }>;
    for (const [param, value] of Object.entries(COMPLETION_DEFAULTS)) {
      if (param === 'user') expect(properties.user && 'default' in properties.user).toBe(false);
      else expect(properties[param]?.default, param).toEqual(value);
    }
  });

  it('gives one readable message for a bad prompt, not one per form', () => {
    for (const prompt of [5, [], [['a']], [1, 'a'], null, [-1]]) {
      const { message, param } = rejected(parseCompletionRequest({ ...base, prompt }));
      expect(param).toBe('prompt');
      expect(message).toMatch(/^prompt must be a string, an array of strings, an array of token ids, or an array of token-id arrays/);
      expect(message.match(/must/g)).toHaveLength(2); // "must be ..." and "must not be empty"
    }
  });

  it('says where inside a parameter the bad value is', () => {
    expect(rejected(parseCompletionRequest({ ...base, prompt: [[1, 2], [3, 'x']] })).message).toContain('(got "x" at prompt[1][1])');
    expect(rejected(parseCompletionRequest({ ...base, logit_bias: { '7': 101 } })).message).toContain('(got 101 at logit_bias["7"])');
    expect(rejected(parseCompletionRequest({ ...base, logit_bias: { seven: 1 } })).message).toContain('(got key "seven")');
    expect(rejected(parseCompletionRequest({ ...base, stream: true, stream_options: { continuous_usage_stats: true } })).message).toBe(
      'stream_options must be null or an object with an optional boolean include_usage (got unknown field "continuous_usage_stats").',
    );
  });

  it('points out when only the strict profile rejects a request', () => {
    expect(rejected(parseCompletionRequest({ ...base, logprobs: 6 })).message).toContain('the compat profile accepts this request');
    expect(rejected(parseCompletionRequest({ ...base, logprobs: 21 })).message).not.toContain('compat');
  });

  it('names missing and unknown parameters', () => {
    expect(rejected(parseCompletionRequest({ model: 'tiny' }))).toMatchObject({ param: 'prompt', message: 'Missing required parameter: prompt.' });
    const unknown = rejected(parseCompletionRequest({ ...base, temprature: 0.5 }));
    expect(unknown.param).toBe('temprature');
    expect(unknown.message).toMatch(/^Unknown parameter: temprature\./);
    const inCompat = rejected(parseCompletionRequest({ ...base, temprature: 0.5, rep_pen: 1.1 }, { profile: 'compat', unknownFields: 'reject' }));
    expect(inCompat.param).toBe('temprature');
  });

  it('ignores unknown top-level fields in compat (TGW) and names each of them', () => {
    const body = { ...base, rep_pen: 1.1, temperature: 0.5, max_new_tokens: 30, api_type: 'ooba' };
    const result = parseCompletionRequest(body, { profile: 'compat' });
    if (!result.ok) throw new Error(result.error.error.message);
    expect(result.ignored).toEqual(['rep_pen', 'max_new_tokens', 'api_type']);
    expect(result.value.temperature).toBe(0.5);
    expect(result.value).toEqual(accepted(parseCompletionRequest({ ...base, temperature: 0.5 }, { profile: 'compat' })));
    expect(body).toHaveProperty('rep_pen', 1.1); // the caller's body is not modified
    // Without unknown fields there is nothing to report.
    expect(parseCompletionRequest(base, { profile: 'compat' })).not.toHaveProperty('ignored');
    // Either policy in either profile.
    const strictIgnoring = parseCompletionRequest(body, { profile: 'strict', unknownFields: 'ignore' });
    expect(strictIgnoring.ok && strictIgnoring.ignored).toEqual(['rep_pen', 'max_new_tokens', 'api_type']);
    expect(DEFAULT_UNKNOWN_FIELDS).toEqual({ strict: 'reject', compat: 'ignore' });
  });

  it('keeps validating known fields when unknown ones are ignored', () => {
    const bad = rejected(parseCompletionRequest({ ...base, rep_pen: 1.1, temperature: 'hot' }, { profile: 'compat' }));
    expect(bad.param).toBe('temperature');
    const nested = rejected(parseCompletionRequest({ ...base, stream: true, stream_options: { foo: 1 } }, { profile: 'compat' }));
    expect(nested.param).toBe('stream_options');
  });

  it('accepts every string form of dry_sequence_breakers that TGW accepts (compat)', () => {
    const forms = ['["\\n",":","\\"","*"]', '"\\n", ":", "\\"", "*"', ' "\\n",":" '];
    const expected = [['\n', ':', '"', '*'], ['\n', ':', '"', '*'], ['\n', ':']];
    forms.forEach((form, i) => {
      expect(accepted(parseCompletionRequest({ ...base, dry_sequence_breakers: form }, { profile: 'compat' })).dry_sequence_breakers).toEqual(expected[i]);
    });
    for (const bad of ['["\\n",', '[1, 2]', '\\n', '{"a": "b"}']) {
      expect(rejected(parseCompletionRequest({ ...base, dry_sequence_breakers: bad }, { profile: 'compat' })).param).toBe('dry_sequence_breakers');
    }
  });

  it('accepts adaptive-p (TGW HEAD) in both profiles', () => {
    const value = accepted(parseCompletionRequest({ ...base, adaptive_target: 0.4, adaptive_decay: 0.8, sampler_priority: ['adaptive_p', 'min_p'] }));
    expect(value).toMatchObject({ adaptive_target: 0.4, adaptive_decay: 0.8 });
    expect(rejected(parseCompletionRequest({ ...base, adaptive_decay: 1 })).param).toBe('adaptive_decay');
  });

  it('rejects a body that is not a JSON object', () => {
    for (const body of [null, [base], 'prompt=Hello', 42, undefined]) {
      const { param, message } = rejected(parseCompletionRequest(body));
      expect(param).toBeNull();
      expect(message).toMatch(/^The request body must be a JSON object/);
    }
  });

  it('enforces the rules JSON Schema cannot express', () => {
    expect(rejected(parseCompletionRequest({ ...base, n: 3, best_of: 2 }))).toMatchObject({ param: 'best_of' });
    expect(rejected(parseCompletionRequest({ ...base, best_of: 2, stream: true }))).toMatchObject({ param: 'best_of' });
    expect(rejected(parseCompletionRequest({ ...base, stream_options: { include_usage: true } }))).toMatchObject({
      param: 'stream_options',
      message: 'stream_options is only allowed when stream is true.',
    });
    expect(accepted(parseCompletionRequest({ ...base, n: 3 })).best_of).toBe(3);
  });

  it('resolves the alternative forms', () => {
    const compat = { profile: 'compat' } as const;
    const value = accepted(
      parseCompletionRequest(
        {
          prompt: [[1, 2], [3]],
          stop: 'END',
          seed: -1,
          logit_bias: { '50256': -100, '11': 2.5 },
          sampler_priority: 'top_k\nmin_p, temperature,top_k',
          dry_sequence_breakers: '"\\n", ":", "\\"", "*"',
          custom_token_bans: '1, 2,3',
        },
        compat,
      ),
    );
    expect(value).toMatchObject({
      model: '',
      prompts: [[1, 2], [3]],
      stop: ['END'],
      seed: null,
      logit_bias: { 50256: -100, 11: 2.5 },
      sampler_priority: ['top_k', 'min_p', 'temperature'],
      dry_sequence_breakers: ['\n', ':', '"', '*'],
      custom_token_bans: [1, 2, 3],
    });
    expect(Object.keys(value.logit_bias).map(Number)).toEqual([11, 50256]);
  });

  it('names the unknown sampler in both forms', () => {
    const list = rejected(parseCompletionRequest({ ...base, sampler_priority: ['top_k', 'warp_drive'] }));
    const text = rejected(parseCompletionRequest({ ...base, sampler_priority: 'top_k\nwarp_drive' }, { profile: 'compat' }));
    for (const { message } of [list, text]) {
      expect(message).toContain('unknown sampler name: "warp_drive"');
      expect(message).toContain('Known names: temperature, dynamic_temperature');
    }
  });

  it('neither changes the body nor shares arrays with it', () => {
    const body = { ...base, prompt: [[1, 2]], stop: ['a'], custom_token_bans: [5], dry_sequence_breakers: ['x'] };
    const snapshot = structuredClone(body);
    const value = accepted(parseCompletionRequest(body));
    expect(body).toEqual(snapshot);
    (value.prompts[0] as number[]).push(99);
    value.custom_token_bans.push(6);
    value.dry_sequence_breakers.push('y');
    expect(body).toEqual(snapshot);
  });

  it('compiles each validator once', () => {
    parseCompletionRequest(base);
    const first = compiledValidator('completion-request', 'strict', 'first-error');
    parseCompletionRequest({ ...base, temperature: 0.5 });
    expect(compiledValidator('completion-request', 'strict', 'first-error')).toBe(first);
  });
});

describe('tokenizer requests', () => {
  it('parse the TGW field names', () => {
    expect(accepted(parseEncodeRequest({ text: 'Hi' }))).toEqual({ text: 'Hi' });
    expect(accepted(parseTokenCountRequest({ text: 'Hi' }))).toEqual({ text: 'Hi' });
    expect(accepted(parseDecodeRequest({ tokens: [1, 2] }))).toEqual({ tokens: [1, 2] });
  });

  it('name the bad field', () => {
    expect(rejected(parseEncodeRequest({ text: 1 }))).toMatchObject({ param: 'text', message: 'text must be a string (got 1).' });
    expect(rejected(parseDecodeRequest({ tokens: [1, -2] }))).toMatchObject({
      param: 'tokens',
      message: 'tokens must be an array of integers >= 0 (got -2 at tokens[1]).',
    });
    expect(rejected(parseTokenCountRequest({}))).toMatchObject({ param: 'text' });
  });
});

describe('errorResponse', () => {
  it('fills in the envelope', () => {
    expect(errorResponse('Model not found.')).toEqual({
      error: { message: 'Model not found.', type: 'invalid_request_error', param: null, code: null },
    });
    expect(errorResponse('Busy.', { type: 'server_error', code: 'queue_full' }).error).toMatchObject({ type: 'server_error', code: 'queue_full' });
  });
});
