/**
 * Extension probes of the truncation samplers: a setting that leaves one candidate per step collapses a sample to the greedy answer, others change it.
 */
import { expectChangesSample, expectCollapseToGreedy, expectSeedIndependent } from '../helpers.js';
import { q } from '../observed.js';
import { divergence } from '../oracles.js';
import { fail } from '../outcome.js';
import { precondition } from '../preconditions.js';
import type { CheckDef } from '../types.js';
import { ext } from './shared.js';

/** Mirostat is on: with a tiny target surprise a sample collapses to the greedy answer. */
export const MIROSTAT_ON = precondition({
  id: 'mirostat.on',
  title: 'mirostat can be switched on',
  proof: 'with the switch, `mirostat_tau` 0.01 and `mirostat_eta` 0.1 a temperature-1 sample is the greedy answer (as in ext.mirostat).',
  ways: [
    { label: '`mirostat_mode: 2`', fields: { mirostat_mode: 2 } },
    { label: "llama.cpp's `mirostat: 2`", fields: { mirostat: 2 } },
  ],
  prove: (ctx, way) => expectCollapseToGreedy(ctx, { ...way.fields, mirostat_tau: 0.01, mirostat_eta: 0.1 }),
});

/** Dynamic temperature is on, spanning 0.1 to 3: it changes some seeded sample. */
export const DYNATEMP_ON = precondition({
  id: 'dynamic_temperature.on',
  title: 'dynamic temperature from 0.1 to 3 can be switched on',
  proof: 'the switch changes a seeded sample compared with the same request without it.',
  ways: [
    { label: '`dynamic_temperature: true, dynatemp_low: 0.1, dynatemp_high: 3`', fields: { dynamic_temperature: true, dynatemp_low: 0.1, dynatemp_high: 3 } },
    { label: "llama.cpp's `temperature: 1.55, dynatemp_range: 1.45`", fields: { temperature: 1.55, dynatemp_range: 1.45 }, base: { temperature: 1.55 } },
  ],
  prove: (ctx, way) => expectChangesSample(ctx, way.base ?? {}, way.fields),
});

/** Quadratic sampling is on: a huge smoothing_factor collapses a sample to greedy. */
export const SMOOTHING_ON = precondition({
  id: 'smoothing.on',
  title: 'smoothing_factor is honoured',
  proof: '`smoothing_factor` 10000000 makes a temperature-1 sample the greedy answer (as in ext.smoothing_factor).',
  ways: [{ label: '`smoothing_factor: 1`', fields: { smoothing_factor: 1 } }],
  prove: (ctx) => expectCollapseToGreedy(ctx, { smoothing_factor: 10_000_000 }),
});

/** XTC is on: probability 1 changes some seeded sample. */
export const XTC_ON = precondition({
  id: 'xtc.on',
  title: 'XTC can be switched on with xtc_probability',
  proof: '`xtc_probability: 1, xtc_threshold: 0.1` changes a seeded sample (as in ext.xtc).',
  ways: [{ label: '`xtc_probability: 1`', fields: { xtc_probability: 1 } }],
  prove: (ctx, way) => expectChangesSample(ctx, {}, { ...way.fields, xtc_threshold: 0.1 }),
});

export const TRUNCATION_CHECKS: CheckDef[] = [
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
    sends: 'Seeded temperature-1 requests with mirostat switched on (`mirostat_mode: 2`, or the server\'s own switch), tau 3, and eta 0.1 or 1.',
    expects: 'Different answers for at least one seed (eta is the learning rate of mu).',
    source: 'TGW mirostat: mu <- mu - eta x (surprise - tau).',
    requires: [MIROSTAT_ON],
    run: (ctx) => expectChangesSample(ctx, { ...ctx.switchOf(MIROSTAT_ON.id).fields, mirostat_tau: 3, mirostat_eta: 0.1 }, { mirostat_eta: 1 }),
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
    sends: 'Seeded temperature-1 requests with dynamic temperature 0.1..3 switched on (`dynamic_temperature: true`, or the server\'s own switch), `dynatemp_exponent` 1 or 4.',
    expects: 'Different answers for at least one seed.',
    source: 'TGW dynamic temperature: the exponent shapes how entropy maps to temperature.',
    requires: [DYNATEMP_ON],
    run: (ctx) => {
      const on = ctx.switchOf(DYNATEMP_ON.id);
      return expectChangesSample(ctx, { ...on.fields, dynatemp_exponent: 1 }, { dynatemp_exponent: 4 });
    },
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
    requires: [SMOOTHING_ON],
    run: (ctx) => expectChangesSample(ctx, ctx.switchOf(SMOOTHING_ON.id).fields, { smoothing_curve: 3 }),
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
    requires: [XTC_ON],
    run: (ctx) => expectChangesSample(ctx, { ...ctx.switchOf(XTC_ON.id).fields, xtc_threshold: 0.05 }, { xtc_threshold: 0.3 }),
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
];
