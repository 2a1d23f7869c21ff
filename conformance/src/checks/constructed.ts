/**
 * Distributions built with `logit_bias`, so that a sampler can be judged on known logits by
 * TGW's semantics rather than only by "it changes something".
 *
 * The palette: after the main prompt, the greedy request's `logprobs: 5` gives the model's
 * log-probabilities lp of its few most likely next tokens; the tokenizer gives their ids. A bias
 * `LIFT + t - lp` on token i then gives it the logit `LIFT + t` (up to the constant the softmax
 * ignores), and every other token of the vocabulary sits at least LIFT below: with LIFT 50 their
 * total probability is under e^-38 even for a 150,000-token vocabulary, so for the samplers the
 * row is the constructed logits `t` followed by (practically) zeros. One-token requests with
 * different seeds then show which constructed tokens the sampler leaves.
 *
 * Biases are fractional, which OpenAI's limits (the strict profile) reject: the checks built on
 * a palette skip in the strict profile.
 */
import type { CheckContext, Fields } from './context.js';
import { q, readAnyLogprobs } from './observed.js';
import { PROMPTS, requireTokenizer } from './oracles.js';
import { fail, skip } from './outcome.js';

/** How far above the rest of the vocabulary the constructed logits sit. */
export const LIFT = 50;

/** Seeds of the one-token draws: 24 of them, so a token of probability 0.3 is missed with chance < 2e-4. */
export const DRAW_SEEDS: readonly number[] = Array.from({ length: 24 }, (_, i) => 101 + i);

export interface PaletteToken {
  id: number;
  text: string;
  /** The model's log-probability of the token after the prompt. */
  logprob: number;
}

export interface Palette {
  prompt: string;
  /** The greedy next token's text. */
  greedy: string;
  /** Most likely first; ids distinct, texts distinct, each text one token of the tokenizer. */
  tokens: PaletteToken[];
}

/** The main prompt's most likely next tokens with ids and logprobs (shared per run). */
export function palette(ctx: CheckContext): Promise<Palette> {
  return ctx.shared('palette', async (c) => {
    const prompt = PROMPTS.main;
    const tok = await requireTokenizer(c);
    const res = await c.complete({ prompt, max_tokens: 1, temperature: 0, logprobs: 5 });
    const top = readAnyLogprobs(res.choices[0]?.logprobs)?.top[0];
    if (!top) skip(`needs top_logprobs of the next token: ${q(JSON.stringify(res.choices[0]?.logprobs) ?? 'absent', 100)}`);
    const tokens: PaletteToken[] = [];
    for (const [text, logprob] of Object.entries(top).sort((a, b) => b[1] - a[1])) {
      const ids = await tok.encode(text);
      if (ids.length !== 1 || tokens.some((t) => t.id === ids[0]) || (await tok.decode(ids)) !== text) continue;
      tokens.push({ id: ids[0]!, text, logprob });
    }
    return { prompt, greedy: res.text, tokens };
  });
}

/** The palette's first `n` tokens; skips when the profile or the palette cannot build them. */
export async function paletteOf(ctx: CheckContext, n: number): Promise<PaletteToken[]> {
  if (ctx.profile === 'strict') skip('a constructed distribution needs fractional logit_bias values, beyond OpenAI\'s limits (run with the compat profile)');
  const p = await palette(ctx);
  if (p.tokens.length < n) skip(`needs ${n} of the most likely next tokens that are each one token of the tokenizer; only ${p.tokens.length} are`);
  return p.tokens.slice(0, n);
}

/** The logit_bias that gives palette token i the logit LIFT + targets[i]. */
export function biasFor(tokens: readonly PaletteToken[], targets: readonly number[]): Record<string, number> {
  return Object.fromEntries(targets.map((t, i) => [String(tokens[i]!.id), LIFT + t - tokens[i]!.logprob]));
}

export interface Draws {
  /** How often each constructed token was drawn. */
  counts: number[];
  /** Texts drawn that are none of the constructed tokens. */
  others: string[];
  /** The seed of each draw, and the index it drew (-1: another token). */
  bySeed: [number, number][];
}

/** One-token temperature-1 draws over DRAW_SEEDS with `logit_bias` and `fields`. */
export async function draw(ctx: CheckContext, tokens: readonly PaletteToken[], logitBias: Record<string, number>, fields: Fields): Promise<Draws> {
  const prompt = PROMPTS.main;
  const out: Draws = { counts: tokens.map(() => 0), others: [], bySeed: [] };
  for (const seed of DRAW_SEEDS) {
    const r = await ctx.complete({ prompt, max_tokens: 1, temperature: 1, seed, logit_bias: logitBias, ...fields });
    const i = tokens.findIndex((t) => t.text === r.text);
    if (i >= 0) out.counts[i]!++;
    else out.others.push(r.text);
    out.bySeed.push([seed, i]);
  }
  return out;
}

/** Draws on the constructed logits `targets` (one per palette token) with `fields`. */
export async function drawConstructed(ctx: CheckContext, targets: readonly number[], fields: Fields): Promise<{ tokens: PaletteToken[]; draws: Draws }> {
  const tokens = await paletteOf(ctx, targets.length);
  return { tokens, draws: await draw(ctx, tokens, biasFor(tokens, targets), fields) };
}

/** "a 3, b 0, c 21" over the palette tokens. */
export function tally(tokens: readonly PaletteToken[], d: Draws): string {
  const parts = tokens.map((t, i) => `${q(t.text, 20)} ${d.counts[i]}`);
  if (d.others.length > 0) parts.push(`others ${d.others.length} (${d.others.slice(0, 3).map((o) => q(o, 20)).join(', ')})`);
  return parts.join(', ');
}

export interface Expected {
  /** Indices that must be drawn for some seed, with the probability the semantics give them. */
  seen?: readonly (readonly [number, number])[];
  /** Indices the semantics remove: never drawn. */
  never?: readonly number[];
}

/**
 * Judges draws against the support the semantics give: every `seen` token drawn at least once,
 * no `never` token and nothing outside the constructed tokens drawn. Returns a note (pass).
 */
export function expectSupport(tokens: readonly PaletteToken[], d: Draws, want: Expected, rule: string): string {
  const n = DRAW_SEEDS.length;
  if (d.others.length > 0) fail(`${rule}: ${d.others.length} of ${n} draws gave tokens outside the constructed ones (${tally(tokens, d)}): the samplers or logit_bias left the rest of the vocabulary`);
  for (const j of want.never ?? []) {
    const seeds = d.bySeed.filter(([, i]) => i === j).map(([s]) => s);
    if (seeds.length > 0) fail(`${rule}: ${q(tokens[j]!.text)} must be removed, yet seeds ${seeds.slice(0, 5).join(', ')} drew it (${tally(tokens, d)})`);
  }
  for (const [i, p] of want.seen ?? []) {
    if (d.counts[i] === 0) fail(`${rule}: ${q(tokens[i]!.text)} keeps probability ${p.toFixed(3)}, yet none of ${n} seeds drew it (chance ${((1 - p) ** n).toExponential(1)}; ${tally(tokens, d)})`);
  }
  return `${n} seeds drew ${tally(tokens, d)}`;
}
