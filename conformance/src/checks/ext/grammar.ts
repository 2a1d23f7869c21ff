/**
 * Extension probes of grammar_string (GBNF).
 */
import { expect400, fmt } from '../helpers.js';
import { q } from '../observed.js';
import { PROMPTS } from '../oracles.js';
import type { CheckContext, Completion } from '../context.js';
import { check } from '../outcome.js';
import { precondition } from '../preconditions.js';
import type { CheckDef } from '../types.js';
import { ext } from './shared.js';

/** The grammar the grammar probes use. */
const YES_NO = 'root ::= "yes" | "no"';

/** The yes/no grammar's answer with `extra` (shared). */
function grammarAnswer(ctx: CheckContext, extra: { temperature: number; seed?: number }): Promise<Completion> {
  return ctx.shared(`grammar:${fmt(extra)}`, (c) => c.complete({ prompt: PROMPTS.main, max_tokens: 8, grammar_string: YES_NO, ...extra }));
}

/** A grammar constrains the output. */
export const GRAMMAR_ON = precondition({
  id: 'grammar.on',
  title: 'grammar_string constrains the output',
  proof: `the greedy answer with \`grammar_string: ${JSON.stringify(YES_NO)}\` is "yes" or "no" (as in ext.grammar_string).`,
  ways: [{ label: '`grammar_string`', fields: { grammar_string: YES_NO } }],
  async prove(ctx) {
    const r = await grammarAnswer(ctx, { temperature: 0 });
    check(r.text === 'yes' || r.text === 'no', `with grammar ${JSON.stringify(YES_NO)} the text is ${q(r.text, 80)}: the grammar looks ignored`);
    return `the grammar gives ${q(r.text)}`;
  },
});

export const GRAMMAR_CHECKS: CheckDef[] = [
  ext({
    id: 'ext.grammar_string',
    title: 'grammar_string constrains the output',
    feature: 'grammar',
    sends: `\`{"grammar_string": ${JSON.stringify(YES_NO)}, "temperature": 0, "max_tokens": 8}\` and the same at temperature 1 with a seed.`,
    expects: 'Each text is exactly "yes" or "no".',
    source: 'TGW `grammar_string` (GBNF); llama.cpp `grammar`.',
    async run(ctx) {
      for (const extra of [{ temperature: 0 }, { temperature: 1, seed: 3 }]) {
        const r = await grammarAnswer(ctx, extra);
        check(r.text === 'yes' || r.text === 'no', `with grammar ${JSON.stringify(YES_NO)} the text is ${q(r.text, 80)}`);
      }
    },
  }),
  ext({
    id: 'ext.grammar_string_invalid',
    title: 'An invalid grammar is a 400',
    feature: 'grammar',
    exercises: false,
    sends: '`{"grammar_string": "root ::= (\\"yes\\""}` (unclosed group).',
    expects: 'HTTP 400 with an error envelope naming grammar_string.',
    source: 'vLLM and llama.cpp reject invalid grammars with 400.',
    requires: [GRAMMAR_ON],
    async run(ctx) {
      const rej = await ctx.rejects({ prompt: PROMPTS.main, max_tokens: 4, grammar_string: 'root ::= ("yes"' }, 'an invalid grammar');
      expect400(ctx, rej, 'invalid grammar');
      check(rej.error.param === 'grammar_string', `error.param is ${JSON.stringify(rej.error.param)}, expected "grammar_string"`);
    },
  }),
];
