/**
 * What a fault is: a named rewrite of requests, answers, errors or streams that the
 * fault-injection proxy applies, imitating a bug seen in a real server.
 */
import type { Profile } from '@textgen-spec/spec';

export type JsonObject = { [key: string]: unknown };
/** One SSE data payload: a parsed JSON object, or the [DONE] sentinel. */
export type SseItem = JsonObject | '[DONE]';

export interface ProxyRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Parsed JSON body (undefined when absent or not JSON). */
  body: unknown;
  raw: string;
}

/** A response the proxy sends instead of forwarding. */
export interface ProxyReply {
  status: number;
  body: unknown;
  contentType?: string;
}

export interface ProxyState {
  /** Requests being handled now (this one included). */
  inFlight: number;
  /** Requests handled so far (this one included). */
  requests: number;
  /** Unix seconds when the proxy started. */
  startedAt: number;
  apiKey: string | undefined;
}

export interface Fault {
  name: string;
  /** The bug it imitates, and where it was seen. */
  description: string;
  /** Checks that must fail (or warn, when INFO) under this fault. */
  targets: readonly string[];
  /** Profile of the run (and of the reference server behind the proxy); default compat. */
  profile?: Profile;
  /** Rewrites a request, or answers it directly (may wait first, e.g. to imitate a lock). */
  request?(req: ProxyRequest, state: ProxyState): ProxyRequest | ProxyReply | void | Promise<ProxyRequest | ProxyReply | void>;
  /** Rewrites a successful JSON body (return a reply to change the status too). */
  response?(body: JsonObject, req: ProxyRequest, state: ProxyState): JsonObject | ProxyReply | void;
  /** Rewrites an error answer. */
  error?(status: number, body: unknown, req: ProxyRequest): ProxyReply;
  /**
   * Rewrites the data payloads of an event stream; `times` are the proxy's Date.now() when
   * each one arrived from the server.
   */
  events?(items: SseItem[], req: ProxyRequest, state: ProxyState, times: readonly number[]): SseItem[];
  /** Writes the stream itself (framing faults). */
  serialize?(items: SseItem[]): string;
  /**
   * Per-event rewrites, applied as each event arrives (the stream keeps its timing): the
   * payload (`item`), how the event is written (`frame`, given the data; default
   * `data: <data>\n\n`). Used when the fault has neither `events` nor `serialize`.
   */
  item?(item: SseItem): SseItem;
  frame?(data: string): string;
  /** Splits a rewritten stream's bytes into separate writes (sent a few milliseconds apart). */
  pieces?(bytes: Buffer): Buffer[];
  /** Writes rewritten JSON bodies (default JSON.stringify). */
  json?(value: unknown): string;
  /** Headers added to every answer the proxy sends. */
  headers?: Record<string, string>;
  /** Content-Type of rewritten streams. */
  streamContentType?: string;
}
