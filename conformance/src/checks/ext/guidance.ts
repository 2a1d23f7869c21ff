/**
 * Extension probes of classifier-free guidance: guidance_scale and negative_prompt.
 */
import type { CheckContext, Completion } from '../context.js';
import { expectSame } from '../helpers.js';
import { q } from '../observed.js';
import { greedy, PROMPTS } from '../oracles.js';
import { check, fail, skip } from '../outcome.js';
import { precondition } from '../preconditions.js';
import type { CheckDef } from '../types.js';
import { ext } from './shared.js';

/**
 * The guidance probes' prompts: the main prompt's greedy answer (16 tokens), and a probe
 * prompt N whose own greedy answer differs from it (skips when every probe prompt gives the
 * main answer).
 */
function guidancePrompts(ctx: CheckContext): Promise<{ main: Completion; negative: { prompt: string; text: string } }> {
  return ctx.shared('guidance-prompts', async (c) => {
    const main = await greedy(c, PROMPTS.main, 16);
    for (const prompt of PROMPTS.alternatives) {
      if (prompt === PROMPTS.main) continue;
      const answer = await greedy(c, prompt, 16);
      if (answer.text !== main.text) return { main, negative: { prompt, text: answer.text } };
    }
    skip(`every probe prompt has the main prompt's greedy answer ${q(main.text, 60)}, so guidance toward another one cannot be observed`);
  });
}

/** The answer with guidance_scale 0 and negative prompt N (shared). */
function guidedByNegative(ctx: CheckContext, negative: string): Promise<Completion> {
  return greedy(ctx, PROMPTS.main, 16, { guidance_scale: 0, negative_prompt: negative });
}

/**
 * Guidance is on: guidance_scale 3 without a negative prompt (so the proof does not rest on
 * negative_prompt), or else scale 0 with the probe prompt N as negative prompt, changes the
 * main greedy answer.
 */
export const GUIDANCE_ON = precondition({
  id: 'guidance.on',
  title: 'guidance_scale is honoured',
  proof:
    '`guidance_scale: 3` without a negative prompt, or else `guidance_scale: 0` with the probe prompt N as `negative_prompt` (as in ext.guidance_scale), changes the main greedy answer.',
  ways: [{ label: '`guidance_scale`', fields: {} }],
  async prove(ctx) {
    const { main, negative } = await guidancePrompts(ctx);
    const alone = await greedy(ctx, PROMPTS.main, 16, { guidance_scale: 3 });
    if (alone.text !== main.text) return 'guidance_scale 3 alone changes the answer';
    const zero = await guidedByNegative(ctx, negative.prompt);
    if (zero.text === main.text) fail(`with guidance_scale 3, and with guidance_scale 0 and negative_prompt ${q(negative.prompt)}, the answer is still the plain greedy answer ${q(main.text, 80)}: guidance looks ignored`);
    return 'guidance_scale 0 with a negative prompt changes the answer';
  },
});

export const GUIDANCE_CHECKS: CheckDef[] = [
  ext({
    id: 'ext.guidance_scale',
    title: 'guidance_scale applies classifier-free guidance (0 decodes from the negative prompt alone)',
    feature: 'guidance',
    sends:
      'The main greedy request (16 tokens) with `negative_prompt` N, a probe prompt whose own greedy answer differs from the main one, and `guidance_scale` 0, then 1.',
    expects: "Scale 0: exactly N's own greedy answer (l' = uncond + 0 x (cond - uncond) = uncond). Scale 1: the main greedy answer (no guidance).",
    source: "TGW `guidance_scale` (HF classifier-free guidance): l' = uncond + g x (cond - uncond) on log-softmaxes, the unconditional sequence starting from negative_prompt.",
    async run(ctx) {
      const { main, negative } = await guidancePrompts(ctx);
      const zero = await guidedByNegative(ctx, negative.prompt);
      if (zero.text === main.text) fail(`with guidance_scale 0 and negative_prompt ${q(negative.prompt)} the answer is still the plain greedy answer ${q(main.text, 80)}: guidance looks ignored`);
      expectSame(zero.text, negative.text, `guidance_scale 0: the answer should be the greedy answer of the negative prompt ${q(negative.prompt)}`);
      const one = await ctx.complete({ prompt: PROMPTS.main, max_tokens: 16, temperature: 0, guidance_scale: 1, negative_prompt: negative.prompt });
      expectSame(one.text, main.text, 'guidance_scale 1 (no guidance)');
      return `scale 0 follows ${q(negative.prompt)}; scale 1 leaves the answer alone`;
    },
  }),
  ext({
    id: 'ext.negative_prompt',
    title: 'negative_prompt is the unconditional sequence of classifier-free guidance',
    feature: 'guidance',
    sends: 'The main greedy request with `guidance_scale: 0` and two negative prompts: the probe prompt N and the main prompt itself.',
    expects: "Different answers: each negative prompt's own greedy answer.",
    source: 'TGW `negative_prompt`: the unconditional sequence of CFG (empty: the last prompt token alone).',
    requires: [GUIDANCE_ON],
    async run(ctx) {
      const { main, negative } = await guidancePrompts(ctx);
      const a = await guidedByNegative(ctx, negative.prompt);
      const b = await ctx.complete({ prompt: PROMPTS.main, max_tokens: 16, temperature: 0, guidance_scale: 0, negative_prompt: PROMPTS.main });
      check(a.text !== b.text, `negative prompts ${q(negative.prompt)} and ${q(PROMPTS.main)} give the same answer ${q(a.text, 80)}: negative_prompt looks ignored`);
      expectSame(b.text, main.text, `guidance_scale 0 with the prompt itself as negative_prompt`);
    },
  }),
];
