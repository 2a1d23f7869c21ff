/**
 * Self-referential oracles: expectations derived from the server's own answers, never from
 * a particular model. Each is computed once per run and shared (CheckContext.shared).
 *
 * - greedy(): the temperature-0 answer for a prompt, the baseline most checks compare to.
 * - longText(): a greedy answer long enough to cut stop strings out of.
 * - tokens(): the same answer with per-token boundaries (logprobs, or the tokenizer).
 * - tokenizer(): the server's tokenizer endpoint, when it has one.
 * - divergentSeed(): a seed whose temperature-1 sample differs from the greedy answer, so a
 *   sampler setting that should collapse sampling to greedy can be seen to do so.
 */
import type { CheckContext, Completion, Fields } from './context.js';
import { isObject, readAnyLogprobs, readLogprobs, readUsage, type LogprobsView, type TokenLogprobs } from './observed.js';
import { Outcome, skip } from './outcome.js';

/** Prompts the checks use. Plain English; any causal LM continues them somehow. */
export const PROMPTS = {
  /** The default prompt. */
  main: 'Once upon a time',
  /** Alternatives, tried in order when an answer is too short for a check. */
  alternatives: ['Once upon a time', 'The meaning of life is', 'Hello, my name is', 'In the beginning', 'It was a dark and stormy night'],
  /** A second prompt, for batch checks (must differ from main). */
  second: 'The meaning of life is',
  /** A repetitive prompt for penalty and DRY probes. */
  repetitive: 'a b c a b c a b c a b c a b',
} as const;

/** The temperature-0 completion of `prompt` (shared per run). */
export function greedy(ctx: CheckContext, prompt: string, maxTokens: number, extra: Fields = {}): Promise<Completion> {
  const fields = { prompt, max_tokens: maxTokens, temperature: 0, ...extra };
  return ctx.shared(`greedy:${JSON.stringify(fields)}`, (c) => c.complete(fields));
}

/** A temperature-`temperature` sample with a seed (shared per run). */
export function sampled(ctx: CheckContext, prompt: string, maxTokens: number, seed: number, extra: Fields = {}): Promise<Completion> {
  const fields = { prompt, max_tokens: maxTokens, temperature: 1, seed, ...extra };
  return ctx.shared(`sampled:${JSON.stringify(fields)}`, (c) => c.complete(fields));
}

export interface LongText {
  prompt: string;
  text: string;
  maxTokens: number;
  finish: unknown;
}

/**
 * A greedy answer of at least 24 characters that ran to max_tokens (not cut by EOS), tried
 * over a few prompts. Skips the asking check when the model never writes that much.
 */
export function longText(ctx: CheckContext): Promise<LongText> {
  const maxTokens = 24;
  return ctx.shared('long-text', async (c) => {
    for (const prompt of PROMPTS.alternatives) {
      const res = await greedy(c, prompt, maxTokens);
      if (res.text.trim().length >= 24) return { prompt, text: res.text, maxTokens, finish: res.choices[0]!.finish_reason };
    }
    skip('no greedy answer was long enough (24 characters) to derive stop strings from');
  });
}

export interface TokenizedText extends LongText {
  /** Text of each generated token, in order; they concatenate to `text`. */
  tokens: string[];
  /** Where the token boundaries came from. */
  via: 'logprobs' | 'tokenizer';
}

/**
 * The long greedy text split into its tokens: from `logprobs` when the server supports
 * them (the tokens must concatenate to the text), else from the tokenizer endpoint.
 */
export function tokenizedText(ctx: CheckContext): Promise<TokenizedText> {
  return ctx.shared('long-text-tokens', async (c) => {
    const base = await longText(c);
    const res = await c.post({ prompt: base.prompt, max_tokens: base.maxTokens, temperature: 0, logprobs: 1 });
    const choice = isObject(res.json) && Array.isArray(res.json.choices) ? res.json.choices[0] : undefined;
    if (res.status === 200 && isObject(choice) && isObject(choice.logprobs) && choice.text === base.text) {
      try {
        const lp = readLogprobs(choice.logprobs, 'response');
        if (lp.tokens.join('') === base.text) return { ...base, tokens: lp.tokens, via: 'logprobs' as const };
      } catch {
        // fall through to the tokenizer
      }
    }
    const tok = await tokenizer(c);
    if (tok) {
      const ids = await tok.encode(base.text);
      const pieces = await Promise.all(ids.map((id) => tok.decode([id])));
      if (pieces.join('') === base.text) return { ...base, tokens: pieces, via: 'tokenizer' as const };
    }
    skip('needs token boundaries of the greedy answer: neither logprobs nor a tokenizer endpoint gave tokens that concatenate to the text');
  });
}

/** The server's tokenizer, through whichever endpoint it offers. */
export interface Tokenizer {
  /** Endpoint family: TGW's /v1/internal/encode or llama.cpp/vLLM's /tokenize. */
  kind: 'tgw' | 'tokenize';
  encode(text: string): Promise<number[]>;
  decode(ids: number[]): Promise<string>;
}

/**
 * Finds a tokenizer endpoint: TGW's POST /v1/internal/encode {text} -> {tokens}, then
 * POST /tokenize (llama.cpp {content}, vLLM {prompt}) -> {tokens}. Null when none works
 * (verified by a round trip of "Hello world").
 */
export function tokenizer(ctx: CheckContext): Promise<Tokenizer | null> {
  return ctx.shared('tokenizer', async (c) => {
    const probe = 'Hello world';
    const tgw: Tokenizer = {
      kind: 'tgw',
      encode: async (text) => idsOf((await c.send('POST', '/v1/internal/encode', { json: { text }, noValidate: true })).json, 'tokens'),
      decode: async (ids) => textOf((await c.send('POST', '/v1/internal/decode', { json: { tokens: ids }, noValidate: true })).json, ['text']),
    };
    const generic: Tokenizer = {
      kind: 'tokenize',
      encode: async (text) =>
        idsOf((await c.send('POST', '/tokenize', { json: { model: c.model, content: text, prompt: text, add_special: false }, noValidate: true })).json, 'tokens'),
      decode: async (ids) => textOf((await c.send('POST', '/detokenize', { json: { model: c.model, tokens: ids }, noValidate: true })).json, ['content', 'prompt', 'text']),
    };
    for (const candidate of [tgw, generic]) {
      try {
        const ids = await candidate.encode(probe);
        if (ids.length === 0) continue;
        if ((await candidate.decode(ids)) === probe) return candidate;
      } catch (err) {
        if (err instanceof Outcome && err.verdict !== 'fail') throw err;
      }
    }
    return null;
  });
}

function idsOf(json: unknown, key: string): number[] {
  const ids = isObject(json) ? json[key] : undefined;
  if (!Array.isArray(ids) || !ids.every((i) => typeof i === 'number')) throw new Outcome('fail', 'tokenizer answer without token ids');
  return ids as number[];
}

function textOf(json: unknown, keys: string[]): string {
  for (const key of keys) {
    const v = isObject(json) ? json[key] : undefined;
    if (typeof v === 'string') return v;
  }
  throw new Outcome('fail', 'detokenizer answer without text');
}

/**
 * The ids of `text` without the BOS the tokenizer endpoint may put first (TGW's encode adds it
 * on BOS models): what the encoding of "" starts with is dropped. The ids of generated text.
 */
export async function encodeContent(tok: Tokenizer, text: string): Promise<number[]> {
  const [ids, empty] = await Promise.all([tok.encode(text), tok.encode('')]);
  return empty.length > 0 && empty.every((id, i) => ids[i] === id) ? ids.slice(empty.length) : ids;
}

/**
 * The ids of `text` as the server generated it after `prompt`: the encoding of prompt + text
 * without the encoding of the prompt. SentencePiece tokenizers (Llama 2, Mistral) put a "▁" in
 * front of a text encoded alone, so " the" alone is not the token that followed the prompt.
 * Falls back to encodeContent when the prompt's ids are not a prefix (a merge across the join).
 */
export async function continuationIds(tok: Tokenizer, prompt: string, text: string): Promise<number[]> {
  const [whole, head] = await Promise.all([tok.encode(prompt + text), tok.encode(prompt)]);
  const prefix = head.every((id, i) => whole[i] === id);
  return prefix ? whole.slice(head.length) : encodeContent(tok, text);
}

/**
 * The text token `id` adds after `prompt`: decoded in context, so a SentencePiece piece keeps
 * the leading space it is generated with ("▁" alone decodes to "", after text to " ").
 */
export async function pieceAfter(tok: Tokenizer, prompt: string, id: number): Promise<string> {
  const head = await tok.encode(prompt);
  const [before, after] = await Promise.all([tok.decode(head), tok.decode([...head, id])]);
  return after.startsWith(before) ? after.slice(before.length) : tok.decode([id]);
}

/** Like tokenizer(), but skips the asking check when the server has none. */
export async function requireTokenizer(ctx: CheckContext): Promise<Tokenizer> {
  const tok = await tokenizer(ctx);
  if (!tok) skip('needs token ids: the server has no tokenizer endpoint (POST /v1/internal/encode or /tokenize)');
  return tok;
}

export interface Divergence {
  prompt: string;
  maxTokens: number;
  greedy: string;
  /** Seeds (in probe order) whose temperature-1 sample differs from greedy. */
  seeds: number[];
  /** The sample for each probed seed. */
  samples: Map<number, string>;
}

export const PROBE_SEEDS = [11, 22, 33, 44, 55, 66] as const;

/**
 * Samples the main prompt at temperature 1 with a few seeds and keeps those whose answer
 * differs from the greedy one. Also checks that a seeded sample repeats exactly: every
 * probe built on these seeds compares seeded answers, which only means something when the
 * server honours seeds. Skips the asking check when either is not the case.
 */
export function divergence(ctx: CheckContext): Promise<Divergence> {
  const prompt = PROMPTS.main;
  const maxTokens = 16;
  return ctx.shared('divergence', async (c) => {
    const g = (await greedy(c, prompt, maxTokens)).text;
    const samples = new Map<number, string>();
    for (const seed of PROBE_SEEDS) samples.set(seed, (await sampled(c, prompt, maxTokens, seed)).text);
    const first = PROBE_SEEDS[0];
    const again = await c.complete({ prompt, max_tokens: maxTokens, temperature: 1, seed: first });
    if (again.text !== samples.get(first)) {
      skip(`seeded sampling is not reproducible (seed ${first} gave two different answers), so sampler effects cannot be compared`);
    }
    const seeds = PROBE_SEEDS.filter((s) => samples.get(s) !== g);
    return { prompt, maxTokens, greedy: g, seeds, samples };
  });
}

/** The first divergent seed, or a skip when the model samples its greedy answer every time. */
export async function divergentSeed(ctx: CheckContext): Promise<{ d: Divergence; seed: number; sample: string }> {
  const d = await divergence(ctx);
  const seed = d.seeds[0];
  if (seed === undefined) skip('every temperature-1 sample equals the greedy answer, so a collapse to greedy cannot be observed');
  return { d, seed, sample: d.samples.get(seed)! };
}

/** Token count of a completion from its usage (fails if usage is malformed). */
export function completionTokens(c: Completion): number {
  return readUsage(c.body.usage, 'response').completion_tokens;
}

/** Reads choice `i`'s logprobs object. */
export function logprobsOf(c: Completion, i = 0): LogprobsView {
  return readLogprobs(c.choices[i]?.logprobs, `choices[${i}]`);
}

export interface UncertainPoint {
  /** A prompt after which the model's next token is as uncertain as it gets on the main answer. */
  prompt: string;
  /** Upper bound of the chance that 6 independent temperature-1 samples of one token agree. */
  bound: number;
  /** The top alternatives there, as probabilities. */
  top: Record<string, number>;
}

/** Upper bound of P(6 independent draws agree), from the top alternatives of one position. */
export function agreementBound(top: Record<string, number>): number {
  const p = Object.values(top).map((lp) => Math.exp(lp));
  const rest = Math.max(0, 1 - p.reduce((a, b) => a + b, 0));
  const smallest = Math.min(...p);
  return p.reduce((a, x) => a + x ** 6, 0) + rest * smallest ** 5;
}

/**
 * The most uncertain position of the main greedy answer (from `logprobs: 5`, in the legacy
 * or the chat format), as a prompt ending right before it, with the chance that 6 random
 * one-token samples there agree. Seed checks sample there: if 6 seeds all agree where that
 * chance is tiny, seeds are not being used. Null when the server gives no usable logprobs
 * (declined, another shape, tokens that do not spell the text): the seed checks then fall
 * back to sampled evidence, so the logprobs format never decides a seed verdict.
 */
export function uncertainPoint(ctx: CheckContext): Promise<UncertainPoint | null> {
  return ctx.shared('uncertain-point', async (c) => {
    const topsOf = async (prompt: string, maxTokens: number): Promise<{ text: string; lp: TokenLogprobs } | null> => {
      const res = await c.post({ prompt, max_tokens: maxTokens, temperature: 0, logprobs: 5 });
      const choice = res.status === 200 && isObject(res.json) && Array.isArray(res.json.choices) ? res.json.choices[0] : undefined;
      if (!isObject(choice) || typeof choice.text !== 'string') return null;
      const lp = readAnyLogprobs(choice.logprobs);
      return lp && lp.tokens.join('') === choice.text ? { text: choice.text, lp } : null;
    };
    const main = await topsOf(PROMPTS.main, 16);
    if (!main) return null;
    let best = { at: -1, bound: Infinity };
    main.lp.top.forEach((top, i) => {
      if (!top || Object.keys(top).length === 0) return;
      const bound = agreementBound(top);
      if (bound < best.bound) best = { at: i, bound };
    });
    if (best.at < 0) return null;
    const prompt = PROMPTS.main + main.lp.tokens.slice(0, best.at).join('');
    const here = await topsOf(prompt, 1);
    const top = here?.lp.top[0];
    if (!top || Object.keys(top).length === 0) return null;
    return { prompt, bound: agreementBound(top), top: Object.fromEntries(Object.entries(top).map(([k, v]) => [k, Math.exp(v)])) };
  });
}
