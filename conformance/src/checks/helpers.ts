/**
 * Small helpers shared by the check files.
 */
import type { CheckContext, Completion, Fields, Rejection } from './context.js';
import { q } from './observed.js';
import { divergence, divergentSeed, greedy, PROMPTS, sampled } from './oracles.js';
import { check, fail, skip } from './outcome.js';
import type { CheckDef } from './types.js';

/** Declares a check (an identity function that gives the literal its type). */
export function define(def: CheckDef): CheckDef {
  return def;
}

/** Short JSON of request fields for messages. */
export function fmt(fields: Fields): string {
  return JSON.stringify(fields);
}

/**
 * OpenAI answers validation errors with HTTP 400. In the strict profile another 4xx (e.g.
 * FastAPI's 422) fails; in compat it is noted.
 */
export function expect400(ctx: CheckContext, rej: Rejection, what: string): void {
  if (rej.status === 400) return;
  if (ctx.profile === 'strict') fail(`${what} got HTTP ${rej.status}; OpenAI answers invalid requests with 400`);
  ctx.note(`${what}: HTTP ${rej.status} (OpenAI uses 400)`);
}

/** The finish_reason of choice `i`. */
export function finishOf(c: Completion, i = 0): unknown {
  return c.choices[i]?.finish_reason;
}

/** Fails unless two answers are equal, showing both. */
export function expectSame(actual: string, expected: string, what: string): void {
  check(actual === expected, () => `${what}: got ${q(actual, 160)}, expected ${q(expected, 160)}`);
}

/**
 * A sampler setting that leaves one candidate per step must turn a temperature-1 sample
 * into the greedy answer. Uses a seed whose plain sample differs from greedy, so an ignored
 * parameter shows as the plain sample.
 */
export async function expectCollapseToGreedy(ctx: CheckContext, fields: Fields, extra: Fields = {}): Promise<string> {
  const { d, seed, sample } = await divergentSeed(ctx);
  const res = await ctx.complete({ prompt: d.prompt, max_tokens: d.maxTokens, temperature: 1, seed, ...extra, ...fields });
  if (res.text !== d.greedy) {
    const ignored = res.text === sample ? ' It equals the sample without the parameter: the parameter was ignored.' : '';
    fail(`with ${fmt(fields)} at temperature 1 (seed ${seed}) the answer ${q(res.text, 120)} is not the greedy answer ${q(d.greedy, 120)}.${ignored}`);
  }
  return `with ${fmt(fields)} a temperature-1 sample (seed ${seed}) equals the greedy answer; without it the sample is ${q(sample, 60)}`;
}

/**
 * A setting that leaves exactly one candidate per step (not necessarily the most likely)
 * makes the answer independent of the seed: two seeds whose plain samples differ must now
 * give the same answer.
 */
export async function expectSeedIndependent(ctx: CheckContext, fields: Fields): Promise<string> {
  const d = await divergence(ctx);
  const seeds = [...d.samples.keys()];
  let pair: [number, number] | undefined;
  for (const a of seeds) {
    for (const b of seeds) if (a < b && d.samples.get(a) !== d.samples.get(b)) pair ??= [a, b];
  }
  if (!pair) skip('every probe seed gave the same sample, so seed independence cannot be observed');
  const [a, b] = pair;
  const base = { prompt: d.prompt, max_tokens: d.maxTokens, temperature: 1 };
  const ra = await ctx.complete({ ...base, seed: a, ...fields });
  const rb = await ctx.complete({ ...base, seed: b, ...fields });
  if (ra.text !== rb.text) {
    const ignored = ra.text === d.samples.get(a) && rb.text === d.samples.get(b) ? ' Both equal the samples without the parameter: it was ignored.' : '';
    fail(`with ${fmt(fields)} seeds ${a} and ${b} still give different answers (${q(ra.text, 80)} vs ${q(rb.text, 80)}); one candidate per step leaves nothing to sample.${ignored}`);
  }
  return `with ${fmt(fields)} seeds ${a} and ${b} give the same answer (their plain samples differ)`;
}

/**
 * A setting must change sampled answers: for at least one probe seed the answer with
 * `variant` differs from the answer with `base` (same seed). Model-agnostic evidence that
 * the parameter is read; an ignored parameter gives identical answers for every seed.
 */
export async function expectChangesSample(
  ctx: CheckContext,
  base: Fields,
  variant: Fields,
  options: { prompt?: string; maxTokens?: number; seeds?: readonly number[] } = {},
): Promise<string> {
  const d = await divergence(ctx);
  const prompt = options.prompt ?? d.prompt;
  const maxTokens = options.maxTokens ?? d.maxTokens;
  const seeds = options.seeds ?? [...d.samples.keys()];
  for (const seed of seeds) {
    const common = { prompt, max_tokens: maxTokens, temperature: 1, seed };
    const a = await sampled(ctx, prompt, maxTokens, seed, base);
    const b = await ctx.complete({ ...common, ...base, ...variant });
    if (a.text !== b.text) return `seed ${seed}: ${fmt(variant)} changes ${q(a.text, 60)} into ${q(b.text, 60)}`;
  }
  fail(`adding ${fmt(variant)} to ${fmt(base)} changed no answer over seeds ${seeds.join(', ')}: the parameter looks ignored`);
}

/**
 * A greedy answer must change when `fields` are added (penalties and other processors that
 * apply at temperature 0). Uses a repetitive prompt, whose greedy continuation repeats.
 */
export async function expectChangesGreedy(ctx: CheckContext, fields: Fields, prompt: string = PROMPTS.repetitive, maxTokens = 16): Promise<{ base: Completion; changed: Completion; note: string }> {
  const base = await greedy(ctx, prompt, maxTokens);
  const changed = await ctx.complete({ prompt, max_tokens: maxTokens, temperature: 0, ...fields });
  check(changed.text !== base.text, () => `with ${fmt(fields)} the greedy answer is unchanged (${q(base.text, 100)}): the parameter looks ignored`);
  return { base, changed, note: `${fmt(fields)} changes ${q(base.text, 50)} into ${q(changed.text, 50)}` };
}

/** Waits. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
