import type { NormalizedCompletionRequest } from '@textgen-spec/spec';
import { describe, expect, it } from 'vitest';
import { defaultSamplingParams, samplingParamsFromRequest } from './params.js';

/** A normalized request: the sampler fields plus the request-only ones this module reads. */
function request(overrides: Partial<NormalizedCompletionRequest>): NormalizedCompletionRequest {
  const { dry_sequence_breakers: _d, suppress_tokens: _s, eos_token_ids: _e, newline_token_ids: _n, chosen_logprob: _c, ...fields } =
    defaultSamplingParams();
  return {
    ...fields,
    n: 1,
    best_of: 1,
    custom_token_bans: [],
    ban_eos_token: false,
    dry_sequence_breakers: ['\n'],
    ...overrides,
  } as unknown as NormalizedCompletionRequest;
}

const model = { eosTokenIds: [50256], newlineTokenIds: [198], drySequenceBreakers: [[198], [25, 25]] };

describe('samplingParamsFromRequest', () => {
  it('copies the sampler fields with their wire names and values', () => {
    const params = samplingParamsFromRequest(request({ top_k: 7, min_p: 0.1, sampler_priority: ['min_p'], logprobs: 3 }), model);
    expect(params).toMatchObject({ top_k: 7, min_p: 0.1, sampler_priority: ['min_p'], logprobs: 3, temperature: 1 });
    expect(params.dry_sequence_breakers).toEqual([[198], [25, 25]]);
    expect(params.eos_token_ids).toEqual([50256]);
    expect(params.newline_token_ids).toEqual([198]);
  });

  it('copies every sampler field the request carries (the list derives from the stage table)', () => {
    const base = request({});
    const changed: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(base)) {
      if (typeof value === 'number' && key !== 'n' && key !== 'best_of') changed[key] = value + 0.125;
    }
    const params = samplingParamsFromRequest({ ...base, ...changed } as NormalizedCompletionRequest, model);
    for (const [key, value] of Object.entries(changed)) expect(params[key as keyof typeof params], key).toBe(value);
    expect(Object.keys(changed).length).toBeGreaterThan(25);
  });

  it('merges custom_token_bans with the EOS ids when ban_eos_token', () => {
    expect(samplingParamsFromRequest(request({ custom_token_bans: [5, 9] }), model).suppress_tokens).toEqual([5, 9]);
    expect(samplingParamsFromRequest(request({ custom_token_bans: [5], ban_eos_token: true }), model).suppress_tokens).toEqual([5, 50256]);
  });

  it('asks for the chosen token logprob when best_of > n needs it for ranking', () => {
    expect(samplingParamsFromRequest(request({ n: 2, best_of: 2 }), model).chosen_logprob).toBe(false);
    expect(samplingParamsFromRequest(request({ n: 1, best_of: 3 }), model).chosen_logprob).toBe(true);
  });
});
