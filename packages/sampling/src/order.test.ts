import { DEFAULT_SAMPLER_PRIORITY, SAMPLER_NAMES } from '@textgen-spec/spec';
import type { SamplerName } from '@textgen-spec/spec';
import { describe, expect, it } from 'vitest';
import { createRng } from './rng.js';
import { PROCESSOR_ORDER, resolveFullOrder, resolveSamplerOrder } from './order.js';
import { defaultSamplingParams } from './params.js';

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

describe('resolveSamplerOrder', () => {
  it('runs every processor first, then the warpers in the default order', () => {
    expect(resolveSamplerOrder(ALL_ON)).toEqual([...PROCESSOR_ORDER, ...DEFAULT_SAMPLER_PRIORITY]);
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

  it('follows sampler_priority and puts unnamed warpers after it, in default order', () => {
    const order = resolveSamplerOrder({ ...ALL_ON, sampler_priority: ['min_p', 'temperature', 'top_k'] });
    expect(order).toEqual([
      ...PROCESSOR_ORDER,
      'min_p',
      'temperature',
      'top_k',
      ...DEFAULT_SAMPLER_PRIORITY.filter((n) => !['min_p', 'temperature', 'top_k'].includes(n)),
    ]);
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
      expect([...full].sort()).toEqual([...PROCESSOR_ORDER, ...DEFAULT_SAMPLER_PRIORITY].sort());
      // Unnamed processors first in their fixed order, then the named stages in the asked order,
      // then unnamed warpers in default order.
      const unnamedProcessors = PROCESSOR_ORDER.filter((n) => !names.includes(n as SamplerName));
      const unnamedWarpers = DEFAULT_SAMPLER_PRIORITY.filter((n) => !names.includes(n));
      expect(full).toEqual([...unnamedProcessors, ...names, ...unnamedWarpers]);
    }
  });
});
