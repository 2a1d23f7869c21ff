/**
 * Extension probes of preset.
 */
import type { CheckContext } from '../context.js';
import { expect400, expectChangesSample, expectCollapseToGreedy, expectSame } from '../helpers.js';
import { isObject, q } from '../observed.js';
import { divergentSeed, PROBE_SEEDS, PROMPTS } from '../oracles.js';
import { Declined, fail, Outcome, skip } from '../outcome.js';
import { establish, precondition } from '../preconditions.js';
import type { CheckDef } from '../types.js';
import { ext } from './shared.js';

/** The names at GET /v1/internal/presets ([] when the server has no such list). */
function presetNames(ctx: CheckContext): Promise<string[]> {
  return ctx.shared('preset-names', async (c) => {
    const list = await c.send('GET', '/v1/internal/presets', { noValidate: true });
    const names: string[] = [];
    if (list.status === 200) {
      const data = isObject(list.json) ? (list.json.data ?? list.json.presets) : list.json;
      if (Array.isArray(data)) for (const p of data) names.push(typeof p === 'string' ? p : isObject(p) && typeof p.name === 'string' ? p.name : isObject(p) && typeof p.id === 'string' ? p.id : '');
    }
    return names.filter((n) => n !== '');
  });
}

/** Shared by the preset probes: proves a known preset is applied; throws otherwise. */
function presetSupport(ctx: CheckContext): Promise<string> {
  return ctx.shared('preset-support', async (c) => {
    const listed = await presetNames(c);
    if (listed.length === 0 || listed.includes('Debug-deterministic')) {
      try {
        return await expectCollapseToGreedy(c, { preset: 'Debug-deterministic' });
      } catch (err) {
        if (!(err instanceof Declined) || listed.length > 0) throw err;
        throw new Declined(err.message, `preset "Debug-deterministic" declined and no preset list at GET /v1/internal/presets: ${err.declined}`);
      }
    }
    for (const name of listed.slice(0, 3)) {
      try {
        return await expectChangesSample(c, {}, { preset: name }, { seeds: PROBE_SEEDS.slice(0, 3) });
      } catch (err) {
        if (!(err instanceof Outcome) || err.verdict !== 'fail') throw err;
      }
    }
    fail(`none of the listed presets ${JSON.stringify(listed.slice(0, 3))} changed a sample`);
  });
}

/** A named preset is applied. */
export const PRESET_ON = precondition({
  id: 'preset.applies',
  title: 'a named preset is applied',
  proof: '`preset: "Debug-deterministic"` makes a temperature-1 sample the greedy answer, or (when GET /v1/internal/presets lists other names) a listed preset changes a sample (as in ext.preset).',
  ways: [{ label: '`preset`', fields: {} }],
  prove: (ctx) => presetSupport(ctx),
});

export const PRESET_CHECKS: CheckDef[] = [
  ext({
    id: 'ext.preset',
    title: 'preset applies a named sampler preset',
    feature: 'preset',
    sends:
      '`GET /v1/internal/presets` (when available), then `preset: "Debug-deterministic"` at temperature 1 with a seed whose plain sample is not greedy; if that preset does not exist, listed presets until one changes the sample.',
    expects: 'Debug-deterministic (do_sample false) gives the greedy answer; another preset changes the sample.',
    source: 'TGW `preset`: loads presets/<name>.yaml and overrides the request\'s sampler values.',
    async run(ctx) {
      return presetSupport(ctx);
    },
  }),
  ext({
    id: 'ext.preset_resets',
    title: 'A preset resets the sampler parameters it does not name',
    feature: 'preset',
    sends:
      '`{"preset": "Null preset", "top_k": 1, "temperature": 0.5, "seed": s}` (TGW\'s "Null preset" sets temperature 1 only), s a seed whose plain temperature-1 sample is not greedy.',
    expects: 'The plain temperature-1 sample of seed s: the preset sets temperature 1 and resets top_k to 0 (top_k 1 kept would give the greedy answer).',
    source: 'TGW `load_preset`: a preset starts from `default_preset()` and the API overwrites every one of its keys in the request.',
    requires: [PRESET_ON],
    async run(ctx) {
      const listed = await presetNames(ctx);
      if (listed.length > 0 && !listed.includes('Null preset')) skip('the server lists no "Null preset"');
      const { d, seed, sample } = await divergentSeed(ctx);
      const r = await ctx.complete({ prompt: d.prompt, max_tokens: d.maxTokens, temperature: 0.5, top_k: 1, seed, preset: 'Null preset' });
      if (r.text === d.greedy) fail(`with "Null preset" the request's top_k 1 survived: the answer is the greedy one ${q(d.greedy, 80)}`);
      expectSame(r.text, sample, `"Null preset" with seed ${seed} should sample like a plain temperature-1 request`);
    },
  }),
  ext({
    id: 'ext.preset_unknown',
    title: 'An unknown preset is a 400',
    feature: 'preset',
    exercises: false,
    sends: '`preset: "conformance-no-such-preset"`.',
    expects:
      'HTTP 400 with an error envelope (an unknown preset must not be ignored). A 400 counts only where a known preset is applied (ext.preset\'s test): a server that rejects every `preset` does not support presets (unsupported), and one that ignores the field fails here on its own request.',
    source: 'Ground rule: a parameter the server cannot honour is rejected, not dropped.',
    async run(ctx) {
      const res = await ctx.post({ prompt: PROMPTS.main, max_tokens: 2, preset: 'conformance-no-such-preset' });
      const rej = ctx.expectRejection(res, 'an unknown preset');
      await establish(ctx, PRESET_ON);
      expect400(ctx, rej, 'unknown preset');
    },
  }),
];
