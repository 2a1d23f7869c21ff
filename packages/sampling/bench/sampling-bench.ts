/**
 * Sampler chain benchmark: milliseconds per token at GPT-2 (50,257), Qwen (151,936) and
 * Gemma 3 (262,144) vocabulary sizes, printed next to two baselines measured in the same run: a bare argmax, and
 * a naive chain that softmaxes and fully sorts the vocabulary every step.
 *
 *   npm run bench -w @textgen-spec/sampling
 *
 * Options: --iterations N (default 300), --vocab 50257,151936,262144.
 */
import {
  acceptToken,
  argmax,
  createRng,
  createSequenceState,
  defaultSamplingParams,
  resolveSamplerOrder,
  sampleToken,
} from '@textgen-spec/sampling';
import type { SamplingParams, SequenceState } from '@textgen-spec/sampling';
import os from 'node:os';

const args = process.argv.slice(2);
function option(name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}
const ITERATIONS = Number(option('iterations', '300'));
const VOCABS = option('vocab', '50257,151936,262144').split(',').map(Number);
const PROMPT_LENGTH = 512;
const LOGIT_POOL = 8;

/** Model-like logits: Gaussian noise (sd 2.5) with a handful of strong candidates on top. */
function makeLogits(vocab: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(vocab);
  for (let i = 0; i < vocab; i++) {
    const u1 = Math.max(rng.next(), 1e-12);
    const u2 = rng.next();
    out[i] = 2.5 * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
  for (let j = 0; j < 12; j++) out[Math.floor(rng.next() * vocab)] = 9 + 4 * rng.next();
  return out;
}

function makePrompt(vocab: number): number[] {
  const rng = createRng(7);
  // Text-like: mostly a few thousand frequent ids, so penalties and DRY find repeats.
  return Array.from({ length: PROMPT_LENGTH }, () => Math.floor(rng.next() ** 3 * Math.min(vocab, 5000)));
}

/** Baseline: what a straightforward implementation does (full softmax, full sort, every step). */
function naiveDefaultChain(logits: Float32Array, state: SequenceState, p: SamplingParams): number {
  const v = Float64Array.from(logits);
  const window = state.tokens.slice(-p.repetition_penalty_range);
  for (const t of new Set(window)) v[t] = v[t]! < 0 ? v[t]! * p.repetition_penalty : v[t]! / p.repetition_penalty;
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / p.temperature;
  const order = Array.from(v.keys()).sort((a, b) => v[b]! - v[a]!);
  const kept = order.slice(0, p.top_k);
  const max = v[kept[0]!]!;
  let z = 0;
  for (const t of kept) z += Math.exp(v[t]! - max);
  const probs = kept.map((t) => Math.exp(v[t]! - max) / z);
  let cum = 0;
  let n = 0;
  while (n < probs.length && (n === 0 || cum < p.top_p)) cum += probs[n++]!;
  const nucleus = probs.slice(0, n).filter((q) => q >= p.min_p * probs[0]!);
  const u = state.rng.next() * nucleus.reduce((a, b) => a + b, 0);
  let acc = 0;
  for (let i = 0; i < nucleus.length; i++) {
    acc += nucleus[i]!;
    if (u < acc) return kept[i]!;
  }
  return kept[0]!;
}

const DEFAULT_CHAIN = { temperature: 0.7, top_p: 0.9, top_k: 20, min_p: 0.05, repetition_penalty: 1.15 };
const ADAPTIVE = { adaptive_target: 0.3, adaptive_decay: 0.9 };

function everySampler(vocab: number): Partial<SamplingParams> {
  return {
    ...DEFAULT_CHAIN,
    dynamic_temperature: true,
    dynatemp_low: 0.5,
    dynatemp_high: 1.5,
    smoothing_factor: 0.3,
    smoothing_curve: 1.5,
    typical_p: 0.95,
    epsilon_cutoff: 3,
    eta_cutoff: 3,
    tfs: 0.95,
    top_a: 0.1,
    mirostat_mode: 2,
    top_n_sigma: 3,
    xtc_probability: 0.5,
    xtc_threshold: 0.1,
    presence_penalty: 0.3,
    frequency_penalty: 0.2,
    encoder_repetition_penalty: 1.05,
    no_repeat_ngram_size: 4,
    dry_multiplier: 0.8,
    dry_base: 1.75,
    dry_allowed_length: 2,
    dry_sequence_breakers: [[198], [25], [1], [9], [13, 13]],
    // One bias near the top of the vocabulary: ids beyond GPT-2's 50,257 take the same path.
    logit_bias: { 11: 2, 50: -5, 700: 1, [vocab - 2]: 0.5 },
    suppress_tokens: [vocab - 1, 3, vocab - 3],
    eos_token_ids: [vocab - 1],
    newline_token_ids: [198],
  };
}

interface Case {
  name: string;
  run: (logits: Float32Array, state: SequenceState) => number;
}

interface Timing {
  /** Median wall time of one token, ms. */
  median: number;
  /** Mean CPU time (user + system) of one token, ms: the cost without waiting for a core. */
  cpu: number;
}

function timeCase(c: Case, pool: Float32Array[], prompt: number[]): Timing {
  let state = createSequenceState(prompt, 1);
  const step = (i: number): void => {
    if (state.tokens.length > PROMPT_LENGTH + 256) state = createSequenceState(prompt, i);
    acceptToken(state, c.run(pool[i % pool.length]!, state));
  };
  for (let i = 0; i < Math.min(50, ITERATIONS); i++) step(i); // warm-up (JIT)
  const samples: number[] = [];
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < ITERATIONS; i++) {
    const start = process.hrtime.bigint();
    step(i);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const cpu = process.cpuUsage(cpuStart);
  samples.sort((a, b) => a - b);
  return { median: samples[samples.length >> 1]!, cpu: (cpu.user + cpu.system) / 1e3 / ITERATIONS };
}

function main(): void {
  console.log(`sampling benchmark: ${ITERATIONS} tokens per case, prompt ${PROMPT_LENGTH} tokens, node ${process.version}`);
  console.log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} on ${os.cpus().length} cores`);
  for (const vocab of VOCABS) {
    const pool = Array.from({ length: LOGIT_POOL }, (_, i) => makeLogits(vocab, 100 + i));
    const prompt = makePrompt(vocab);
    const params = (o: Partial<SamplingParams>): SamplingParams => defaultSamplingParams(o);
    const defaultChain = params(DEFAULT_CHAIN);
    const all = params(everySampler(vocab));
    const withAdaptive = params({ ...everySampler(vocab), ...ADAPTIVE });
    const cases: Case[] = [
      { name: 'baseline: bare argmax', run: (l) => argmax(l) },
      { name: 'baseline: naive default chain (full sort)', run: (l, s) => naiveDefaultChain(l, s, defaultChain) },
      { name: 'greedy (do_sample false)', run: (l, s) => sampleToken(l, s, params({ do_sample: false })).token },
      { name: 'default chain', run: (l, s) => sampleToken(l, s, defaultChain).token },
      { name: 'default chain + logprobs 5', run: (l, s) => sampleToken(l, s, { ...defaultChain, logprobs: 5 }).token },
      { name: 'temperature 0.7 + top_p 0.9 (no top_k)', run: (l, s) => sampleToken(l, s, params({ temperature: 0.7, top_p: 0.9 })).token },
      { name: 'temperature 1, nothing else (full softmax)', run: (l, s) => sampleToken(l, s, params({})).token },
      { name: 'every sampler on', run: (l, s) => sampleToken(l, s, all).token },
      { name: 'every sampler on + logprobs 20', run: (l, s) => sampleToken(l, s, { ...all, logprobs: 20 }).token },
      { name: 'every sampler on + adaptive-p', run: (l, s) => sampleToken(l, s, withAdaptive).token },
      { name: 'default chain + adaptive-p', run: (l, s) => sampleToken(l, s, { ...defaultChain, ...ADAPTIVE }).token },
    ];
    console.log(`\nvocabulary ${vocab} (ms per token: median wall time, mean CPU time)`);
    console.log(`  every sampler on runs: ${resolveSamplerOrder(all).join(' > ')}`);
    console.log(`  + adaptive-p runs: ${resolveSamplerOrder(withAdaptive).join(' > ')}`);
    for (const c of cases) {
      const t = timeCase(c, pool, prompt);
      console.log(`  ${c.name.padEnd(44)} ${t.median.toFixed(3).padStart(8)} wall ${t.cpu.toFixed(3).padStart(8)} cpu`);
    }
  }
}

main();
