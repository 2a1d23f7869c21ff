/**
 * Cost of validating and normalizing a completion request (validators compiled once, on the
 * first call, which the warm-up absorbs). Prints microseconds per call next to a baseline:
 * JSON.parse of the same body, which every server pays anyway.
 *
 *   npm run bench -w @textgen-spec/spec
 */
import { readFileSync } from 'node:fs';
import { parseCompletionRequest, validateSchema } from '@textgen-spec/spec';

const typical = {
  model: 'tiny',
  prompt: 'Once upon a time, in a land far away,',
  max_tokens: 64,
  temperature: 0.7,
  top_p: 0.9,
  stop: ['\n\n', 'User:'],
  stream: true,
  stream_options: { include_usage: true },
  seed: 42,
};

const tgwHeavy = {
  ...typical,
  min_p: 0.05,
  top_k: 40,
  repetition_penalty: 1.1,
  repetition_penalty_range: 512,
  dry_multiplier: 0.8,
  dry_base: 1.75,
  dry_allowed_length: 2,
  dry_sequence_breakers: '"\\n", ":", "\\"", "*"',
  sampler_priority: 'dry\ntop_k\nmin_p\ntemperature',
  custom_token_bans: '1,2,3',
  logit_bias: { '50256': -100, '11': 5 },
  mirostat_mode: 0,
  temperature_last: true,
  xtc_threshold: 0.1,
  xtc_probability: 0.5,
};

const invalid = { ...typical, prompt: [['a']] };

// SillyTavern 1.19.0's "Text Generation WebUI" body with default settings (71 fields, 26 of them
// unknown to TGW and ignored by the compat profile), as the conformance package ships it.
const sillyTavern = (
  JSON.parse(readFileSync(new URL('../../../../../conformance/data/clients/sillytavern-1.19.0.json', import.meta.url), 'utf8')) as {
    bodies: { id: string; body: Record<string, unknown> }[];
  }
).bodies.find((b) => b.id === 'ooba-default')!.body;
const sillyTavernJson = JSON.stringify(sillyTavern);

function microsPerCall(fn: () => unknown, iterations = 20_000, rounds = 5): number {
  for (let i = 0; i < 2_000; i++) fn();
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1_000 / iterations);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(rounds / 2)] as number;
}

const typicalJson = JSON.stringify(typical);
const rows: [string, number][] = [
  ['baseline: JSON.parse of the typical body', microsPerCall(() => JSON.parse(typicalJson))],
  ['parseCompletionRequest, typical request, strict', microsPerCall(() => parseCompletionRequest(typical))],
  ['parseCompletionRequest, typical request, compat', microsPerCall(() => parseCompletionRequest(typical, { profile: 'compat' }))],
  ['parseCompletionRequest, 25 params with TGW string forms, compat', microsPerCall(() => parseCompletionRequest(tgwHeavy, { profile: 'compat' }))],
  ['baseline: JSON.parse of the SillyTavern ooba body', microsPerCall(() => JSON.parse(sillyTavernJson))],
  [`parseCompletionRequest, SillyTavern ooba body (${Object.keys(sillyTavern).length} fields), compat`, microsPerCall(() => parseCompletionRequest(sillyTavern, { profile: 'compat' }))],
  ['parseCompletionRequest, SillyTavern ooba body, strict (rejected)', microsPerCall(() => parseCompletionRequest(sillyTavern))],
  ['parseCompletionRequest, invalid prompt (error path), strict', microsPerCall(() => parseCompletionRequest(invalid))],
  ['validateSchema, typical request, strict (all errors mode)', microsPerCall(() => validateSchema('completion-request', typical))],
];

console.log(`node ${process.version}, median of 5 rounds`);
for (const [label, micros] of rows) console.log(`${micros.toFixed(2).padStart(8)} us/call  ${label}`);
