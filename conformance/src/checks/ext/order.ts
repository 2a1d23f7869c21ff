/**
 * Extension probes of the sampler order: temperature_last and sampler_priority.
 */
import type { CheckContext, Fields } from '../context.js';
import { expectSame, fmt } from '../helpers.js';
import { q } from '../observed.js';
import { divergence, PROBE_SEEDS, sampled } from '../oracles.js';
import { fail } from '../outcome.js';
import { precondition } from '../preconditions.js';
import type { CheckDef } from '../types.js';
import { ext } from './shared.js';

/**
 * The order probes' settings: min_p before temperature differs from temperature before
 * min_p (min_p keeps tokens with p >= 0.3 x pmax; temperature 2 flattens p first, so more
 * tokens pass after it).
 */
const ORDER_BASE = { temperature: 2, min_p: 0.3 };

/**
 * The first probe seed for which two variants of ORDER_BASE give different answers, with
 * both answers; fails (the setting looks ignored) when no seed does.
 */
async function orderSeed(ctx: CheckContext, key: string, a: Fields, b: Fields, what: string): Promise<{ seed: number; a: string; b: string }> {
  return ctx.shared(`order-seed:${key}`, async (c) => {
    const d = await divergence(c);
    for (const seed of PROBE_SEEDS) {
      const ra = (await sampled(c, d.prompt, d.maxTokens, seed, { ...ORDER_BASE, ...a })).text;
      const rb = (await sampled(c, d.prompt, d.maxTokens, seed, { ...ORDER_BASE, ...b })).text;
      if (ra !== rb) return { seed, a: ra, b: rb };
    }
    fail(`${fmt(a)} and ${fmt(b)} gave the same answers with ${fmt(ORDER_BASE)} for every seed (${PROBE_SEEDS.join(', ')}): ${what} looks ignored`);
  });
}

/** Seeds where temperature_last false and true differ (ext.temperature_last). */
function temperatureLastSeed(ctx: CheckContext) {
  return orderSeed(ctx, 'temperature_last', { temperature_last: false }, { temperature_last: true }, 'temperature_last');
}

/** Seeds where sampler_priority [temperature, min_p] and [min_p, temperature] differ. */
function priorityOrderSeed(ctx: CheckContext) {
  return orderSeed(ctx, 'sampler_priority', { sampler_priority: ['temperature', 'min_p'] }, { sampler_priority: ['min_p', 'temperature'] }, 'the sampler_priority order');
}

/** The list form of sampler_priority orders the samplers. */
export const PRIORITY_LIST_ON = precondition({
  id: 'sampler_priority.list',
  title: 'sampler_priority as a list orders the samplers',
  proof: `the lists ["temperature", "min_p"] and ["min_p", "temperature"] give different answers for some seed with \`${fmt(ORDER_BASE)}\` (as in ext.sampler_priority).`,
  ways: [{ label: '`sampler_priority: ["min_p", "temperature"]`', fields: { sampler_priority: ['min_p', 'temperature'] } }],
  async prove(ctx) {
    const { seed } = await priorityOrderSeed(ctx);
    return `the two orders differ for seed ${seed}`;
  },
});

export const ORDER_CHECKS: CheckDef[] = [
  // ---- order ----------------------------------------------------------------------------------
  ext({
    id: 'ext.temperature_last',
    title: 'temperature_last moves temperature after the truncation samplers',
    feature: 'temperature_last',
    sends: `Seeded requests with \`${fmt(ORDER_BASE)}\` and \`temperature_last\` false, then true.`,
    expects: 'Different answers for at least one seed (min_p sees the unscaled distribution when temperature comes last).',
    source: 'TGW `temperature_last`; llama.cpp and KoboldCpp apply temperature last by default (api-anchors §2.1).',
    async run(ctx) {
      const { seed, a, b } = await temperatureLastSeed(ctx);
      return `seed ${seed}: temperature_last false gives ${q(a, 50)}, true gives ${q(b, 50)}`;
    },
  }),
  ext({
    id: 'ext.sampler_priority',
    title: 'sampler_priority (a list) orders the samplers',
    feature: 'sampler_priority',
    sends: `Seeded requests with \`${fmt(ORDER_BASE)}\` and \`sampler_priority\` ["temperature", "min_p"], then ["min_p", "temperature"].`,
    expects: 'Different answers for at least one seed: the two orders truncate different distributions.',
    source: 'TGW `sampler_priority`: samplers run in the listed order, unlisted ones after.',
    async run(ctx) {
      const { seed, a, b } = await priorityOrderSeed(ctx);
      return `seed ${seed}: temperature first gives ${q(a, 50)}, min_p first gives ${q(b, 50)}`;
    },
  }),
  ext({
    id: 'ext.sampler_priority_string',
    title: 'sampler_priority also accepts TGW\'s newline-separated string',
    feature: 'sampler_priority',
    sends: 'ext.sampler_priority\'s seed with `sampler_priority: "min_p\\ntemperature"`.',
    expects: 'The answer of the list ["min_p", "temperature"] (not that of the other order).',
    source: 'TGW accepts `sampler_priority` as a list or a string separated by newlines or commas.',
    requires: [PRIORITY_LIST_ON],
    async run(ctx) {
      const { seed, a, b } = await priorityOrderSeed(ctx);
      const d = await divergence(ctx);
      const r = await ctx.complete({ prompt: d.prompt, max_tokens: d.maxTokens, seed, ...ORDER_BASE, sampler_priority: 'min_p\ntemperature' });
      if (r.text === a) fail(`the string "min_p\\ntemperature" gave the answer of the order temperature, min_p (${q(a, 60)}): it was ignored or misread`);
      expectSame(r.text, b, 'string sampler_priority');
    },
  }),
];
