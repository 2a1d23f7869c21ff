/**
 * Views of what a server sent, read defensively: a server under test may send anything, so
 * these accessors check each field they return instead of trusting a type.
 */
import { fail } from './outcome.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** The legacy completions logprobs object. */
export interface LogprobsView {
  tokens: string[];
  token_logprobs: (number | null)[];
  top_logprobs: (Record<string, number> | null)[];
  text_offset: number[];
}

export interface ChoiceView {
  text: string;
  index: number;
  finish_reason: unknown;
  /** The raw `logprobs` value (null, absent, or whatever the server sent). */
  logprobs: unknown;
  raw: JsonObject;
}

export interface UsageView {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads the choices of a completion or chunk; fails when they are not choices at all. */
export function readChoices(body: unknown, what: string): ChoiceView[] {
  if (!isObject(body)) fail(`${what} is not a JSON object`);
  const choices = body.choices;
  if (!Array.isArray(choices)) fail(`${what} has no "choices" array`);
  return choices.map((c, i) => {
    if (!isObject(c)) fail(`${what}: choices[${i}] is not an object`);
    if (typeof c.text !== 'string') fail(`${what}: choices[${i}].text is not a string (${JSON.stringify(c.text)})`);
    if (typeof c.index !== 'number') fail(`${what}: choices[${i}].index is not a number (${JSON.stringify(c.index)})`);
    return { text: c.text, index: c.index, finish_reason: c.finish_reason, logprobs: c.logprobs, raw: c };
  });
}

/** Reads a usage object; fails unless it has the three non-negative integer counts. */
export function readUsage(value: unknown, what: string): UsageView {
  if (!isObject(value)) fail(`${what}: "usage" is missing or not an object (${JSON.stringify(value)})`);
  for (const key of ['prompt_tokens', 'completion_tokens', 'total_tokens'] as const) {
    const n = value[key];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
      fail(`${what}: usage.${key} is not a non-negative integer (${JSON.stringify(n)})`);
    }
  }
  return value as unknown as UsageView;
}

/** Reads a legacy logprobs object; fails with the first way it is malformed. */
export function readLogprobs(value: unknown, what: string): LogprobsView {
  if (!isObject(value)) fail(`${what}: logprobs is ${JSON.stringify(value)}, expected the legacy logprobs object`);
  if (Array.isArray(value.content)) {
    fail(`${what}: logprobs is in the chat format ({"content": [...]}), not the legacy completions format (tokens, token_logprobs, top_logprobs, text_offset)`);
  }
  const { tokens, token_logprobs, top_logprobs, text_offset } = value;
  if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === 'string')) fail(`${what}: logprobs.tokens is not an array of strings`);
  if (!Array.isArray(token_logprobs) || !token_logprobs.every((t) => t === null || typeof t === 'number')) {
    fail(`${what}: logprobs.token_logprobs is not an array of numbers`);
  }
  if (!Array.isArray(top_logprobs) || !top_logprobs.every((t) => t === null || (isObject(t) && Object.values(t).every((v) => typeof v === 'number')))) {
    fail(`${what}: logprobs.top_logprobs is not an array of {token: logprob} objects`);
  }
  if (!Array.isArray(text_offset) || !text_offset.every((t) => typeof t === 'number')) fail(`${what}: logprobs.text_offset is not an array of numbers`);
  return value as unknown as LogprobsView;
}

/**
 * The per-token facts both logprobs formats carry: the legacy completions object (tokens,
 * token_logprobs, top_logprobs) and the chat format `{"content": [{token, logprob,
 * top_logprobs: [{token, logprob}]}]}` that llama.cpp also sends on /v1/completions.
 */
export interface TokenLogprobs {
  format: 'legacy' | 'chat';
  tokens: string[];
  /** Log-probability of each chosen token (null where the server gives none). */
  logprobs: (number | null)[];
  /**
   * The top alternatives of each position, text -> logprob. Alternatives that decode to the
   * same text are merged (their probabilities added): a sample is compared as text.
   */
  top: (Record<string, number> | null)[];
}

/**
 * Reads logprobs in either format, for checks that only need token texts and probabilities
 * (the format itself is checked by logprobs.format). Undefined when the value is neither.
 */
export function readAnyLogprobs(value: unknown): TokenLogprobs | undefined {
  if (!isObject(value)) return undefined;
  if (Array.isArray(value.content)) {
    const tokens: string[] = [];
    const logprobs: (number | null)[] = [];
    const top: (Record<string, number> | null)[] = [];
    for (const entry of value.content) {
      if (!isObject(entry) || typeof entry.token !== 'string') return undefined;
      tokens.push(entry.token);
      logprobs.push(typeof entry.logprob === 'number' ? entry.logprob : null);
      if (!Array.isArray(entry.top_logprobs)) {
        top.push(null);
        continue;
      }
      const merged: Record<string, number> = {};
      for (const alt of entry.top_logprobs) {
        if (!isObject(alt) || typeof alt.token !== 'string' || typeof alt.logprob !== 'number') return undefined;
        const before = merged[alt.token];
        merged[alt.token] = before === undefined ? alt.logprob : Math.log(Math.exp(before) + Math.exp(alt.logprob));
      }
      top.push(merged);
    }
    return { format: 'chat', tokens, logprobs, top };
  }
  try {
    const lp = readLogprobs(value, 'logprobs');
    return { format: 'legacy', tokens: lp.tokens, logprobs: lp.token_logprobs, top: lp.top_logprobs };
  } catch {
    return undefined;
  }
}

/** Number of Unicode code points (OpenAI counts text offsets in characters). */
export function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** A short quoted excerpt of a string for messages. */
export function q(text: string, max = 80): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}
