/**
 * Extension probes of alternative decoders: contrastive search and prompt-lookup decoding.
 */
import { expectChangesGreedy, expectSame } from '../helpers.js';
import { completionTokens, greedy } from '../oracles.js';
import { check, skip } from '../outcome.js';
import type { CheckDef } from '../types.js';
import { ext, REP } from './shared.js';

export const DECODING_CHECKS: CheckDef[] = [
  ext({
    id: 'ext.penalty_alpha',
    title: 'penalty_alpha runs contrastive search',
    feature: 'contrastive_search',
    sends: 'The repetitive prompt, greedy, with `penalty_alpha: 0.6, top_k: 4`.',
    expects: 'A different answer than plain greedy decoding (the degeneration penalty reorders the top-k candidates).',
    source: 'TGW `penalty_alpha` (HF contrastive search).',
    run: async (ctx) => (await expectChangesGreedy(ctx, { penalty_alpha: 0.6, top_k: 4 })).note,
  }),
  ext({
    id: 'ext.prompt_lookup_num_tokens',
    title: 'prompt lookup decoding gives exactly the plain answer',
    feature: 'prompt_lookup',
    sends: `\`{"prompt": "${REP}", "temperature": 0, "max_tokens": 16, "prompt_lookup_num_tokens": 3}\``,
    expects:
      'The plain greedy answer, token for token (speculation is lossless): a different answer fails. An equal answer is a skip, not a pass: a server that ignores the field gives it too, so whether prompt lookup ran is not observable through the API.',
    source: 'TGW `prompt_lookup_num_tokens` (HF prompt-lookup decoding).',
    async run(ctx) {
      const plain = await greedy(ctx, REP, 16);
      const r = await ctx.complete({ prompt: REP, max_tokens: 16, temperature: 0, prompt_lookup_num_tokens: 3 });
      expectSame(r.text, plain.text, 'answer with prompt lookup');
      check(completionTokens(r) === completionTokens(plain), `completion_tokens ${completionTokens(r)}, plain ${completionTokens(plain)}`);
      skip('accepted, and the answer equals plain decoding as lossless speculation must; the effect is not observable (ignoring the field gives the same answer), so this is no evidence of support');
    },
  }),
];
