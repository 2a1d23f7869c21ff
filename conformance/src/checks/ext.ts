/**
 * Probes of the text-generation-webui extension parameters. Each is model-agnostic: it
 * compares the server's answers with and without the parameter, using settings whose
 * documented effect is visible on any model:
 *
 * - collapse: a setting that leaves one candidate per step (top_k 1, min_p 1, ...) turns a
 *   temperature-1 sample into the greedy answer;
 * - seed independence: a setting that leaves one (not necessarily the top) candidate makes
 *   the answer the same for every seed;
 * - change: a setting that reshapes the distribution changes the sample for some seed;
 * - penalties: a repetitive prompt's greedy answer changes.
 *
 * A server that does not know a parameter should reject it (4xx + envelope): `unsupported`.
 * One that accepts it and does nothing fails.
 */
import type { CheckContext, Completion, Fields } from './context.js';
import {
  define,
  expect400,
  expectChangesGreedy,
  expectChangesSample,
  expectCollapseToGreedy,
  expectSame,
  expectSeedIndependent,
  finishOf,
  fmt,
  sleep,
} from './helpers.js';
import { isObject, q } from './observed.js';
import { completionTokens, divergence, divergentSeed, greedy, PROBE_SEEDS, PROMPTS, requireTokenizer, sampled, tokenizedText } from './oracles.js';
import { check, Declined, fail, Outcome, skip } from './outcome.js';
import type { CheckDef } from './types.js';

const REP = PROMPTS.repetitive;

/** Common declaration fields of an extension probe. */
function ext(def: Omit<CheckDef, 'level' | 'optional'>): CheckDef {
  return define({ ...def, level: 'EXT', optional: true });
}

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

/** A completion that stopped at EOS (finish "stop" without stop strings), and how to repeat it. */
async function findEos(ctx: CheckContext): Promise<{ fields: Fields; tokens: number } | undefined> {
  return ctx.shared('eos', async (c) => {
    const d = await divergence(c).catch(() => undefined);
    for (const prompt of PROMPTS.alternatives) {
      const r = await greedy(c, prompt, 16);
      if (finishOf(r) === 'stop') return { fields: { prompt, max_tokens: 16, temperature: 0 }, tokens: completionTokens(r) };
    }
    if (d) {
      for (const seed of PROBE_SEEDS) {
        const r = await sampled(c, d.prompt, d.maxTokens, seed);
        if (finishOf(r) === 'stop') return { fields: { prompt: d.prompt, max_tokens: d.maxTokens, temperature: 1, seed }, tokens: completionTokens(r) };
      }
    }
    return undefined;
  });
}

export const extChecks: CheckDef[] = [
  // ---- truncation samplers: collapse to greedy ------------------------------------------------
  ext({
    id: 'ext.top_k',
    title: 'top_k 1 samples the greedy answer',
    feature: 'top_k',
    sends: '`{"temperature": 1, "seed": s, "top_k": 1}` with a seed s whose plain sample differs from the greedy answer.',
    expects: 'The greedy answer.',
    source: 'TGW `top_k` (HF TopKLogitsWarper): keep the k most likely tokens.',
    run: (ctx) => expectCollapseToGreedy(ctx, { top_k: 1 }),
  }),
  ext({
    id: 'ext.min_p',
    title: 'min_p 1 samples the greedy answer',
    feature: 'min_p',
    sends: '`{"temperature": 1, "seed": s, "min_p": 1}`',
    expects: 'The greedy answer (only tokens with p >= 1 x pmax survive: the top one).',
    source: 'TGW `min_p`: remove tokens with p < min_p x pmax.',
    run: (ctx) => expectCollapseToGreedy(ctx, { min_p: 1 }),
  }),
  ext({
    id: 'ext.tfs',
    title: 'A tiny tfs samples the greedy answer',
    feature: 'tfs',
    sends: '`{"temperature": 1, "seed": s, "tfs": 0.000001}`',
    expects: 'The greedy answer (tail-free sampling with z near 0 keeps only the first token).',
    source: 'TGW `tfs` (TailFreeLogitsWarper): remove tokens past the point where the normalized second derivative\'s CDF exceeds z; the first token is always kept.',
    run: (ctx) => expectCollapseToGreedy(ctx, { tfs: 0.000001 }),
  }),
  ext({
    id: 'ext.top_n_sigma',
    title: 'A tiny top_n_sigma samples the greedy answer',
    feature: 'top_n_sigma',
    sends: '`{"temperature": 1, "seed": s, "top_n_sigma": 0.0001}`',
    expects: 'The greedy answer (only logits within 0.0001 standard deviations of the maximum survive).',
    source: 'TGW HEAD `top_n_sigma`: keep logits >= max - n x std.',
    run: (ctx) => expectCollapseToGreedy(ctx, { top_n_sigma: 0.0001 }),
  }),
  ext({
    id: 'ext.do_sample',
    title: 'do_sample false decodes greedily',
    feature: 'do_sample',
    sends: '`{"temperature": 1, "seed": s, "do_sample": false}`',
    expects: 'The greedy answer.',
    source: 'TGW `do_sample` (HF): false means greedy decoding.',
    run: (ctx) => expectCollapseToGreedy(ctx, { do_sample: false }),
  }),
  ext({
    id: 'ext.mirostat',
    title: 'Mirostat with a tiny target surprise samples the greedy answer',
    feature: 'mirostat',
    sends: '`{"temperature": 1, "seed": s, "mirostat_mode": 2, "mirostat_tau": 0.01, "mirostat_eta": 0.1}`',
    expects: 'The greedy answer (mu = 2 tau leaves only the most likely token).',
    source: 'TGW mirostat (mode 2): keep tokens with surprise <= mu (at least one), mu starts at 2 tau.',
    run: (ctx) => expectCollapseToGreedy(ctx, { mirostat_mode: 2, mirostat_tau: 0.01, mirostat_eta: 0.1 }),
  }),
  ext({
    id: 'ext.mirostat_eta',
    title: 'mirostat_eta changes how mirostat samples',
    feature: 'mirostat',
    sends: 'Seeded temperature-1 requests with mirostat 2, tau 3, and eta 0.1 or 1.',
    expects: 'Different answers for at least one seed (eta is the learning rate of mu).',
    source: 'TGW mirostat: mu <- mu - eta x (surprise - tau).',
    run: (ctx) => expectChangesSample(ctx, { mirostat_mode: 2, mirostat_tau: 3, mirostat_eta: 0.1 }, { mirostat_eta: 1 }),
  }),
  ext({
    id: 'ext.dynamic_temperature',
    title: 'Dynamic temperature uses dynatemp_low and dynatemp_high',
    feature: 'dynamic_temperature',
    sends: '`{"temperature": 1, "seed": s, "dynamic_temperature": true, "dynatemp_low": 0.01, "dynatemp_high": 0.01}`',
    expects: 'The greedy answer (the temperature is 0.01 at every step).',
    source: 'TGW dynamic temperature: T = low + (high - low) x (H / Hmax)^exponent.',
    run: (ctx) => expectCollapseToGreedy(ctx, { dynamic_temperature: true, dynatemp_low: 0.01, dynatemp_high: 0.01 }),
  }),
  ext({
    id: 'ext.dynatemp_exponent',
    title: 'dynatemp_exponent changes the dynamic temperature',
    feature: 'dynamic_temperature',
    sends: 'Seeded temperature-1 requests with dynamic temperature 0.1..3, exponent 1 or 4.',
    expects: 'Different answers for at least one seed.',
    source: 'TGW dynamic temperature: the exponent shapes how entropy maps to temperature.',
    run: (ctx) => expectChangesSample(ctx, { dynamic_temperature: true, dynatemp_low: 0.1, dynatemp_high: 3, dynatemp_exponent: 1 }, { dynatemp_exponent: 4 }),
  }),
  ext({
    id: 'ext.smoothing_factor',
    title: 'A very large smoothing_factor samples the greedy answer',
    feature: 'smoothing',
    sends: '`{"temperature": 1, "seed": s, "smoothing_factor": 10000000}`',
    expects: "The greedy answer (quadratic smoothing l' = max - f (l - max)^2 with a huge f leaves only the top token).",
    source: 'TGW quadratic sampling (`smoothing_factor`).',
    run: (ctx) => expectCollapseToGreedy(ctx, { smoothing_factor: 10_000_000 }),
  }),
  ext({
    id: 'ext.smoothing_curve',
    title: 'smoothing_curve changes quadratic sampling',
    feature: 'smoothing',
    sends: 'Seeded temperature-1 requests with smoothing_factor 1 and smoothing_curve 1 or 3.',
    expects: 'Different answers for at least one seed (curve 3 is cubic).',
    source: 'TGW quadratic sampling: k = (3 - c)/2, s = (c - 1)/2.',
    run: (ctx) => expectChangesSample(ctx, { smoothing_factor: 1 }, { smoothing_curve: 3 }),
  }),
  ext({
    id: 'ext.typical_p',
    title: 'A tiny typical_p makes sampling independent of the seed',
    feature: 'typical_p',
    sends: '`{"temperature": 1, "typical_p": 0.001}` with two seeds whose plain samples differ.',
    expects: 'The same answer for both seeds (one candidate per step: the most typical token).',
    source: 'TGW `typical_p` (HF TypicalLogitsWarper): keep the most typical tokens up to the mass typical_p.',
    run: (ctx) => expectSeedIndependent(ctx, { typical_p: 0.001 }),
  }),
  ext({
    id: 'ext.top_a',
    title: 'top_a changes sampling',
    feature: 'top_a',
    sends: 'Seeded temperature-1 requests with and without `top_a: 1`.',
    expects: 'Different answers for at least one seed (tokens with p < pmax^2 are removed).',
    source: 'TGW `top_a`: remove tokens with p < a x pmax^2.',
    run: (ctx) => expectChangesSample(ctx, {}, { top_a: 1 }),
  }),
  ext({
    id: 'ext.xtc',
    title: 'XTC removes top choices',
    feature: 'xtc',
    sends: 'Seeded temperature-1 requests with and without `xtc_probability: 1, xtc_threshold: 0.1`.',
    expects: 'Different answers for at least one seed.',
    source: 'TGW HEAD XTC: with probability xtc_probability remove every token with p >= threshold except the least likely of them.',
    run: (ctx) => expectChangesSample(ctx, {}, { xtc_probability: 1, xtc_threshold: 0.1 }),
  }),
  ext({
    id: 'ext.xtc_threshold',
    title: 'xtc_threshold sets which top choices XTC removes',
    feature: 'xtc',
    sends: 'Seeded temperature-1 requests with `xtc_probability: 1` and `xtc_threshold` 0.05 or 0.3.',
    expects: 'Different answers for at least one seed.',
    source: 'TGW HEAD XTC: tokens with p >= xtc_threshold (except the least likely of them) are removed.',
    run: (ctx) => expectChangesSample(ctx, { xtc_probability: 1, xtc_threshold: 0.05 }, { xtc_threshold: 0.3 }),
  }),
  ext({
    id: 'ext.epsilon_cutoff',
    title: 'epsilon_cutoff is read in units of 1e-4',
    feature: 'epsilon_cutoff',
    sends:
      'Seeded temperature-1 requests: `epsilon_cutoff: 9000` with a seed whose plain sample is not greedy, then `epsilon_cutoff: 3` with up to 3 such seeds.',
    expects:
      '9000 (= 0.9) leaves only the top token, so the answer is greedy; 3 (= 3e-4) leaves some answer not greedy (read as 3.0 it would remove every token but the top one).',
    source: 'TGW multiplies epsilon_cutoff by 1e-4 (`generate_reply_HF`); api-anchors §9.11.',
    async run(ctx) {
      const collapse = await expectCollapseToGreedy(ctx, { epsilon_cutoff: 9000 });
      const d = await divergence(ctx);
      for (const seed of d.seeds.slice(0, 3)) {
        const r = await ctx.complete({ prompt: d.prompt, max_tokens: d.maxTokens, temperature: 1, seed, epsilon_cutoff: 3 });
        if (r.text !== d.greedy) return `${collapse}; with 3 (3e-4) seed ${seed} still samples ${q(r.text, 50)}`;
      }
      fail('with epsilon_cutoff 3 every sample collapsed to the greedy answer: the value was read as 3.0, not 3e-4');
    },
  }),
  ext({
    id: 'ext.eta_cutoff',
    title: 'eta_cutoff changes sampling',
    feature: 'eta_cutoff',
    sends: 'Seeded temperature-1 requests with and without `eta_cutoff: 9` (9e-4 in TGW\'s units).',
    expects: 'Different answers for at least one seed. (The 1e-4 unit is not observable here: eta\' = min(eta, sqrt(eta) e^-H) keeps several tokens whichever way 9 is read.)',
    source: 'TGW `eta_cutoff` (HF EtaLogitsWarper), value x 1e-4.',
    run: (ctx) => expectChangesSample(ctx, {}, { eta_cutoff: 9 }),
  }),

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
    async run(ctx) {
      const { seed, a, b } = await priorityOrderSeed(ctx);
      const d = await divergence(ctx);
      const r = await ctx.complete({ prompt: d.prompt, max_tokens: d.maxTokens, seed, ...ORDER_BASE, sampler_priority: 'min_p\ntemperature' });
      if (r.text === a) fail(`the string "min_p\\ntemperature" gave the answer of the order temperature, min_p (${q(a, 60)}): it was ignored or misread`);
      expectSame(r.text, b, 'string sampler_priority');
    },
  }),

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
    async run(ctx) {
      const all = await greedy(ctx, REP, 16, { repetition_penalty: 1.5, repetition_penalty_range: 0 });
      const one = await ctx.complete({ prompt: REP, max_tokens: 16, temperature: 0, repetition_penalty: 1.5, repetition_penalty_range: 1 });
      check(one.text !== all.text, `range 1 and range 0 give the same answer ${q(all.text, 80)}: the range looks ignored`);
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
    async run(ctx) {
      const plain = await greedy(ctx, REP, 24);
      const dry = await dryAnswer(ctx);
      if (dry.text === plain.text) skip('DRY does not change this answer (see ext.dry)');
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
    async run(ctx) {
      const plain = await greedy(ctx, REP, 24);
      const dry = await dryAnswer(ctx);
      if (dry.text === plain.text) skip('DRY does not change this answer (see ext.dry)');
      const breakers = breakerWords(plain.text)
        .map((b) => JSON.stringify(b))
        .join(', ');
      const r = await ctx.complete({ prompt: REP, max_tokens: 24, temperature: 0, dry_multiplier: 5, dry_sequence_breakers: breakers });
      expectSame(r.text, plain.text, 'answer with the string form');
    },
  }),

  // ---- token control ---------------------------------------------------------------------------
  ext({
    id: 'ext.custom_token_bans',
    title: 'custom_token_bans bans token ids',
    feature: 'custom_token_bans',
    tags: ['tokenizer'],
    sends: 'The main greedy request (8 tokens) with `custom_token_bans: "<id>"`, id being the first token of its answer.',
    expects: 'A different answer that does not start with that token.',
    source: 'TGW `custom_token_bans`: comma-separated token ids, suppressed (HF suppress_tokens).',
    async run(ctx) {
      const tok = await requireTokenizer(ctx);
      const plain = await greedy(ctx, PROMPTS.main, 8);
      const [id] = await tok.encode(plain.text);
      if (id === undefined) skip('the greedy answer is empty');
      const r = await ctx.complete({ prompt: PROMPTS.main, max_tokens: 8, temperature: 0, custom_token_bans: String(id) });
      check(r.text !== plain.text, `banning token ${id} left the answer unchanged (${q(plain.text, 80)})`);
      check((await tok.encode(r.text))[0] !== id, `the answer ${q(r.text, 80)} still starts with banned token ${id}`);
    },
  }),
  ext({
    id: 'ext.ban_eos_token',
    title: 'ban_eos_token forces generation to max_tokens',
    feature: 'ban_eos_token',
    sends: 'A request whose answer ends at the end-of-sequence token (found among greedy and seeded answers), again with `ban_eos_token: true`.',
    expects: 'finish_reason "length" and completion_tokens == max_tokens.',
    source: 'TGW `ban_eos_token` (suppresses EOS); llama.cpp and vLLM `ignore_eos`.',
    async run(ctx) {
      const eos = await findEos(ctx);
      if (!eos) skip('no probe answer ended at the end-of-sequence token, so banning it cannot be observed');
      const r = await ctx.complete({ ...eos.fields, ban_eos_token: true });
      check(finishOf(r) === 'length', `with ban_eos_token the answer ended with finish_reason ${JSON.stringify(finishOf(r))} after ${completionTokens(r)} tokens (it stopped after ${eos.tokens} without the ban)`);
      check(completionTokens(r) === eos.fields.max_tokens, `completion_tokens ${completionTokens(r)}, expected max_tokens ${String(eos.fields.max_tokens)}`);
    },
  }),
  ext({
    id: 'ext.auto_max_new_tokens',
    title: 'auto_max_new_tokens lets generation run past max_tokens',
    feature: 'auto_max_new_tokens',
    sends: 'The 24-token greedy request with max_tokens 3, `auto_max_new_tokens: true` and a stop string that first occurs after token 6.',
    expects: 'The text up to the stop string and finish_reason "stop" (the budget is the context, not 3).',
    source: 'TGW `auto_max_new_tokens`: max_new_tokens = truncation_length - prompt length.',
    async run(ctx) {
      const t = await tokenizedText(ctx);
      let offset = 0;
      for (let i = 0; i < t.tokens.length; i++) {
        const tok = t.tokens[i]!;
        if (i >= 6 && tok.trim().length >= 2 && t.text.indexOf(tok) === offset) {
          const r = await ctx.complete({ prompt: t.prompt, max_tokens: 3, temperature: 0, auto_max_new_tokens: true, stop: tok });
          expectSame(r.text, t.text.slice(0, offset), 'answer with auto_max_new_tokens');
          check(finishOf(r) === 'stop', `finish_reason ${JSON.stringify(finishOf(r))}, expected "stop"`);
          return;
        }
        offset += tok.length;
      }
      skip(`no token after the 6th of ${q(t.text)} first occurs at its own position`);
    },
  }),
  ext({
    id: 'ext.truncation_length',
    title: 'truncation_length cuts the prompt from the left',
    feature: 'truncation_length',
    sends: 'A long prompt (n tokens) with max_tokens 4 and `truncation_length: n/2 + 4`.',
    expects: 'usage.prompt_tokens <= truncation_length - max_tokens (the prompt was cut).',
    source: 'TGW: the prompt is left-truncated to truncation_length - max_new_tokens.',
    async run(ctx) {
      const prompt = `${PROMPTS.alternatives.join('. ')}. ${PROMPTS.repetitive}`;
      const full = await ctx.complete({ prompt, max_tokens: 4, temperature: 0 });
      const n = (full.body.usage as { prompt_tokens?: number } | undefined)?.prompt_tokens;
      if (typeof n !== 'number' || n < 8) skip('usage.prompt_tokens is missing');
      const limit = Math.floor(n / 2) + 4;
      const cut = await ctx.complete({ prompt, max_tokens: 4, temperature: 0, truncation_length: limit });
      const m = (cut.body.usage as { prompt_tokens?: number } | undefined)?.prompt_tokens;
      check(typeof m === 'number' && m <= limit - 4, `with truncation_length ${limit} the prompt counts ${m} tokens (uncut: ${n}); at most ${limit - 4} expected`);
      return `${n} -> ${m} prompt tokens`;
    },
  }),
  ext({
    id: 'ext.add_bos_token',
    title: 'add_bos_token adds at most one BOS token',
    feature: 'add_bos_token',
    sends: 'The main prompt with `add_bos_token` true and false (max_tokens 1).',
    expects: 'usage.prompt_tokens is one more with true. No difference is a skip: not observable on this model/tokenizer (no BOS token), or the field is ignored.',
    source: 'TGW `add_bos_token`: add BOS if missing, never twice.',
    async run(ctx) {
      const yes = await ctx.complete({ prompt: PROMPTS.main, max_tokens: 1, temperature: 0, add_bos_token: true });
      const no = await ctx.complete({ prompt: PROMPTS.main, max_tokens: 1, temperature: 0, add_bos_token: false });
      const a = (yes.body.usage as { prompt_tokens?: number } | undefined)?.prompt_tokens;
      const b = (no.body.usage as { prompt_tokens?: number } | undefined)?.prompt_tokens;
      check(typeof a === 'number' && typeof b === 'number', 'usage.prompt_tokens is missing');
      if (a === b) skip(`add_bos_token true and false both count ${a} prompt tokens: not observable on this model/tokenizer (it has no BOS token), or the field is ignored`);
      check(a - b === 1, `add_bos_token true counts ${a} prompt tokens, false ${b}: the difference must be 1 (one BOS token)`);
      return 'one BOS token added';
    },
  }),
  ext({
    id: 'ext.skip_special_tokens',
    title: 'skip_special_tokens controls whether special tokens are written out',
    feature: 'skip_special_tokens',
    tags: ['tokenizer'],
    sends: 'A token prompt that starts with a special token (e.g. <|endoftext|>), echoed, with skip_special_tokens true and false.',
    expects: 'The special token\'s text appears in the echoed text only with skip_special_tokens false. Skipped when echo is not honoured (the echoed text lacks the prompt).',
    source: 'TGW `skip_special_tokens` (HF decode).',
    async run(ctx) {
      const tok = await requireTokenizer(ctx);
      let special: { id: number; text: string } | undefined;
      for (const text of ['<|endoftext|>', '</s>', '<|end_of_text|>', '<eos>', '<|im_end|>']) {
        const ids = await tok.encode(text).catch(() => []);
        if (ids.length === 1) {
          special = { id: ids[0]!, text };
          break;
        }
      }
      if (!special) skip('no special token found through the tokenizer endpoint');
      const prompt = [special.id, ...(await tok.encode(PROMPTS.main))];
      const base = { prompt, max_tokens: 1, temperature: 0, echo: true };
      const keep = await ctx.complete({ ...base, skip_special_tokens: false });
      if (!keep.text.includes(PROMPTS.main)) skip(`echo is not honoured (the echoed text ${q(keep.text, 60)} lacks the prompt ${q(PROMPTS.main)}), so the prompt's special token cannot be seen`);
      const drop = await ctx.complete({ ...base, skip_special_tokens: true });
      check(keep.text.includes(special.text), `with skip_special_tokens false the echoed text ${q(keep.text, 80)} lacks ${special.text}`);
      check(!drop.text.includes(special.text), `with skip_special_tokens true the echoed text ${q(drop.text, 80)} still contains ${special.text}`);
    },
  }),
];

/** Breaker strings for every word of the repetitive prompt and an answer, with and without a leading space. */
function breakerWords(answer: string): string[] {
  const words = new Set(`${REP} ${answer}`.split(/\s+/).filter((w) => w !== ''));
  return [...words].flatMap((w) => [w, ` ${w}`]);
}

/** The grammar the grammar probes use. */
const YES_NO = 'root ::= "yes" | "no"';

export const advancedChecks: CheckDef[] = [
  ext({
    id: 'ext.grammar_string',
    title: 'grammar_string constrains the output',
    feature: 'grammar',
    sends: `\`{"grammar_string": ${JSON.stringify(YES_NO)}, "temperature": 0, "max_tokens": 8}\` and the same at temperature 1 with a seed.`,
    expects: 'Each text is exactly "yes" or "no".',
    source: 'TGW `grammar_string` (GBNF); llama.cpp `grammar`.',
    async run(ctx) {
      for (const extra of [{ temperature: 0 }, { temperature: 1, seed: 3 }]) {
        const r = await ctx.shared(`grammar:${fmt(extra)}`, (c) => c.complete({ prompt: PROMPTS.main, max_tokens: 8, grammar_string: YES_NO, ...extra }));
        check(r.text === 'yes' || r.text === 'no', `with grammar ${JSON.stringify(YES_NO)} the text is ${q(r.text, 80)}`);
      }
    },
  }),
  ext({
    id: 'ext.grammar_string_invalid',
    title: 'An invalid grammar is a 400',
    feature: 'grammar',
    sends: '`{"grammar_string": "root ::= (\\"yes\\""}` (unclosed group), after a valid grammar was accepted.',
    expects: 'HTTP 400 with an error envelope naming grammar_string.',
    source: 'vLLM and llama.cpp reject invalid grammars with 400.',
    async run(ctx) {
      await ctx.shared(`grammar:${fmt({ temperature: 0 })}`, (c) => c.complete({ prompt: PROMPTS.main, max_tokens: 8, grammar_string: YES_NO, temperature: 0 }));
      const rej = await ctx.rejects({ prompt: PROMPTS.main, max_tokens: 4, grammar_string: 'root ::= ("yes"' }, 'an invalid grammar');
      expect400(ctx, rej, 'invalid grammar');
      check(rej.error.param === 'grammar_string', `error.param is ${JSON.stringify(rej.error.param)}, expected "grammar_string"`);
    },
  }),
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
      const zero = await ctx.complete({ prompt: PROMPTS.main, max_tokens: 16, temperature: 0, guidance_scale: 0, negative_prompt: negative.prompt });
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
    async run(ctx) {
      const { main, negative } = await guidancePrompts(ctx);
      const a = await ctx.complete({ prompt: PROMPTS.main, max_tokens: 16, temperature: 0, guidance_scale: 0, negative_prompt: negative.prompt });
      const b = await ctx.complete({ prompt: PROMPTS.main, max_tokens: 16, temperature: 0, guidance_scale: 0, negative_prompt: PROMPTS.main });
      check(a.text !== b.text, `negative prompts ${q(negative.prompt)} and ${q(PROMPTS.main)} give the same answer ${q(a.text, 80)}: negative_prompt looks ignored`);
      expectSame(b.text, main.text, `guidance_scale 0 with the prompt itself as negative_prompt`);
    },
  }),
  ext({
    id: 'ext.penalty_alpha',
    title: 'penalty_alpha runs contrastive search',
    feature: 'contrastive_search',
    sends: 'The repetitive prompt, greedy, with `penalty_alpha: 0.6, top_k: 4`.',
    expects: 'A different answer than plain greedy decoding (the degeneration penalty reorders the top-k candidates).',
    source: 'TGW `penalty_alpha` (HF contrastive search).',
    run: async (ctx) => (await expectChangesGreedy(ctx, { penalty_alpha: 0.6, top_k: 4 })).note,
  }),
  ext({
    id: 'ext.prompt_lookup_num_tokens',
    title: 'prompt lookup decoding gives exactly the plain answer',
    feature: 'prompt_lookup',
    sends: `\`{"prompt": "${REP}", "temperature": 0, "max_tokens": 16, "prompt_lookup_num_tokens": 3}\``,
    expects:
      'The plain greedy answer, token for token (speculation is lossless): a different answer fails. An equal answer is a skip, not a pass: a server that ignores the field gives it too, so whether prompt lookup ran is not observable through the API.',
    source: 'TGW `prompt_lookup_num_tokens` (HF prompt-lookup decoding).',
    async run(ctx) {
      const plain = await greedy(ctx, REP, 16);
      const r = await ctx.complete({ prompt: REP, max_tokens: 16, temperature: 0, prompt_lookup_num_tokens: 3 });
      expectSame(r.text, plain.text, 'answer with prompt lookup');
      check(completionTokens(r) === completionTokens(plain), `completion_tokens ${completionTokens(r)}, plain ${completionTokens(plain)}`);
      skip('accepted, and the answer equals plain decoding as lossless speculation must; the effect is not observable (ignoring the field gives the same answer), so this is no evidence of support');
    },
  }),
  ext({
    id: 'ext.max_tokens_second',
    title: 'max_tokens_second throttles streaming',
    feature: 'max_tokens_second',
    tags: ['stream'],
    sends: 'The main greedy request (8 tokens), streamed with `max_tokens_second: 10`.',
    expects: 'The plain greedy text, and at least 0.8 x (tokens - 1) / 10 seconds between the first and the last text chunk.',
    source: 'TGW `max_tokens_second`: limits the streaming rate.',
    async run(ctx) {
      const plain = await greedy(ctx, PROMPTS.main, 8);
      const n = completionTokens(plain);
      if (n < 3) skip('the answer has fewer than 3 tokens');
      const res = await ctx.stream({ prompt: PROMPTS.main, max_tokens: 8, temperature: 0, max_tokens_second: 10 });
      expectSame(res.text(0), plain.text, 'throttled text');
      const times = res.response.sse.events
        .filter((e) => {
          try {
            const c = JSON.parse(e.data) as { choices?: { text?: string }[] };
            return c.choices?.some((ch) => typeof ch.text === 'string' && ch.text !== '') ?? false;
          } catch {
            return false;
          }
        })
        .map((e) => e.at);
      const spanMs = (times[times.length - 1] ?? 0) - (times[0] ?? 0);
      const minMs = 0.8 * ((n - 1) / 10) * 1000;
      check(spanMs >= minMs, `${n} tokens streamed over ${spanMs} ms; at 10 tokens/s that takes at least ${Math.round(minMs)} ms`);
      return `${n} tokens over ${spanMs} ms`;
    },
  }),
  ext({
    id: 'ext.max_tokens_second_concurrent',
    title: 'A throttled stream does not hold up other requests',
    feature: 'max_tokens_second',
    tags: ['stream'],
    sends:
      'The main greedy request streamed with a `max_tokens_second` that makes it last about 2 s (at least 5 times a plain request), and, once it is under way, the same request unthrottled.',
    expects: 'The stream is throttled, and the plain request finishes at least a quarter of the stream\'s duration before the stream does.',
    source: 'Issue 7 (throttling must not slow other requests). TGW sleeps while holding its generation lock, so a concurrent request waits for the throttled one.',
    async run(ctx) {
      const plain = await greedy(ctx, PROMPTS.main, 8);
      const n = completionTokens(plain);
      if (n < 3) skip('the answer has fewer than 3 tokens');
      const timed = async (): Promise<number> => {
        const t = Date.now();
        await ctx.complete({ prompt: PROMPTS.main, max_tokens: 8, temperature: 0 });
        return Date.now() - t;
      };
      const alone = Math.min(await timed(), await timed());
      const rate = Math.max(1, Math.floor(((n - 1) * 1000) / Math.max(2000, 5 * alone)));
      const durationMs = ((n - 1) / rate) * 1000;
      const started = Date.now();
      const stream = ctx.stream({ prompt: PROMPTS.main, max_tokens: 8, temperature: 0, max_tokens_second: rate });
      await sleep(Math.min(300, durationMs / 4));
      await ctx.complete({ prompt: PROMPTS.main, max_tokens: 8, temperature: 0 });
      const plainDone = Date.now() - started;
      await stream;
      const streamDone = Date.now() - started;
      check(streamDone >= 0.8 * durationMs, `the stream at max_tokens_second ${rate} took ${streamDone} ms; ${n} tokens need at least ${Math.round(durationMs)} ms: it was not throttled`);
      check(
        plainDone <= streamDone - durationMs / 4,
        `the plain request finished after ${plainDone} ms, the throttled stream after ${streamDone} ms: the plain request waited for the throttled one (alone it takes ${alone} ms)`,
      );
      return `plain request done at ${plainDone} ms, throttled stream (${rate} tokens/s) at ${streamDone} ms`;
    },
  }),
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
    async run(ctx) {
      const listed = await presetSupport(ctx).then(() => presetNames(ctx));
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
    sends: '`preset: "conformance-no-such-preset"`, after a known preset was accepted.',
    expects: 'HTTP 400 with an error envelope (an unknown preset must not be ignored).',
    source: 'Ground rule: a parameter the server cannot honour is rejected, not dropped.',
    async run(ctx) {
      await presetSupport(ctx);
      const rej = await ctx.rejects({ prompt: PROMPTS.main, max_tokens: 2, preset: 'conformance-no-such-preset' }, 'an unknown preset');
      expect400(ctx, rej, 'unknown preset');
    },
  }),
];

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
