/**
 * `stop`: every expectation is cut out of the server's own greedy answer T (24 tokens):
 * a stop string S taken from T must end the text right before S's first occurrence.
 */
import type { CheckContext } from './context.js';
import { define, expect400, expectSame, finishOf } from './helpers.js';
import { q } from './observed.js';
import { longText, tokenizedText, type LongText } from './oracles.js';
import { check, skip } from './outcome.js';
import type { CheckDef } from './types.js';

/** A stop string no model writes (used where a stop must never match). */
export const NEVER = '⟪conformance-unused⟫';
/** Appended to a real prefix so the stop string can never complete. */
const MARK = '⟪⟫';

/** Whether `s` is usable as a stop string: some non-space character, no replacement character. */
function usable(s: string): boolean {
  return s.trim() !== '' && !s.includes('\uFFFD');
}

/**
 * A `len`-character window of `text` whose first occurrence starts at its position,
 * searched from `from` towards the end, then backwards; never at position 0.
 */
export function firstWindow(text: string, from: number, len: number, min = 1): { s: string; at: number } | undefined {
  const order: number[] = [];
  for (let p = Math.max(from, min); p + len <= text.length; p++) order.push(p);
  for (let p = Math.min(from, text.length - len) - 1; p >= min; p--) order.push(p);
  for (const p of order) {
    const s = text.slice(p, p + len);
    if (usable(s) && text.indexOf(s) === p) return { s, at: p };
  }
  return undefined;
}

/** The stop string of stop.string and stop.stream: a 4-character window from the middle of T. */
async function middleStop(ctx: CheckContext): Promise<{ t: LongText; s: string; expected: string }> {
  const t = await longText(ctx);
  const w = firstWindow(t.text, Math.floor(t.text.length / 2), 4);
  if (!w) skip(`no 4-character window of the greedy answer ${q(t.text)} makes a stop string`);
  return { t, s: w.s, expected: t.text.slice(0, w.at) };
}

/** Sends T's request with `stop` and checks the cut. */
async function expectCut(ctx: CheckContext, t: LongText, stop: string | string[], expected: string, what: string): Promise<void> {
  const res = await ctx.complete({ prompt: t.prompt, max_tokens: t.maxTokens, temperature: 0, stop });
  const list = Array.isArray(stop) ? stop : [stop];
  for (const s of list) check(!res.text.includes(s), () => `${what}: the text ${q(res.text)} contains the stop string ${q(s)}`);
  expectSame(res.text, expected, `${what} (stop ${JSON.stringify(stop)})`);
  check(finishOf(res) === 'stop', `${what}: finish_reason is ${JSON.stringify(finishOf(res))}, expected "stop"`);
}

export const stopChecks: CheckDef[] = [
  define({
    id: 'stop.string',
    title: 'A stop string ends the text before it',
    level: 'MUST',
    feature: 'stop',
    sends: 'The greedy request of a 24-token answer T again, with `stop` set to a 4-character string S cut from the middle of T.',
    expects: 'text == T up to the first occurrence of S (S itself excluded), finish_reason "stop".',
    source: 'OpenAI `stop`: "The returned text will not contain the stop sequence."',
    async run(ctx) {
      const { t, s, expected } = await middleStop(ctx);
      await expectCut(ctx, t, s, expected, 'string stop');
    },
  }),
  define({
    id: 'stop.array',
    title: 'The array form of stop works',
    level: 'MUST',
    feature: 'stop',
    sends: '`stop: [<a string that never occurs>, S]` with S cut from a third of the way into T.',
    expects: 'text == T up to the first occurrence of S, finish_reason "stop".',
    source: 'OpenAI `StopConfiguration`: a string or an array of up to 4 strings.',
    async run(ctx) {
      const t = await longText(ctx);
      const w = firstWindow(t.text, Math.floor(t.text.length / 3), 4);
      if (!w) skip(`no usable window in ${q(t.text)}`);
      await expectCut(ctx, t, [NEVER, w.s], t.text.slice(0, w.at), 'array stop');
    },
  }),
  define({
    id: 'stop.every-position',
    title: 'A stop string is honoured at every position of a 4-string array',
    level: 'MUST',
    feature: 'stop',
    sends: '`stop` arrays of 4 strings: S (cut from a third of the way into T) at positions 0, 2 and 3, the other entries strings that never occur (position 1 is stop.array\'s).',
    expects: 'Each time text == T up to the first occurrence of S, finish_reason "stop".',
    source: 'OpenAI `StopConfiguration`: up to 4 sequences, each of which ends the text; a server that reads one entry (the first, the last) passes a check that always puts the match in the same place.',
    async run(ctx) {
      const t = await longText(ctx);
      const w = firstWindow(t.text, Math.floor(t.text.length / 3), 4);
      if (!w) skip(`no usable window in ${q(t.text)}`);
      for (const at of [0, 2, 3]) {
        const stop = [1, 2, 3].map((n) => NEVER.replace('⟫', `-${n}⟫`));
        stop.splice(at, 0, w.s);
        await expectCut(ctx, t, stop, t.text.slice(0, w.at), `stop at position ${at}`);
      }
    },
  }),
  define({
    id: 'stop.earliest-match',
    title: 'Several stops: the text ends at the earliest match, not the first listed',
    level: 'SHOULD',
    feature: 'stop',
    sends:
      'Two requests. (a) `stop: [S1, S2]` where S2 = T[p..p+6] and S1 = its last 3 characters, so both complete on the same character and S2 starts first. (b) when T allows it, `stop: [S1, S2]` with S1 occurring only after S2.',
    expects: 'Both times text == T up to the start of S2.',
    source: 'TGW `apply_stopping_strings` cuts at the first list entry found, not at the earliest position (api-anchors §6).',
    async run(ctx) {
      const t = await longText(ctx);
      const T = t.text;
      let ran = 0;
      // (a) S1 is a suffix of S2: both complete together, S2 starts earlier.
      for (let p = 1; p + 6 <= T.length; p++) {
        const s2 = T.slice(p, p + 6);
        const s1 = T.slice(p + 3, p + 6);
        if (usable(s1) && usable(s2) && T.indexOf(s2) === p && T.indexOf(s1) === p + 3) {
          await expectCut(ctx, t, [s1, s2], T.slice(0, p), 'overlapping stops');
          ran++;
          break;
        }
      }
      // (b) disjoint: S2 early, S1 later and not before.
      const w2 = firstWindow(T, Math.floor(T.length / 4), 4);
      if (w2) {
        for (let p = w2.at + 4; p + 4 <= T.length; p++) {
          const s1 = T.slice(p, p + 4);
          if (usable(s1) && T.indexOf(s1) === p) {
            await expectCut(ctx, t, [s1, w2.s], T.slice(0, w2.at), 'disjoint stops');
            ran++;
            break;
          }
        }
      }
      if (ran === 0) skip(`the greedy answer ${q(T)} is too repetitive to place two stop strings`);
      if (ran === 1) return 'only one of the two cases fits this model\'s answer';
    },
  }),
  define({
    id: 'stop.inside-token',
    title: 'A stop string inside a single token is found',
    level: 'SHOULD',
    feature: 'stop',
    sends: 'A stop string made of the 2nd and 3rd characters of one token of T (token boundaries from logprobs or the tokenizer).',
    expects: 'text == T up to that point (cut in the middle of a token), finish_reason "stop".',
    source: 'Stop strings are text, not tokens (OpenAI); servers that compare whole tokens miss them.',
    async run(ctx) {
      const t = await tokenizedText(ctx);
      let offset = 0;
      for (let i = 0; i < t.tokens.length; i++) {
        const tok = t.tokens[i]!;
        const s = tok.slice(1, 3);
        if (i > 0 && tok.length >= 4 && usable(s) && t.text.indexOf(s) === offset + 1) {
          await expectCut(ctx, t, s, t.text.slice(0, offset + 1), 'stop inside a token');
          return `stop ${q(s)} inside token ${q(tok)} (${t.via})`;
        }
        offset += tok.length;
      }
      skip(`no token of 4 or more characters in ${q(t.text)} to cut a stop string from`);
    },
  }),
  define({
    id: 'stop.across-tokens',
    title: 'A stop string spanning two tokens is found',
    level: 'SHOULD',
    feature: 'stop',
    sends: 'A stop string made of the last 2 characters of one token of T and the first 2 of the next.',
    expects: 'text == T up to the start of that string, finish_reason "stop".',
    source: 'Stop strings that span a token boundary must still match (SharpAI/SwiftLM#126).',
    async run(ctx) {
      const t = await tokenizedText(ctx);
      let offset = 0;
      for (let i = 0; i + 1 < t.tokens.length; i++) {
        const a = t.tokens[i]!;
        const b = t.tokens[i + 1]!;
        offset += a.length;
        const s = a.slice(-2) + b.slice(0, 2);
        if (i > 0 && a.length >= 2 && b.length >= 2 && usable(s) && t.text.indexOf(s) === offset - 2) {
          await expectCut(ctx, t, s, t.text.slice(0, offset - 2), 'stop across tokens');
          return `stop ${q(s)} across ${q(a)} + ${q(b)} (${t.via})`;
        }
      }
      skip(`no pair of adjacent 2+ character tokens in ${q(t.text)}`);
    },
  }),
  define({
    id: 'stop.stream',
    title: 'Streaming with a stop string neither leaks it nor loses text',
    level: 'MUST',
    feature: 'stop',
    tags: ['stream'],
    sends: 'stop.string\'s request with `stream: true`.',
    expects: 'The concatenated chunk text equals the non-streamed cut, no chunk contains S, one finish_reason "stop".',
    source: 'vllm#3574 (tokens of a stop string emitted while streaming); llama.cpp PR #9867 (text lost with stop strings); llama.cpp issue #13780.',
    async run(ctx) {
      const { t, s, expected } = await middleStop(ctx);
      const res = await ctx.stream({ prompt: t.prompt, max_tokens: t.maxTokens, temperature: 0, stop: s });
      const text = res.text(0);
      check(!text.includes(s), () => `the streamed text ${q(text)} contains the stop string ${q(s)}`);
      expectSame(text, expected, `streamed text (stop ${JSON.stringify(s)})`);
      const finishes = res.finishes(0);
      check(finishes.length === 1 && finishes[0]!.reason === 'stop', `finish_reason values ${JSON.stringify(finishes.map((f) => f.reason))}, expected one "stop"`);
    },
  }),
  define({
    id: 'stop.partial-match',
    title: 'Text held back as a possible stop is released when the stop does not complete',
    level: 'MUST',
    feature: 'stop',
    tags: ['stream'],
    sends:
      'T\'s request with two stop strings that never complete: 3 characters from the middle of T and the last 3 characters of T, each followed by characters the model never writes. Streamed and not streamed.',
    expects: 'Both answers equal T exactly, with T\'s finish_reason.',
    source: 'llama.cpp PR #9867 ("fix the disappearance of the end of the text when streaming with stop strings") and PR #15007.',
    async run(ctx) {
      const t = await longText(ctx);
      const mid = firstWindow(t.text, Math.floor(t.text.length / 2), 3);
      const tail = t.text.slice(-3);
      const stop = [...(mid ? [mid.s + MARK] : []), tail + MARK];
      const fields = { prompt: t.prompt, max_tokens: t.maxTokens, temperature: 0, stop };
      const plain = await ctx.complete(fields);
      expectSame(plain.text, t.text, `non-streamed text with stop ${JSON.stringify(stop)}`);
      check(finishOf(plain) === t.finish, `non-streamed finish_reason ${JSON.stringify(finishOf(plain))}, expected ${JSON.stringify(t.finish)}`);
      const streamed = await ctx.stream(fields);
      expectSame(streamed.text(0), t.text, `streamed text with stop ${JSON.stringify(stop)}`);
      const finishes = streamed.finishes(0);
      check(finishes.length === 1 && finishes[0]!.reason === t.finish, `streamed finish_reason values ${JSON.stringify(finishes.map((f) => f.reason))}, expected ${JSON.stringify(t.finish)}`);
    },
  }),
  define({
    id: 'stop.at-max-tokens',
    title: 'A stop completed by the last allowed token gives finish_reason "stop"',
    level: 'SHOULD',
    feature: 'stop',
    sends: 'max_tokens k and `stop` = the text of T\'s k-th token (first occurring there).',
    expects: 'text == T up to that token, finish_reason "stop" (the stop matched; the budget did not run out).',
    source: 'llama.cpp PR #7198 and other finish_reason bugs (api-anchors §9.8).',
    async run(ctx) {
      const t = await tokenizedText(ctx);
      let offset = 0;
      for (let i = 0; i < t.tokens.length; i++) {
        const tok = t.tokens[i]!;
        if (i >= 2 && tok.trim().length >= 2 && usable(tok) && t.text.indexOf(tok) === offset) {
          const res = await ctx.complete({ prompt: t.prompt, max_tokens: i + 1, temperature: 0, stop: tok });
          expectSame(res.text, t.text.slice(0, offset), `max_tokens ${i + 1} with stop ${q(tok)}`);
          check(finishOf(res) === 'stop', `the stop string completed on the last allowed token (max_tokens ${i + 1}) but finish_reason is ${JSON.stringify(finishOf(res))}, expected "stop"`);
          return `stop ${q(tok)} = token ${i + 1} of ${t.tokens.length}`;
        }
        offset += tok.length;
      }
      skip(`no token of T ${q(t.text)} first occurs at its own position`);
    },
  }),
  define({
    id: 'stop.limit',
    title: 'More than 4 stop strings are rejected',
    level: 'MUST',
    strictOnly: true,
    feature: 'stop',
    exercises: false,
    sends: '`stop` with 5 strings.',
    expects: 'HTTP 400 with an error envelope (strict). TGW, llama.cpp and vLLM accept any number, so in the compat profile this is INFO.',
    source: 'OpenAI `StopConfiguration`: "Up to 4 sequences" (maxItems 4).',
    async run(ctx) {
      const stop = ['⟪1⟫', '⟪2⟫', '⟪3⟫', '⟪4⟫', '⟪5⟫'];
      expect400(ctx, await ctx.rejects({ prompt: 'Hello', max_tokens: 2, stop }, '5 stop strings'), '5 stop strings');
    },
  }),
];
