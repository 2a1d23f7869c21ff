/**
 * Keeps each check's `sends:` text honest: the request parameters it names (inside
 * backticks, as `"key": value` or `key: value`) must appear in the requests the check
 * actually sent, with the literal value the text gives, when it gives one.
 */
import { isDeepStrictEqual } from 'node:util';
import { getSchema } from '@textgen-spec/spec';

/** A parameter named by a `sends:` text, with the literal value given for it (if any). */
export interface Mention {
  param: string;
  value?: unknown;
}

/** The request parameters of `POST /v1/completions`, from the spec's schema. */
export const REQUEST_PARAMS: ReadonlySet<string> = new Set(Object.keys(getSchema('completion-request', 'compat').properties as object));

/**
 * A JSON literal at the start of `text` (number, string, boolean, null, flat array), or
 * undefined; a string in angle brackets (`"<id>"`) is a placeholder, not a literal.
 */
function literalAt(text: string): unknown {
  const m = /^\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:e-?\d+)?|true|false|null|\[[^\][]*\])/.exec(text);
  if (!m) return undefined;
  try {
    const value = JSON.parse(m[1]!) as unknown;
    return typeof value === 'string' && /^<.*>$/.test(value) ? undefined : value;
  } catch {
    return undefined;
  }
}

/** The parameters (and literal values) a `sends:` text names inside backticks. */
export function mentions(sends: string, params: ReadonlySet<string> = REQUEST_PARAMS): Mention[] {
  const found: Mention[] = [];
  for (const [, code] of sends.matchAll(/`([^`]+)`/g)) {
    for (const m of code!.matchAll(/"?\b([a-z_]+)\b"?\s*:/g)) {
      const param = m[1]!;
      if (!params.has(param)) continue;
      const value = literalAt(code!.slice(m.index! + m[0].length));
      found.push(value === undefined ? { param } : { param, value });
    }
  }
  return found;
}

/**
 * The mentions no request body bears out, described; [] when the text and the requests
 * agree. A raw body (a string: the malformed-JSON checks) carries the parameters whose
 * quoted names it contains.
 */
export function disagreements(sends: string, sent: readonly (Record<string, unknown> | string)[]): string[] {
  const out: string[] = [];
  const bodies = sent.filter((b) => typeof b !== 'string');
  const raw = sent.filter((b) => typeof b === 'string');
  for (const m of mentions(sends)) {
    const carrying = bodies.filter((b) => m.param in b);
    if (carrying.length === 0 && raw.some((text) => text.includes(`"${m.param}"`))) continue;
    if (carrying.length === 0) out.push(`names ${m.param}, which no request carried`);
    else if ('value' in m && !carrying.some((b) => isDeepStrictEqual(b[m.param], m.value))) {
      out.push(`says ${m.param} ${JSON.stringify(m.value)}, the requests sent ${[...new Set(carrying.map((b) => JSON.stringify(b[m.param])))].join(', ')}`);
    }
  }
  return out;
}
