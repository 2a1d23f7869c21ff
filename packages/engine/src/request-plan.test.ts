import type { GrammarConstraint } from '@textgen-spec/sampling';
import { describe, expect, test } from 'vitest';
import { makeRequest } from './__fixtures__/requests.js';
import { planRequest, type PlanningModel } from './request-plan.js';
import type { ModelInfo } from './types.js';

const info: ModelInfo = {
  id: 'mock',
  source: 'local',
  path: '/nowhere',
  modelType: 'llama',
  device: 'cpu',
  dtype: 'fp32',
  contextLength: 64,
  vocabSize: 100,
  maxTokenChars: 8,
  bosTokenId: 1,
  eosTokenIds: [2],
  supportsInfill: false,
  exposesHiddenStates: false,
};

/**
 * A SentencePiece-like tokenizer: text at the start of the input gets a word-start marker
 * token (3) first, one token per character after it ('a' = 10, '\n' = 11, ':' = 12, '*' = 13).
 */
function model(): PlanningModel {
  const ids: Record<string, number> = { a: 10, '\n': 11, ':': 12, '*': 13 };
  return {
    info,
    encodePlain: (text) => (text === '' ? [] : [3, ...[...text].map((c) => ids[c] ?? 99)]),
    addsBos: true,
    newlineTokenIds: [11],
    compileGrammar: (): GrammarConstraint => {
      throw new Error('unused');
    },
  };
}

describe('planRequest sampling parameters', () => {
  test('DRY sequence breakers are tokenized as they read after other text (no word-start marker)', () => {
    const plan = planRequest(model(), makeRequest({ prompts: [[5, 6]], dry_multiplier: 0.8, dry_sequence_breakers: ['\n', ':*'] }));
    expect(plan.sampling.dry_sequence_breakers).toEqual([[11], [12, 13]]);
  });

  test('ban_eos_token and custom_token_bans become suppressed tokens', () => {
    const plan = planRequest(model(), makeRequest({ prompts: [[5, 6]], ban_eos_token: true, custom_token_bans: [7, 8] }));
    expect([...plan.sampling.suppress_tokens].sort((a, b) => a - b)).toEqual([2, 7, 8]);
    expect(plan.sampling.eos_token_ids).toEqual([2]);
    expect(plan.sampling.newline_token_ids).toEqual([11]);
  });
});
