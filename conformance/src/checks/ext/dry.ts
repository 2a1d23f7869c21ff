/**
 * Extension probes of DRY (dry_multiplier, dry_base, dry_allowed_length, dry_sequence_breakers).
 */
import type { CheckContext, Completion, Fields } from '../context.js';
import { expectSame } from '../helpers.js';
import { q } from '../observed.js';
import { greedy } from '../oracles.js';
import { check, fail } from '../outcome.js';
import { precondition } from '../preconditions.js';
import type { CheckDef } from '../types.js';
import { ext, REP } from './shared.js';

/**
 * The longest run of words, ending at some word of the answer, that already occurred
 * earlier in prompt + answer: how far the answer keeps repeating what came before.
 */
export function longestRepeat(prompt: string, answer: string): number {
  const words = `${prompt}${answer}`.split(/\s+/).filter((w) => w !== '');
  const start = prompt.split(/\s+/).filter((w) => w !== '').length;
  let best = 0;
  for (let i = start; i < words.length; i++) {
    for (let len = 1; len <= i; len++) {
      const tail = words.slice(i - len + 1, i + 1).join(' ');
      let found = false;
      for (let j = 0; j + len <= i; j++) {
        if (words.slice(j, j + len).join(' ') === tail) {
          found = true;
          break;
        }
      }
      if (!found) break;
      best = Math.max(best, len);
    }
  }
  return best;
}

/** The repetitive prompt's greedy answer (24 tokens) with DRY on (shared). */
function dryAnswer(ctx: CheckContext, extra: Fields = {}): Promise<Completion> {
  return greedy(ctx, REP, 24, { dry_multiplier: 5, ...extra });
}

/** Breaker strings for every word of the repetitive prompt and an answer, with and without a leading space. */
function breakerWords(answer: string): string[] {
  const words = new Set(`${REP} ${answer}`.split(/\s+/).filter((w) => w !== ''));
  return [...words].flatMap((w) => [w, ` ${w}`]);
}

/** DRY is on: multiplier 5 changes the repetitive prompt's greedy answer. */
export const DRY_ON = precondition({
  id: 'dry.on',
  title: 'DRY can be switched on with dry_multiplier',
  proof: '`dry_multiplier: 5` changes the repetitive prompt\'s 24-token greedy answer (as in ext.dry).',
  ways: [{ label: '`dry_multiplier: 5`', fields: { dry_multiplier: 5 } }],
  async prove(ctx) {
    const plain = await greedy(ctx, REP, 24);
    const dry = await dryAnswer(ctx);
    check(dry.text !== plain.text, `with dry_multiplier 5 the answer is unchanged (${q(plain.text, 80)}): DRY looks ignored`);
    return `dry_multiplier 5 changes ${q(plain.text, 40)}`;
  },
});

export const DRY_CHECKS: CheckDef[] = [
  ext({
    id: 'ext.dry',
    title: 'DRY breaks a repetition',
    feature: 'dry',
    sends: `\`{"prompt": "${REP}", "temperature": 0, "max_tokens": 24, "dry_multiplier": 5}\``,
    expects: 'A different answer that repeats the context over fewer words than the greedy answer without DRY.',
    source: 'TGW DRY: penalty multiplier x base^(match length - allowed_length) on tokens that extend a repeat.',
    async run(ctx) {
      const plain = await greedy(ctx, REP, 24);
      const dry = await dryAnswer(ctx);
      check(dry.text !== plain.text, `with dry_multiplier 5 the answer is unchanged (${q(plain.text, 80)}): DRY looks ignored`);
      const before = longestRepeat(REP, plain.text);
      const after = longestRepeat(REP, dry.text);
      check(after < before, `the DRY answer ${q(dry.text, 80)} repeats the context over ${after} words, the plain answer over ${before}`);
      return `longest repeat ${before} -> ${after} words`;
    },
  }),
  ext({
    id: 'ext.dry_allowed_length',
    title: 'dry_allowed_length delays the DRY penalty',
    feature: 'dry',
    sends: 'The DRY request (multiplier 5) with dry_allowed_length 2 and 20.',
    expects: 'Different answers.',
    source: 'TGW DRY: repeats up to allowed_length tokens are not penalized.',
    requires: [DRY_ON],
    async run(ctx) {
      const short = await greedy(ctx, REP, 24, { dry_multiplier: 5, dry_allowed_length: 2 });
      const long = await ctx.complete({ prompt: REP, max_tokens: 24, temperature: 0, dry_multiplier: 5, dry_allowed_length: 20 });
      check(short.text !== long.text, `allowed_length 2 and 20 give the same answer ${q(short.text, 80)}: the parameter looks ignored`);
    },
  }),
  ext({
    id: 'ext.dry_base',
    title: 'dry_base scales the DRY penalty',
    feature: 'dry',
    sends: 'The repetitive prompt, greedy, DRY with multipliers 0.01, 0.05, 0.2, 1 and base 1.1 or 4, until the two bases differ.',
    expects: 'For some multiplier the two bases give different answers.',
    source: 'TGW DRY: penalty = multiplier x base^(length - allowed_length).',
    requires: [DRY_ON],
    async run(ctx) {
      for (const m of [0.01, 0.05, 0.2, 1]) {
        const a = await ctx.complete({ prompt: REP, max_tokens: 24, temperature: 0, dry_multiplier: m, dry_base: 1.1 });
        const b = await ctx.complete({ prompt: REP, max_tokens: 24, temperature: 0, dry_multiplier: m, dry_base: 4 });
        if (a.text !== b.text) return `multiplier ${m}: base 1.1 and 4 differ`;
      }
      fail('dry_base 1.1 and 4 gave the same answers for every multiplier tried: the base looks ignored');
    },
  }),
  ext({
    id: 'ext.dry_sequence_breakers',
    title: 'dry_sequence_breakers stop DRY matches',
    feature: 'dry',
    sends: 'The DRY request with `dry_sequence_breakers` = every word of the prompt and of the plain answer (array form).',
    expects: 'The plain greedy answer: when every token is a breaker no repeat can be matched.',
    source: 'TGW DRY: matching stops at sequence breakers; a breaker as last token disables the penalty.',
    requires: [DRY_ON],
    async run(ctx) {
      const plain = await greedy(ctx, REP, 24);
      const dry = await dryAnswer(ctx);
      const breakers = breakerWords(plain.text);
      const r = await ctx.complete({ prompt: REP, max_tokens: 24, temperature: 0, dry_multiplier: 5, dry_sequence_breakers: breakers });
      if (r.text === dry.text) fail(`with every word as a breaker the answer is still the DRY answer ${q(dry.text, 80)}: the breakers were ignored`);
      expectSame(r.text, plain.text, 'answer with every word a breaker');
    },
  }),
  ext({
    id: 'ext.dry_sequence_breakers_string',
    title: 'dry_sequence_breakers accepts TGW\'s string of quoted strings',
    feature: 'dry',
    sends: 'ext.dry_sequence_breakers\'s request with the breakers as TGW\'s string `"\\" a\\", \\"b\\", ..."`.',
    expects: 'The same answer as the array form (the plain greedy answer).',
    source: 'TGW takes a string of comma-separated JSON strings; llama.cpp needs an array; KoboldCpp accepts both (api-anchors §9.11).',
    requires: [DRY_ON],
    async run(ctx) {
      const plain = await greedy(ctx, REP, 24);
      const breakers = breakerWords(plain.text)
        .map((b) => JSON.stringify(b))
        .join(', ');
      const r = await ctx.complete({ prompt: REP, max_tokens: 24, temperature: 0, dry_multiplier: 5, dry_sequence_breakers: breakers });
      expectSame(r.text, plain.text, 'answer with the string form');
    },
  }),
];
