/**
 * Extension probes of the repetition penalties: each changes a repetitive greedy answer.
 */
import { expectChangesGreedy } from '../helpers.js';
import { q } from '../observed.js';
import { greedy, PROMPTS } from '../oracles.js';
import { check } from '../outcome.js';
import { precondition } from '../preconditions.js';
import type { CheckDef } from '../types.js';
import { ext, REP } from './shared.js';

/** The repetition penalty is honoured: 1.5 changes the repetitive prompt's greedy answer. */
export const REPETITION_PENALTY_ON = precondition({
  id: 'repetition_penalty.on',
  title: 'repetition_penalty is honoured',
  proof: '`repetition_penalty: 1.5` changes the repetitive prompt\'s greedy answer (as in ext.repetition_penalty).',
  ways: [{ label: '`repetition_penalty: 1.5`', fields: { repetition_penalty: 1.5 } }],
  prove: async (ctx, way) => (await expectChangesGreedy(ctx, way.fields)).note,
});

export const PENALTY_CHECKS: CheckDef[] = [
  // ---- penalties --------------------------------------------------------------------------------
  ext({
    id: 'ext.repetition_penalty',
    title: 'repetition_penalty changes a repetitive greedy answer',
    feature: 'repetition_penalty',
    sends: `\`{"prompt": "${REP}", "temperature": 0, "repetition_penalty": 1.5}\``,
    expects: 'A different answer than without the penalty.',
    source: 'TGW `repetition_penalty` (HF-style, multiplicative, over the window).',
    run: async (ctx) => (await expectChangesGreedy(ctx, { repetition_penalty: 1.5 })).note,
  }),
  ext({
    id: 'ext.repetition_penalty_range',
    title: 'repetition_penalty_range limits the penalty window',
    feature: 'repetition_penalty',
    sends: 'The repetitive prompt, greedy, repetition_penalty 1.5 with range 1 and with range 0 (whole context).',
    expects: 'Different answers.',
    source: 'TGW `repetition_penalty_range`: the window of the last N tokens (0 = all).',
    requires: [REPETITION_PENALTY_ON],
    async run(ctx) {
      const all = await greedy(ctx, REP, 16, { repetition_penalty: 1.5, repetition_penalty_range: 0 });
      const one = await ctx.complete({ prompt: REP, max_tokens: 16, temperature: 0, repetition_penalty: 1.5, repetition_penalty_range: 1 });
      check(one.text !== all.text, `range 1 and range 0 give the same answer ${q(all.text, 80)}: the range looks ignored`);
    },
  }),
  ext({
    id: 'ext.repetition_penalty_below_1',
    title: 'repetition_penalty below 1 (a reward) keeps to repetition_penalty_range',
    feature: 'repetition_penalty',
    sends: `The repetitive prompt, greedy, \`{"repetition_penalty": 0.1}\` with \`repetition_penalty_range\` 1 and 1024 (the whole prompt).`,
    expects: 'Different answers: with range 1 only the last token is rewarded. A server that rewards the whole context below 1 (TGW v1.14) or ignores values below 1 gives the same answer for both.',
    source: 'TGW HEAD: every repetition_penalty value applies over the last repetition_penalty_range tokens (v1.14 ran transformers\' own processor over the whole input below 1: docs/tgw-deviations.md, `repetition-penalty-below-1`).',
    requires: [REPETITION_PENALTY_ON],
    async run(ctx) {
      const all = await ctx.complete({ prompt: REP, max_tokens: 16, temperature: 0, repetition_penalty: 0.1, repetition_penalty_range: 1024 });
      const one = await ctx.complete({ prompt: REP, max_tokens: 16, temperature: 0, repetition_penalty: 0.1, repetition_penalty_range: 1 });
      check(one.text !== all.text, `with repetition_penalty 0.1, range 1 and range 1024 give the same answer ${q(all.text, 80)}: below 1 the range looks ignored`);
      return `range 1 gives ${q(one.text, 50)}, range 1024 ${q(all.text, 50)}`;
    },
  }),
  ext({
    id: 'ext.encoder_repetition_penalty',
    title: 'encoder_repetition_penalty changes a greedy answer',
    feature: 'encoder_repetition_penalty',
    sends: 'A prompt made of the main prompt and its own 16-token greedy answer, greedy, with and without `encoder_repetition_penalty: 0.8`.',
    expects: 'A different answer: the model would reuse the prompt\'s tokens, which a value below 1 penalizes.',
    source: 'TGW `encoder_repetition_penalty` (HF "hallucination filter": factor 1/theta on prompt tokens).',
    async run(ctx) {
      const prompt = PROMPTS.main + (await greedy(ctx, PROMPTS.main, 16)).text;
      return (await expectChangesGreedy(ctx, { encoder_repetition_penalty: 0.8 }, prompt, 16)).note;
    },
  }),
  ext({
    id: 'ext.no_repeat_ngram_size',
    title: 'no_repeat_ngram_size changes a repetitive greedy answer',
    feature: 'no_repeat_ngram',
    sends: `\`{"prompt": "${REP}", "temperature": 0, "no_repeat_ngram_size": 2}\``,
    expects: 'A different answer (no bigram of the context may repeat).',
    source: 'TGW `no_repeat_ngram_size` (HF NoRepeatNGramLogitsProcessor).',
    run: async (ctx) => (await expectChangesGreedy(ctx, { no_repeat_ngram_size: 2 })).note,
  }),
];
