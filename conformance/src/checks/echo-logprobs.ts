/**
 * `echo` and `logprobs`.
 */
import { palette } from './constructed.js';
import type { CheckContext, Completion } from './context.js';
import { define, expect400, expectSame } from './helpers.js';
import { codePoints, isObject, q, readAnyLogprobs, readChoices, readLogprobs, readUsage, type LogprobsView, type TokenLogprobs } from './observed.js';
import { completionTokens, greedy, logprobsOf, PROBE_SEEDS, PROMPTS, sampled } from './oracles.js';
import { check, fail, skip } from './outcome.js';
import type { CheckDef } from './types.js';

const P = PROMPTS.main;

/** A greedy answer with `logprobs: k` (shared). */
function withLogprobs(ctx: CheckContext, k: number, maxTokens = 8): Promise<Completion> {
  return greedy(ctx, P, maxTokens, { logprobs: k });
}

/** The arrays are aligned: same length `n`, tokens concatenate to `text`. */
function expectAligned(lp: LogprobsView, text: string, n: number | undefined, what: string): void {
  const lens = [lp.tokens.length, lp.token_logprobs.length, lp.top_logprobs.length, lp.text_offset.length];
  check(lens.every((l) => l === lens[0]), `${what}: tokens, token_logprobs, top_logprobs and text_offset have lengths ${lens.join(', ')}; they must be equal`);
  if (n !== undefined) check(lp.tokens.length === n, `${what}: ${lp.tokens.length} logprob entries for ${n} completion tokens`);
  check(lp.tokens.join('') === text, () => `${what}: the tokens concatenate to ${q(lp.tokens.join(''))}, not to the text ${q(text)}`);
}

/** Each top_logprobs entry has between max(k,1) and k+1 alternatives, all logprobs <= 0. */
function expectTopCounts(lp: LogprobsView, k: number, from: number, what: string): void {
  lp.top_logprobs.forEach((top, i) => {
    if (i < from) return;
    check(isObject(top), `${what}: top_logprobs[${i}] is ${JSON.stringify(top)}, expected an object`);
    const n = Object.keys(top).length;
    check(n <= k + 1, `${what}: top_logprobs[${i}] has ${n} entries with logprobs ${k}; at most ${k + 1} allowed`);
    check(n >= Math.max(k, 1), `${what}: top_logprobs[${i}] has ${n} entries with logprobs ${k}; at least ${Math.max(k, 1)} expected`);
    for (const [tok, v] of Object.entries(top)) {
      check(Number.isFinite(v) && v <= 1e-6, `${what}: top_logprobs[${i}][${JSON.stringify(tok)}] = ${v}, a log-probability must be finite and <= 0`);
    }
  });
}

/** text_offset advances by the length of each token (in characters). */
function expectOffsets(lp: LogprobsView, what: string): void {
  for (let i = 0; i + 1 < lp.text_offset.length; i++) {
    const step = lp.text_offset[i + 1]! - lp.text_offset[i]!;
    const len = codePoints(lp.tokens[i]!);
    check(step === len, `${what}: text_offset[${i + 1}] - text_offset[${i}] = ${step}, but token ${i} ${q(lp.tokens[i]!)} has ${len} characters`);
  }
}

/** Probability mass of one top_logprobs entry. */
function mass(top: Record<string, number>): number {
  return Object.values(top).reduce((a, v) => a + Math.exp(v), 0);
}

/** A seeded temperature-1 answer with `logprobs: 1` (shared). */
function sampledWithLogprobs(ctx: CheckContext, seed: number): Promise<Completion> {
  return sampled(ctx, P, 16, seed, { logprobs: 1 });
}

/** Two logprobs values agree (both null, or numbers within 1e-3). */
function near(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= 1e-3);
}

/** Entries `from..` of `got` equal entries 0.. of `ref` over `n` positions: tokens, logprobs, alternatives. */
function expectSamePositions(got: TokenLogprobs, from: number, ref: TokenLogprobs, n: number, what: string): void {
  for (let i = 0; i < n; i++) {
    const g = from + i;
    check(got.tokens[g] === ref.tokens[i], `${what}: position ${i} is token ${q(String(got.tokens[g]))}, the reference has ${q(String(ref.tokens[i]))}`);
    check(near(got.logprobs[g], ref.logprobs[i]), `${what}: position ${i} (${q(ref.tokens[i]!)}) has logprob ${got.logprobs[g]}, the reference ${ref.logprobs[i]}`);
    const a = got.top[g];
    const b = ref.top[i];
    const same = isObject(a) && isObject(b) && Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => near(a[k], v));
    check(same || a === b, `${what}: position ${i} has top alternatives ${JSON.stringify(a)}, the reference ${JSON.stringify(b)}`);
  }
}

/**
 * Choice `i`'s logprobs in either format (the legacy object or llama.cpp's chat format):
 * the value checks judge values, and logprobs.format alone judges the format.
 */
function anyLogprobsOf(c: Completion, what: string, i = 0): TokenLogprobs {
  const lp = readAnyLogprobs(c.choices[i]?.logprobs);
  if (!lp) fail(`${what}: logprobs is ${q(JSON.stringify(c.choices[i]?.logprobs) ?? 'absent', 120)}, neither the legacy nor the chat format`);
  check(lp.tokens.join('') === c.choices[i]!.text, () => `${what}: the logprobs tokens concatenate to ${q(lp.tokens.join(''))}, not to the text ${q(c.choices[i]!.text)}`);
  return lp;
}

export const echoLogprobsChecks: CheckDef[] = [
  // ---- echo --------------------------------------------------------------------------------
  define({
    id: 'echo.plain',
    title: 'echo puts the prompt before the completion',
    level: 'MUST',
    feature: 'echo',
    optional: true,
    sends: `\`{"prompt": "${P}", "echo": true, "max_tokens": 8, "temperature": 0}\``,
    expects: 'text == prompt + the greedy completion of the same request without echo.',
    source: 'OpenAI `echo`: "Echo back the prompt in addition to the completion"; vLLM `test_echo_stream_completion`.',
    async run(ctx) {
      const plain = await greedy(ctx, P, 8);
      const echoed = await ctx.complete({ prompt: P, max_tokens: 8, temperature: 0, echo: true });
      expectSame(echoed.text, P + plain.text, 'echo text');
    },
  }),
  define({
    id: 'echo.stream',
    title: 'echo works when streaming',
    level: 'MUST',
    feature: 'echo',
    optional: true,
    tags: ['stream'],
    sends: 'echo.plain\'s request with `stream: true`.',
    expects: 'The concatenated chunks == prompt + the greedy completion.',
    source: 'vLLM `test_echo_stream_completion`; vllm#15119 (400 for stream + echo).',
    async run(ctx) {
      const plain = await greedy(ctx, P, 8);
      const res = await ctx.stream({ prompt: P, max_tokens: 8, temperature: 0, echo: true });
      expectSame(res.text(0), P + plain.text, 'streamed echo text');
    },
  }),
  define({
    id: 'echo.logprobs',
    title: 'echo with logprobs covers the prompt tokens too',
    level: 'SHOULD',
    feature: 'echo',
    optional: true,
    tags: ['logprobs'],
    sends: '`{"echo": true, "logprobs": 1, "max_tokens": 4, "temperature": 0}`',
    expects:
      'Logprob entries for prompt and completion (prompt_tokens + completion_tokens, ±1 for a BOS token) that concatenate to the text; the first token has null token_logprobs and top_logprobs (nothing predicts it); the others have 1 or 2 alternatives; text_offset starts at 0 and advances by token length.',
    source: 'vLLM `test_echo_logprob_completion`; llama.cpp #27174 (no prompt logprobs breaks loglikelihood evals); lm-evaluation-harness.',
    async run(ctx) {
      const res = await ctx.complete({ prompt: P, max_tokens: 4, temperature: 0, echo: true, logprobs: 1 });
      const lp = logprobsOf(res);
      const u = readUsage(res.body.usage, 'response');
      expectAligned(lp, res.text, undefined, 'echo logprobs');
      const want = u.prompt_tokens + u.completion_tokens;
      check(Math.abs(lp.tokens.length - want) <= 1, `${lp.tokens.length} logprob entries; prompt + completion is ${want} tokens`);
      check(lp.token_logprobs[0] === null, `token_logprobs[0] is ${JSON.stringify(lp.token_logprobs[0])}; the first prompt token has no prediction (null)`);
      check(lp.top_logprobs[0] === null, `top_logprobs[0] is ${JSON.stringify(lp.top_logprobs[0])}, expected null`);
      lp.token_logprobs.forEach((v, i) => {
        if (i > 0) check(typeof v === 'number' && v <= 1e-6, `token_logprobs[${i}] is ${JSON.stringify(v)}, expected a logprob <= 0`);
      });
      expectTopCounts(lp, 1, 1, 'echo logprobs');
      check(lp.text_offset[0] === 0, `text_offset[0] is ${lp.text_offset[0]}; with echo the text starts at the prompt (0)`);
      expectOffsets(lp, 'echo logprobs');
    },
  }),
  define({
    id: 'echo.max-tokens-zero',
    title: 'echo with max_tokens 0 scores the prompt without generating',
    level: 'SHOULD',
    feature: 'echo',
    optional: true,
    tags: ['logprobs'],
    sends: '`{"echo": true, "logprobs": 1, "max_tokens": 0}` (the lm-evaluation-harness loglikelihood request).',
    expects: 'HTTP 200, text == prompt, completion_tokens 0, logprobs for the prompt tokens (first one null).',
    source: 'vLLM `echo_without_generation`; lm-evaluation-harness#1411 (500 with echo).',
    async run(ctx) {
      const res = await ctx.complete({ prompt: P, max_tokens: 0, temperature: 0, echo: true, logprobs: 1 });
      expectSame(res.text, P, 'text');
      check(completionTokens(res) === 0, `completion_tokens is ${completionTokens(res)} with max_tokens 0`);
      const lp = logprobsOf(res);
      expectAligned(lp, res.text, undefined, 'prompt logprobs');
      check(lp.tokens.length >= 1, 'no logprob entries for the prompt');
      check(lp.token_logprobs[0] === null, `token_logprobs[0] is ${JSON.stringify(lp.token_logprobs[0])}, expected null`);
      check(lp.token_logprobs.slice(1).every((v) => typeof v === 'number'), 'a prompt token after the first has no logprob');
    },
  }),

  // ---- logprobs -----------------------------------------------------------------------------
  define({
    id: 'logprobs.absent-null',
    title: 'Without logprobs, choices carry "logprobs": null',
    level: 'MUST',
    feature: 'logprobs',
    exercises: false,
    sends: 'The main greedy request (no logprobs), the same with `"logprobs": null`, and a streamed one.',
    expects: 'Every choice and every chunk choice has `"logprobs": null`.',
    source: 'vLLM `test_no_logprobs`; TGW v1.14 returned `{"top_logprobs": [{}]}` when not asked (8aeaa763).',
    async run(ctx) {
      for (const res of [await greedy(ctx, P, 16), await ctx.complete({ prompt: P, max_tokens: 4, temperature: 0, logprobs: null })]) {
        res.choices.forEach((c, i) => check(c.logprobs === null, `choices[${i}].logprobs is ${JSON.stringify(c.logprobs)}, expected null`));
      }
      const s = await ctx.stream({ prompt: P, max_tokens: 4, temperature: 0 });
      s.chunks.forEach((chunk, n) => {
        for (const c of Array.isArray(chunk.choices) ? chunk.choices : []) {
          if (isObject(c)) check(c.logprobs === null, `chunk ${n}: logprobs is ${JSON.stringify(c.logprobs)}, expected null`);
        }
      });
    },
  }),
  define({
    id: 'logprobs.aligned',
    title: 'The logprobs arrays are aligned with the text',
    level: 'MUST',
    feature: 'logprobs',
    optional: true,
    sends: 'Greedy requests with `logprobs` 0, 1 and 5 (8 tokens).',
    expects:
      'The legacy object: tokens, token_logprobs, top_logprobs, text_offset of equal length == completion_tokens; tokens concatenate to the text; every token_logprob is finite and <= 0.',
    source: 'OpenAI legacy `logprobs` object; vLLM `test_zero_logprobs`/`test_some_logprobs`; llama.cpp #11346 (no legacy logprobs on /v1/completions).',
    async run(ctx) {
      for (const k of [0, 1, 5]) {
        const res = await withLogprobs(ctx, k);
        const lp = logprobsOf(res);
        expectAligned(lp, res.text, completionTokens(res), `logprobs ${k}`);
        lp.token_logprobs.forEach((v, i) => check(typeof v === 'number' && Number.isFinite(v) && v <= 1e-6, `logprobs ${k}: token_logprobs[${i}] is ${JSON.stringify(v)}, expected a finite logprob <= 0`));
      }
    },
  }),
  define({
    id: 'logprobs.top-count',
    title: 'top_logprobs has logprobs (or logprobs + 1) alternatives',
    level: 'MUST',
    feature: 'logprobs',
    optional: true,
    sends: 'Greedy requests with `logprobs` 0, 1 and 5.',
    expects: 'Every top_logprobs entry is an object of max(k,1) to k+1 {token: logprob} pairs, all <= 0.',
    source: 'OpenAI: "the API will always return the logprob of the sampled token, so there may be up to logprobs+1 elements"; TGW fb1b3b6d (an extra alternative).',
    async run(ctx) {
      for (const k of [0, 1, 5]) {
        const res = await withLogprobs(ctx, k);
        expectTopCounts(logprobsOf(res), k, 0, `logprobs ${k}`);
      }
    },
  }),
  define({
    id: 'logprobs.greedy-consistent',
    title: 'At temperature 0 the chosen token is the most likely one',
    level: 'SHOULD',
    feature: 'logprobs',
    optional: true,
    sends: 'A greedy request with `logprobs: 5`.',
    expects: 'At every position the token is in top_logprobs with its token_logprob, and no alternative is more likely (±1e-3).',
    source: 'Greedy decoding picks the argmax; the legacy format reports the sampled token among the alternatives.',
    async run(ctx) {
      const res = await withLogprobs(ctx, 5);
      const lp = logprobsOf(res);
      lp.tokens.forEach((tok, i) => {
        const top = lp.top_logprobs[i];
        const v = lp.token_logprobs[i];
        check(isObject(top) && typeof v === 'number', `position ${i} has no logprobs`);
        check(tok in top, `position ${i}: the chosen token ${q(tok)} is not among top_logprobs ${JSON.stringify(top)}`);
        check(Math.abs(top[tok]! - v) <= 1e-3, `position ${i}: top_logprobs gives ${q(tok)} ${top[tok]}, token_logprobs gives ${v}`);
        const best = Math.max(...Object.values(top));
        check(v >= best - 1e-3, `position ${i}: greedy chose ${q(tok)} (${v}) but ${JSON.stringify(top)} has a more likely token (${best})`);
      });
    },
  }),
  define({
    id: 'logprobs.distribution',
    title: 'Each top_logprobs entry is a possible distribution that agrees with token_logprobs',
    level: 'MUST',
    feature: 'logprobs',
    optional: true,
    sends: 'The greedy request with `logprobs: 5` (8 tokens) and a seeded temperature-1 request with `logprobs: 1` (16 tokens).',
    expects:
      'At every position the probabilities of top_logprobs sum to at most 1 (+1e-3: they are some of the outcomes of one distribution), and where the chosen token is among them its value equals token_logprobs (±1e-3).',
    source:
      'Log-probabilities of alternatives of one position are of one distribution; values scaled by a constant keep their order (and pass every ordering check) but can exceed a total of 1. Read in the legacy or the chat format (the format is logprobs.format\'s verdict).',
    async run(ctx) {
      const seed = PROBE_SEEDS[0];
      for (const [what, res] of [
        ['logprobs 5, greedy', await withLogprobs(ctx, 5)],
        [`logprobs 1, seed ${seed}`, await sampledWithLogprobs(ctx, seed)],
      ] as const) {
        const lp = anyLogprobsOf(res, what);
        lp.top.forEach((top, i) => {
          if (!isObject(top)) return;
          const m = mass(top);
          check(m <= 1 + 1e-3, `${what}: the alternatives of position ${i} ${JSON.stringify(top)} have probabilities summing to ${m.toFixed(4)} > 1`);
          const tok = lp.tokens[i]!;
          if (tok in top) check(near(top[tok], lp.logprobs[i]), `${what}: position ${i}: the alternatives give ${q(tok)} ${top[tok]}, the token's own logprob is ${lp.logprobs[i]}`);
        });
      }
    },
  }),
  define({
    id: 'logprobs.logit-bias-gap',
    title: 'The gap between two top_logprobs is the logit_bias that makes the second token win',
    level: 'SHOULD',
    feature: 'logprobs',
    optional: true,
    sends:
      'A greedy one-token request after "Once upon a time" with `{"logprobs": 5}`; then, for the listed alternative B with the largest gap g to the chosen token A (ids from the tokenizer), the same request without logprobs and with the integer `logit_bias` floor(g - 0.1) on B, then ceil(g + 0.1).',
    expects:
      'A with the smaller bias, B with the larger. Log-probabilities of one softmax differ by exactly the logit difference, which a bias on B crosses at g. Logprobs all multiplied by a constant keep their order and a total below 1 (so logprobs.distribution passes when the constant is above 1), but move g: with the constant 2 the smaller bias already makes B win.',
    source: 'OpenAI `logprobs` are log-probabilities of the model\'s distribution (log-softmax of its logits); `logit_bias` adds to those logits. Skipped without a tokenizer endpoint (the ids of A and B).',
    async run(ctx) {
      const p = await palette(ctx);
      const a = p.tokens[0];
      if (!a || a.text !== p.greedy) skip(`the chosen token ${q(p.greedy)} is not one token of the tokenizer, so it cannot be told apart from the others`);
      const b = p.tokens.slice(1).filter((t) => a.logprob - t.logprob < 99).at(-1);
      if (!b) skip('no listed alternative is one token of the tokenizer');
      const gap = a.logprob - b.logprob;
      const winner = async (bias: number) => (await ctx.complete({ prompt: p.prompt, max_tokens: 1, temperature: 0, logit_bias: { [String(b.id)]: bias } })).text;
      const [lo, hi] = [Math.max(0, Math.floor(gap - 0.1)), Math.ceil(gap + 0.1)];
      const pair = `${q(a.text)} (${a.logprob.toFixed(3)}) and ${q(b.text)} (${b.logprob.toFixed(3)}), gap ${gap.toFixed(3)}`;
      const atLo = await winner(lo);
      check(atLo === a.text, `logprobs ${pair}: a bias of ${lo} on ${q(b.text)} should leave ${q(a.text)} the greedy token, yet the answer is ${q(atLo)}: the logprobs overstate the gap`);
      const atHi = await winner(hi);
      check(atHi === b.text, `logprobs ${pair}: a bias of ${hi} on ${q(b.text)} should make it the greedy token, yet the answer is ${q(atHi)}: the logprobs understate the gap`);
      return `logprobs ${pair}: bias ${lo} leaves ${q(a.text)}, bias ${hi} gives ${q(b.text)}`;
    },
  }),
  define({
    id: 'logprobs.sampled-in-top',
    title: 'When sampling, the sampled token is always among top_logprobs',
    level: 'MUST',
    feature: 'logprobs',
    optional: true,
    sends: '`{"temperature": 1, "seed": s, "logprobs": 1, "max_tokens": 16}` for up to 3 probe seeds, until some sampled token is not the most likely one.',
    expects: 'At every position the sampled token is in top_logprobs (which then has up to 2 entries) with the value of token_logprobs (±1e-3). Skipped when every sampled token was the most likely one (the extra entry never needed).',
    source: 'OpenAI `logprobs`: "the API will always return the logprob of the sampled token, so there may be up to logprobs+1 elements in the response".',
    async run(ctx) {
      for (const seed of PROBE_SEEDS.slice(0, 3)) {
        const res = await sampledWithLogprobs(ctx, seed);
        const lp = anyLogprobsOf(res, `seed ${seed}`);
        check(lp.tokens.length === completionTokens(res), `seed ${seed}: ${lp.tokens.length} logprob entries for ${completionTokens(res)} completion tokens`);
        let below = -1;
        lp.tokens.forEach((tok, i) => {
          const top = lp.top[i];
          check(isObject(top) && tok in top, () => `seed ${seed}, position ${i}: the sampled token ${q(tok)} (logprob ${lp.logprobs[i]}) is not among the top alternatives ${JSON.stringify(top)}`);
          check(near(top[tok], lp.logprobs[i]), `seed ${seed}, position ${i}: the alternatives give ${q(tok)} ${top[tok]}, the token's own logprob is ${lp.logprobs[i]}`);
          if (below < 0 && top[tok]! < Math.max(...Object.values(top)) - 1e-6) below = i;
        });
        if (below >= 0) return `seed ${seed}: position ${below} sampled ${q(lp.tokens[below]!)}, not the most likely token, and it is listed`;
      }
      skip('every sampled token of 3 seeds was the most likely one, so a sampled token outside the top alternatives never came up');
    },
  }),
  define({
    id: 'logprobs.consistent',
    title: 'A position carries the same logprobs at any max_tokens and with echo',
    level: 'SHOULD',
    feature: 'logprobs',
    optional: true,
    sends: 'The greedy request with `logprobs: 1` at `max_tokens` 8 and 4, and at 8 with `echo: true`.',
    expects:
      'The 4-token answer\'s entries equal the first 4 of the 8-token one, and the echoed answer\'s completion entries (its last ones) equal the plain ones: the same tokens, token_logprobs and top_logprobs (±1e-3). The echo comparison is left out when echo is declined or ignored.',
    source: 'A logprob belongs to a position of the sequence, not to the request\'s length or echo; values that depend on them are wrong even when each answer is consistent in itself (vLLM PR #47815, llama.cpp #27174).',
    async run(ctx) {
      const ref = anyLogprobsOf(await withLogprobs(ctx, 1), 'max_tokens 8');
      const short = anyLogprobsOf(await withLogprobs(ctx, 1, 4), 'max_tokens 4');
      expectSamePositions(short, 0, ref, Math.min(4, short.tokens.length, ref.tokens.length), 'max_tokens 4 vs 8');
      const res = await ctx.post({ prompt: P, max_tokens: 8, temperature: 0, logprobs: 1, echo: true });
      const choice = res.status === 200 ? readChoices(res.json, 'response')[0] : undefined;
      if (!choice || choice.text !== P + ref.tokens.join('')) return `echo not compared (${choice ? 'the echoed text lacks the prompt' : `HTTP ${res.status}`})`;
      const echoed = readAnyLogprobs(choice.logprobs);
      if (!echoed) fail(`the echoed answer's logprobs ${q(JSON.stringify(choice.logprobs) ?? 'absent', 120)} are neither the legacy nor the chat format`);
      expectSamePositions(echoed, echoed.tokens.length - ref.tokens.length, ref, ref.tokens.length, 'with echo vs without');
    },
  }),
  define({
    id: 'logprobs.text-offset',
    title: 'text_offset advances by the length of each token',
    level: 'SHOULD',
    feature: 'logprobs',
    optional: true,
    sends: 'A greedy request with `logprobs: 1`.',
    expects: 'text_offset[i+1] - text_offset[i] == length of tokens[i] (characters); text_offset[0] is 0 or the prompt length (OpenAI counts from the start of the prompt).',
    source: 'vLLM `test_completion_text_offset`; llama-cpp-python#2 (OpenAI starts at the prompt length).',
    async run(ctx) {
      const res = await withLogprobs(ctx, 1);
      const lp = logprobsOf(res);
      const base = lp.text_offset[0];
      const plen = codePoints(P);
      check(base === 0 || base === plen, `text_offset[0] is ${base}; expected 0 or the prompt length ${plen}`);
      expectOffsets(lp, 'logprobs');
      return `offsets start at ${base === 0 ? '0' : 'the prompt length (OpenAI)'}`;
    },
  }),
  define({
    id: 'logprobs.stream',
    title: 'Streamed logprobs equal the non-streamed ones',
    level: 'SHOULD',
    feature: 'logprobs',
    optional: true,
    tags: ['stream'],
    sends: 'The `logprobs: 1` greedy request, streamed.',
    expects: 'Each chunk\'s logprobs cover exactly its text; concatenated, the four arrays equal the non-streamed ones (logprobs ±1e-4).',
    source: 'vLLM PR #47815 (streamed offsets with echo), `test_completion_text_offset`.',
    async run(ctx) {
      const ref = logprobsOf(await withLogprobs(ctx, 1));
      const res = await ctx.stream({ prompt: P, max_tokens: 8, temperature: 0, logprobs: 1 });
      const all: LogprobsView = { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] };
      res.chunks.forEach((chunk, n) => {
        for (const c of Array.isArray(chunk.choices) ? chunk.choices : []) {
          if (!isObject(c)) continue;
          if (c.logprobs === null && c.text === '') continue;
          const lp = readLogprobs(c.logprobs, `chunk ${n}`);
          check(lp.tokens.join('') === c.text, `chunk ${n}: logprobs tokens ${JSON.stringify(lp.tokens)} do not make up its text ${q(String(c.text))}`);
          all.tokens.push(...lp.tokens);
          all.token_logprobs.push(...lp.token_logprobs);
          all.top_logprobs.push(...lp.top_logprobs);
          all.text_offset.push(...lp.text_offset);
        }
      });
      check(JSON.stringify(all.tokens) === JSON.stringify(ref.tokens), `streamed tokens ${JSON.stringify(all.tokens)} != non-streamed ${JSON.stringify(ref.tokens)}`);
      check(JSON.stringify(all.text_offset) === JSON.stringify(ref.text_offset), `streamed text_offset ${JSON.stringify(all.text_offset)} != non-streamed ${JSON.stringify(ref.text_offset)}`);
      all.token_logprobs.forEach((v, i) => {
        const r = ref.token_logprobs[i];
        check(v === r || (typeof v === 'number' && typeof r === 'number' && Math.abs(v - r) <= 1e-4), `token_logprobs[${i}]: streamed ${v}, non-streamed ${r}`);
      });
      all.top_logprobs.forEach((t, i) => {
        const r = ref.top_logprobs[i];
        const keys = (o: unknown) => (isObject(o) ? Object.keys(o).sort().join('\u0000') : String(o));
        check(keys(t) === keys(r), `top_logprobs[${i}]: streamed ${JSON.stringify(t)}, non-streamed ${JSON.stringify(r)}`);
      });
    },
  }),
  define({
    id: 'logprobs.negative',
    title: 'logprobs -1 is rejected',
    level: 'MUST',
    feature: 'logprobs',
    exercises: false,
    sends: '`{"logprobs": -1}`',
    expects: 'HTTP 400 with an error envelope.',
    source: 'OpenAI `logprobs` minimum 0; vLLM `check_logprobs`.',
    async run(ctx) {
      expect400(ctx, await ctx.rejects({ prompt: P, max_tokens: 2, logprobs: -1 }, 'logprobs -1'), 'logprobs -1');
    },
  }),
  define({
    id: 'logprobs.limit',
    title: 'logprobs above 5 is rejected',
    level: 'MUST',
    strictOnly: true,
    feature: 'logprobs',
    exercises: false,
    sends: '`{"logprobs": 6}`',
    expects: 'HTTP 400 (strict). vLLM accepts up to 20 and TGW has no bound, so in compat this is INFO.',
    source: 'OpenAI `logprobs` maximum 5.',
    async run(ctx) {
      expect400(ctx, await ctx.rejects({ prompt: P, max_tokens: 2, logprobs: 6 }, 'logprobs 6'), 'logprobs 6');
    },
  }),
  define({
    id: 'logprobs.format',
    title: 'logprobs use the legacy completions format, not the chat format',
    level: 'INFO',
    feature: 'logprobs',
    optional: true,
    sends: 'A greedy request with `logprobs: 1`.',
    expects: 'No `logprobs.content` array (the chat-completions format that llama.cpp returns on /v1/completions).',
    source: 'llama.cpp `to_json_oaicompat`; llama.cpp #6423, #10733.',
    async run(ctx) {
      const res = await withLogprobs(ctx, 1);
      const lp = res.choices[0]?.logprobs;
      if (isObject(lp) && Array.isArray(lp.content)) fail('logprobs is in the chat format {"content": [...]}');
      check(isObject(lp) && Array.isArray(lp.tokens), `logprobs is ${q(JSON.stringify(lp), 120)}`);
    },
  }),
];
