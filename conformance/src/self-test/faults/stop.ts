/**
 * Faults of stop strings.
 */
import { parseCompletionRequest } from '@textgen-spec/spec';
import { isObject, isCompletion, choices, restream, streamText } from './helpers.js';
import type { Fault, JsonObject, ProxyRequest } from './types.js';

/**
 * The stop strings of a request as the spec resolves them (string or list, empty strings
 * dropped); none when the body is not a valid compat-profile request.
 */
function stopList(body: JsonObject): string[] {
  const parsed = parseCompletionRequest(body, { profile: 'compat' });
  return parsed.ok ? parsed.value.stop : [];
}

/**
 * A stop fault: the request goes upstream without `stop`, and `cut` decides the text
 * (and whether it ended on a stop) from the full answer and the stop list.
 */
function stopFault(
  name: string,
  description: string,
  targets: string[],
  cut: (text: string, stops: string[], tokens: string[] | undefined) => string | undefined,
  options: { needTokens?: boolean; streamOnly?: boolean } = {},
): Fault {
  // State of this fault (FAULTS lives for the whole self-test): the stop strings removed from
  // each request, keyed by its rewritten body, for the response and stream hooks.
  const stopsOf = new WeakMap<object, { stops: string[]; logprobs: boolean }>();
  const apply = (text: string, req: ProxyRequest, tokens?: string[]) => {
    const info = isObject(req.body) ? stopsOf.get(req.body) : undefined;
    if (!info || info.stops.length === 0) return undefined;
    return cut(text, info.stops, tokens);
  };
  return {
    name,
    description,
    targets,
    request(req) {
      if (!isCompletion(req)) return;
      const stops = stopList(req.body);
      if (stops.length === 0 || (options.streamOnly && req.body.stream !== true)) return;
      const body = structuredClone(req.body);
      delete body.stop;
      const hadLogprobs = typeof body.logprobs === 'number';
      if (options.needTokens && !hadLogprobs) body.logprobs = 0;
      stopsOf.set(body, { stops, logprobs: hadLogprobs });
      return { ...req, body };
    },
    response(body, req) {
      const info = isObject(req.body) ? stopsOf.get(req.body) : undefined;
      for (const c of choices(body)) {
        const lp = isObject(c.logprobs) ? c.logprobs : undefined;
        const tokens = lp && Array.isArray(lp.tokens) ? (lp.tokens as string[]) : undefined;
        const text = apply(String(c.text), req, tokens);
        if (text !== undefined) {
          c.text = text;
          c.finish_reason = 'stop';
        }
        if (info && options.needTokens && !info.logprobs) c.logprobs = null;
      }
      return body;
    },
    events(items, req) {
      const text = apply(streamText(items), req);
      return text === undefined ? items : restream(items, text, 'stop');
    },
  };
}

/** Stop strings, in catalogue order. */
export const STOP_FAULTS: readonly Fault[] = [
  // -- stop -----------------------------------------------------------------------------------------
  stopFault(
    'stop-string-leaked',
    'The matched stop string is left in the text (a classic of hand-written stop handling).',
    ['stop.string', 'stop.array', 'stop.stream'],
    (text, stops) => {
      let best: { at: number; s: string } | undefined;
      for (const s of stops) {
        const at = text.indexOf(s);
        if (at >= 0 && (!best || at < best.at)) best = { at, s };
      }
      return best ? text.slice(0, best.at + best.s.length) : undefined;
    },
  ),
  stopFault('stop-list-order', 'The text is cut at the first stop string of the list that occurs, not at the earliest match (TGW `apply_stopping_strings`).', ['stop.earliest-match'], (text, stops) => {
    for (const s of stops) {
      const at = text.indexOf(s);
      if (at >= 0) return text.slice(0, at);
    }
    return undefined;
  }),
  stopFault(
    'stop-whole-tokens-only',
    'A stop string is only recognised when it equals a whole generated token.',
    ['stop.inside-token', 'stop.across-tokens'],
    (text, stops, tokens) => {
      if (!tokens) return undefined;
      let offset = 0;
      for (const tok of tokens) {
        if (stops.includes(tok)) return text.slice(0, offset);
        offset += tok.length;
      }
      return text;
    },
    { needTokens: true },
  ),
  stopFault(
    'stop-holdback-lost',
    'While streaming, text held back as a possible start of a stop string is dropped when the stop does not complete (llama.cpp PR #9867).',
    ['stop.partial-match'],
    (text, stops) => {
      let out = text;
      for (const s of stops) {
        const at = out.indexOf(s);
        if (at >= 0) out = out.slice(0, at);
      }
      // Drop every held-back tail: the longest suffix that is a proper prefix of a stop.
      for (const s of stops) {
        for (let k = Math.min(s.length - 1, out.length); k > 0; k--) {
          if (out.endsWith(s.slice(0, k))) {
            out = out.slice(0, out.length - k);
            break;
          }
        }
      }
      return out;
    },
    { streamOnly: true },
  ),
  stopFault(
    'stop-one-position',
    'Of a `stop` array only the entry at index 1 is honoured (a server that reads one slot of the list; the string form works).',
    ['stop.every-position'],
    (text, stops) => {
      const honoured = stops.length === 1 ? stops[0]! : stops[1];
      const at = honoured === undefined ? -1 : text.indexOf(honoured);
      return at >= 0 ? text.slice(0, at) : text;
    },
  ),
  {
    name: 'stop-at-limit-is-length',
    description: 'A stop string completed by the last allowed token is reported as finish_reason "length".',
    targets: ['stop.at-max-tokens'],
    response: (b, req) => {
      const max = isObject(req.body) ? req.body.max_tokens : undefined;
      if (isObject(b.usage) && b.usage.completion_tokens === max) for (const c of choices(b)) if (c.finish_reason === 'stop') c.finish_reason = 'length';
      return b;
    },
  },
];
