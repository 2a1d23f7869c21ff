/**
 * A server-sent events parser written for a conformance runner: besides the events it
 * reports every way the byte stream departs from the event-stream format, so checks can
 * say what a server did wrong instead of just failing to parse.
 *
 * Follows the WHATWG "event stream interpretation" rules: lines end in CRLF, LF or CR;
 * a line starting with ":" is a comment; `field: value` with one optional space after the
 * colon; `data` lines accumulate (joined by "\n"); a blank line dispatches the event.
 */

/** One dispatched event. */
export interface SseEvent {
  /** The `data` field (several data lines joined with "\n"). */
  data: string;
  /** The `event` field, when the server set one. */
  event?: string;
  /** Milliseconds since the response headers arrived. */
  at: number;
}

/** A departure from the event-stream format (not fatal: parsing goes on). */
export interface SseAnomaly {
  kind: 'unknown-field' | 'unterminated-event' | 'no-data-field';
  detail: string;
}

/** Incremental parser: feed it text as it arrives, then call `end()`. */
export class SseParser {
  readonly events: SseEvent[] = [];
  readonly anomalies: SseAnomaly[] = [];
  /** Comment lines (":" ...), e.g. keep-alive pings. */
  comments = 0;
  private buffer = '';
  private data: string[] = [];
  private eventName: string | undefined;
  private sawField = false;
  private pendingCR = false;

  constructor(private readonly clock: () => number = () => 0) {}

  /** Feeds decoded text (any split, even inside a line or a CRLF pair). */
  push(text: string): void {
    let chunk = text;
    if (this.pendingCR) {
      this.pendingCR = false;
      if (chunk.startsWith('\n')) chunk = chunk.slice(1);
    }
    this.buffer += chunk;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer[i];
      if (c !== '\n' && c !== '\r') continue;
      this.line(this.buffer.slice(start, i));
      if (c === '\r') {
        if (i + 1 === this.buffer.length) this.pendingCR = true;
        else if (this.buffer[i + 1] === '\n') i++;
      }
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
  }

  /** Ends the stream; an event without its terminating blank line is reported, not dropped. */
  end(): void {
    if (this.buffer.length > 0) {
      this.line(this.buffer);
      this.buffer = '';
    }
    if (this.sawField) {
      this.anomalies.push({
        kind: 'unterminated-event',
        detail: 'the stream ended inside an event (no blank line after its last field)',
      });
      this.dispatch();
    }
  }

  private line(line: string): void {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line.startsWith(':')) {
      this.comments++;
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    this.sawField = true;
    switch (field) {
      case 'data':
        this.data.push(value);
        break;
      case 'event':
        this.eventName = value;
        break;
      case 'id':
      case 'retry':
        break;
      default:
        this.anomalies.push({ kind: 'unknown-field', detail: `line ${JSON.stringify(line.slice(0, 80))} is not a known SSE field` });
    }
  }

  private dispatch(): void {
    if (!this.sawField) return;
    if (this.data.length === 0) {
      this.anomalies.push({ kind: 'no-data-field', detail: 'an event without a data field' });
    } else {
      const event: SseEvent = { data: this.data.join('\n'), at: this.clock() };
      if (this.eventName !== undefined) event.event = this.eventName;
      this.events.push(event);
    }
    this.data = [];
    this.eventName = undefined;
    this.sawField = false;
  }
}

/** Parses a whole event stream at once. */
export function parseSse(text: string): SseParser {
  const parser = new SseParser();
  parser.push(text);
  parser.end();
  return parser;
}
