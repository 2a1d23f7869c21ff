/**
 * defaultSamplingParams() is "every sampler neutral, TGW's defaults elsewhere": the same facts
 * the spec publishes as the request defaults (the `@default` tags of its wire types). This
 * test keeps the two from drifting apart.
 */
import { COMPLETION_DEFAULTS } from '@textgen-spec/spec';
import { describe, expect, it } from 'vitest';
import { defaultSamplingParams } from './params.js';

/**
 * Sampler fields whose default is not a request default, and why:
 * - dry_sequence_breakers: token-id sequences here, strings on the wire (the engine tokenizes
 *   the request's breakers); empty here means "no breakers until a model tokenizes some";
 * - logit_bias: `{}` here, `null` on the wire; the spec normalizes null to {} (see parse.test.ts).
 * The rest (suppress_tokens, eos/newline ids, chosen_logprob) come from the model, not the request.
 */
const NOT_REQUEST_DEFAULTS = new Set(['dry_sequence_breakers', 'logit_bias', 'suppress_tokens', 'eos_token_ids', 'newline_token_ids', 'chosen_logprob']);

describe('defaultSamplingParams', () => {
  const params = defaultSamplingParams() as unknown as Record<string, unknown>;
  const specDefaults = COMPLETION_DEFAULTS as Record<string, unknown>;
  const fields = Object.keys(params).filter((field) => !NOT_REQUEST_DEFAULTS.has(field));

  it('has a spec default for every field that comes from the request', () => {
    expect(fields.length).toBeGreaterThan(30);
    expect(fields.filter((field) => !(field in specDefaults))).toEqual([]);
  });

  it.each(fields)('agrees with the spec on the default of %s', (field) => {
    expect(params[field]).toEqual(specDefaults[field]);
  });

  it('normalizes the fields it leaves out as documented', () => {
    expect(params.logit_bias).toEqual({});
    expect(params.dry_sequence_breakers).toEqual([]);
  });
});
