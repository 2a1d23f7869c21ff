/**
 * Benign variations: what the specs allow a server to send differently. The self-test runs
 * checks through each of them and requires that none fails or errs: a conformance runner
 * that fails a server for these would fail correct servers it has not met yet.
 *
 * They use the fault proxy's hooks, but they are not faults: they are not in FAULTS, have
 * no targets, and must never change a verdict.
 */
import { isObject } from './helpers.js';
import type { Fault, JsonObject } from './types.js';

/** A variation: a proxy rewrite that must change no verdict, and which checks it can touch. */
export interface Variation extends Fault {
  /** The checks it is run with: those that read streams, or every check. */
  scope: 'stream' | 'all';
}

/** A copy of a JSON value with every object's keys in reverse order. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversed(v)]));
}

/** A copy with an extra member in every object that has an `id`, a `text` or a `message` (responses, chunks, choices, errors). */
function withExtras(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withExtras);
  if (!isObject(value)) return value;
  const out: JsonObject = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withExtras(v)]));
  if ('id' in out || 'text' in out || 'message' in out) out.x_vendor_extra = { note: 'an extension member', n: 1 };
  return out;
}

/** Splits bytes into pieces of 1 to 7 bytes, cutting anywhere (inside a UTF-8 character too). */
function ragged(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, n = 0; at < bytes.length; n++) {
    const len = 1 + ((n * 5) % 7);
    out.push(bytes.subarray(at, at + len));
    at += len;
  }
  return out;
}

const json = (transform: (v: unknown) => unknown): Pick<Fault, 'response' | 'error' | 'item'> => ({
  response: (b) => transform(b) as JsonObject,
  error: (status, body) => ({ status, body: transform(body) }),
  item: (i) => (typeof i === 'string' ? i : (transform(i) as JsonObject)),
});

/** Pretty-printed JSON data over several `data:` lines (the client joins them with newlines). */
function prettyFrame(data: string): string {
  const text = data === '[DONE]' ? data : JSON.stringify(JSON.parse(data) as unknown, null, 2);
  return `${text
    .split('\n')
    .map((l) => `data: ${l}`)
    .join('\n')}\n\n`;
}

export const BENIGN_VARIATIONS: readonly Variation[] = [
  { name: 'crlf', description: 'SSE lines end in CRLF.', targets: [], scope: 'stream', frame: (d) => `data: ${d}\r\n\r\n` },
  { name: 'data-no-space', description: '`data:` without the optional space.', targets: [], scope: 'stream', frame: (d) => `data:${d}\n\n` },
  { name: 'sse-comments', description: 'Comment lines (keep-alives) between and before events.', targets: [], scope: 'stream', frame: (d) => `: keep-alive\n\ndata: ${d}\n: ping\n\n` },
  { name: 'event-message', description: 'Each event carries an `event: message` line (the default type, spelled out).', targets: [], scope: 'stream', frame: (d) => `event: message\ndata: ${d}\n\n` },
  { name: 'split-writes', description: 'Events split across writes of 1 to 7 bytes, also inside UTF-8 characters.', targets: [], scope: 'stream', pieces: ragged },
  { name: 'extra-fields', description: 'An extra member in every response, chunk, choice and error object.', targets: [], scope: 'all', ...json(withExtras) },
  { name: 'reordered-keys', description: 'Every object\'s keys in reverse order.', targets: [], scope: 'all', ...json(reversed) },
  {
    name: 'pretty-json',
    description: 'JSON pretty-printed: bodies over several lines, stream events as several `data:` lines.',
    targets: [],
    scope: 'all',
    ...json((v) => v),
    json: (v) => JSON.stringify(v, null, 2),
    frame: prettyFrame,
  },
  { name: 'connection-close', description: 'Every answer is sent with `Connection: close`.', targets: [], scope: 'all', headers: { connection: 'close' } },
];
