import { DEFAULT_SAMPLER_PRIORITY, SAMPLER_NAMES } from '@textgen-spec/spec';
import type { SamplerName } from '@textgen-spec/spec';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRng } from './rng.js';
import { DEFAULT_WARPER_ORDER, PROCESSOR_ORDER, resolveFullOrder, resolveSamplerOrder } from './order.js';
import { ADAPTIVE_P_PARAMS, defaultSamplingParams } from './params.js';
import { STAGES } from './stages.js';

/** TGW v1.14's warper build order, then the later warpers: where unnamed warpers go. */
const BUILD_ORDER = [
  'temperature',
  'top_k',
  'top_p',
  'min_p',
  'typical_p',
  'epsilon_cutoff',
  'eta_cutoff',
  'tfs',
  'top_a',
  'dynamic_temperature',
  'quadratic_sampling',
  'mirostat',
  'top_n_sigma',
  'adaptive_p',
  'xtc',
];

/** Every sampler and processor active at once. */
const ALL_ON = defaultSamplingParams({
  temperature: 0.7,
  dynamic_temperature: true,
  smoothing_factor: 0.2,
  top_k: 40,
  top_p: 0.9,
  typical_p: 0.9,
  epsilon_cutoff: 3,
  eta_cutoff: 3,
  tfs: 0.9,
  top_a: 0.1,
  min_p: 0.05,
  mirostat_mode: 2,
  top_n_sigma: 2,
  adaptive_target: 0.3,
  xtc_probability: 0.5,
  repetition_penalty: 1.1,
  presence_penalty: 0.1,
  frequency_penalty: 0.1,
  encoder_repetition_penalty: 1.1,
  no_repeat_ngram_size: 3,
  dry_multiplier: 0.8,
  suppress_tokens: [5],
  logit_bias: { 3: 1 },
});

describe('the stage table', () => {
  it("gives the spec's default sampler_priority, with adaptive_p where TGW HEAD puts it", () => {
    expect(DEFAULT_WARPER_ORDER.filter((n) => n !== 'adaptive_p')).toEqual(DEFAULT_SAMPLER_PRIORITY);
    const after = DEFAULT_WARPER_ORDER.indexOf(ADAPTIVE_P_PARAMS.defaultPriorityAfter);
    expect(DEFAULT_WARPER_ORDER[after + 1]).toBe('adaptive_p');
  });

  it("matches the README's stage table (names in order, kind, build rank, parameters read)", () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const rows = readme
      .split('\n')
      .filter((line) => /^\| [a-z_]+ \| (processor|warper)/.test(line))
      .map((line) => line.split('|').map((cell) => cell.trim()));
    expect(rows.map((r) => r[1])).toEqual(STAGES.map((s) => s.name));
    for (const [i, s] of STAGES.entries()) {
      const kind = rows[i]![2]!;
      expect(kind.startsWith(s.kind), s.name).toBe(true);
      if (s.kind === 'warper') expect(kind, s.name).toBe(`warper (build ${s.buildRank})`);
      const documented = rows[i]![4]!.replace(/\(.*?\)/g, '').split(',').map((x) => x.trim());
      expect(documented, s.name).toEqual(s.params);
    }
  });

  it('has one record per stage, each with a kind, its parameters and an error parameter', () => {
    const names = STAGES.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const s of STAGES) {
      expect(s.params.length, s.name).toBeGreaterThan(0);
      expect(s.errorParam, s.name).not.toBe('');
      expect(s.kind === 'warper' ? s.buildRank : 0, s.name).toBeTypeOf('number');
    }
    // sampler_priority may name every spec name that is a stage (and adaptive_p), never the two fixed processors.
    const orderable = STAGES.filter((s) => s.orderable).map((s) => s.name);
    expect([...orderable].sort()).toEqual([...SAMPLER_NAMES, 'adaptive_p'].sort());
  });
});

describe('resolveSamplerOrder', () => {
  it('runs every processor first, then the warpers in the default order', () => {
    expect(resolveSamplerOrder(ALL_ON)).toEqual([...PROCESSOR_ORDER, ...DEFAULT_WARPER_ORDER]);
    expect(PROCESSOR_ORDER).toEqual([
      'encoder_repetition_penalty',
      'repetition_penalty',
      'presence_penalty',
      'frequency_penalty',
      'no_repeat_ngram',
      'suppress_tokens',
      'logit_bias',
      'dry',
    ]);
  });

  it('skips every stage whose parameter is neutral', () => {
    expect(resolveSamplerOrder(defaultSamplingParams())).toEqual([]);
    expect(resolveSamplerOrder(defaultSamplingParams({ top_k: 5, min_p: 0.1 }))).toEqual(['top_k', 'min_p']);
    // tfs = 0 is an active setting (TGW adds the warper for 0 <= tfs < 1).
    expect(resolveSamplerOrder(defaultSamplingParams({ tfs: 0 }))).toEqual(['tfs']);
  });

  it("follows sampler_priority and puts unnamed warpers after it, in TGW v1.14's build order", () => {
    const order = resolveSamplerOrder({ ...ALL_ON, sampler_priority: ['min_p', 'temperature', 'top_k'] });
    expect(order).toEqual([
      ...PROCESSOR_ORDER,
      'min_p',
      'temperature',
      'top_k',
      ...BUILD_ORDER.filter((n) => !['min_p', 'temperature', 'top_k'].includes(n)),
    ]);
  });

  it('keeps the issue 11 example: min_p before typical_p when sampler_priority names only top_k', () => {
    const order = resolveSamplerOrder(defaultSamplingParams({ sampler_priority: ['top_k'], min_p: 0.2, typical_p: 0.5 }));
    expect(order).toEqual(['min_p', 'typical_p']);
  });

  it('runs a processor that sampler_priority names at that position instead of up front', () => {
    const order = resolveSamplerOrder({ ...ALL_ON, sampler_priority: ['top_k', 'repetition_penalty', 'dry', 'temperature'] });
    expect(order.slice(0, 6)).toEqual([
      'encoder_repetition_penalty',
      'presence_penalty',
      'frequency_penalty',
      'no_repeat_ngram',
      'suppress_tokens',
      'logit_bias',
    ]);
    expect(order.slice(6, 10)).toEqual(['top_k', 'repetition_penalty', 'dry', 'temperature']);
  });

  it('moves temperature, dynamic_temperature and quadratic_sampling to the end with temperature_last', () => {
    const order = resolveSamplerOrder({ ...ALL_ON, temperature_last: true });
    expect(order.slice(-3)).toEqual(['temperature', 'dynamic_temperature', 'quadratic_sampling']);
    // It overrides sampler_priority, and applies to temperature samplers it did not name.
    const custom = resolveSamplerOrder({
      ...ALL_ON,
      temperature_last: true,
      sampler_priority: ['quadratic_sampling', 'top_p', 'temperature', 'min_p'],
    });
    expect(custom.slice(PROCESSOR_ORDER.length, PROCESSOR_ORDER.length + 2)).toEqual(['top_p', 'min_p']);
    expect(custom.slice(-3)).toEqual(['temperature', 'dynamic_temperature', 'quadratic_sampling']);
  });

  it('runs only processors when greedy', () => {
    const greedy = resolveSamplerOrder({ ...ALL_ON, do_sample: false, sampler_priority: ['top_k', 'dry'] });
    expect(greedy).toEqual([...PROCESSOR_ORDER.filter((n) => n !== 'dry'), 'dry']);
    expect(resolveSamplerOrder({ ...ALL_ON, temperature: 0 })).toEqual(PROCESSOR_ORDER);
  });

  it('orders any random sampler_priority exactly as asked (property over 300 random lists)', () => {
    const rng = createRng(2024);
    for (let trial = 0; trial < 300; trial++) {
      const names = [...SAMPLER_NAMES].filter(() => rng.next() < 0.5);
      for (let i = names.length - 1; i > 0; i--) {
        const j = Math.floor(rng.next() * (i + 1));
        [names[i], names[j]] = [names[j]!, names[i]!];
      }
      const full = resolveFullOrder({ sampler_priority: names, temperature_last: false });
      // Every stage exactly once.
      expect([...full].sort()).toEqual([...PROCESSOR_ORDER, ...DEFAULT_WARPER_ORDER].sort());
      // Unnamed processors first in their fixed order, then the named stages in the asked order,
      // then unnamed warpers in build order.
      const unnamedProcessors = PROCESSOR_ORDER.filter((n) => !names.includes(n as SamplerName));
      const unnamedWarpers = BUILD_ORDER.filter((n) => !names.includes(n as SamplerName));
      expect(full).toEqual([...unnamedProcessors, ...names, ...unnamedWarpers]);
    }
  });
});
