/**
 * Server-sent events as OpenAI streams them: `data: {json}\n\n` per event, `data: [DONE]\n\n`
 * last. Each event is written to the socket at once (no buffering anywhere on the way).
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';

export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache',
  Connection: 'keep-alive',
  // Tells nginx (and proxies that follow its convention) not to buffer the stream.
  'X-Accel-Buffering': 'no',
};

export class SseStream {
  readonly #res: ServerResponse;
  readonly #writeTimeoutMs: number;

  /**
   * @param writeTimeoutMs how long a write may wait for the client to read (0 = forever); past
   *   it the connection is destroyed, which cancels the completion and frees its slot.
   */
  constructor(res: ServerResponse, writeTimeoutMs = 0) {
    this.#res = res;
    this.#writeTimeoutMs = writeTimeoutMs;
  }

  /** Sends the 200 status line and headers. */
  open(extraHeaders: Record<string, string> = {}): void {
    this.#res.socket?.setNoDelay(true);
    this.#res.writeHead(200, { ...SSE_HEADERS, ...extraHeaders });
    this.#res.flushHeaders();
  }

  /** False once the client is gone; writes are then dropped. */
  get writable(): boolean {
    return !this.#res.destroyed && !this.#res.writableEnded;
  }

  /**
   * Writes one `data:` event. Resolves when the socket can take more, so a slow reader slows
   * generation down instead of growing memory without bound.
   */
  async send(data: unknown): Promise<void> {
    await this.#write(`data: ${JSON.stringify(data)}\n\n`);
  }

  /** Writes `data: [DONE]` and ends the response. */
  done(): void {
    if (!this.writable) return;
    this.#res.end('data: [DONE]\n\n');
  }

  async #write(text: string): Promise<void> {
    if (!this.writable) return;
    if (this.#res.write(text)) return;
    const stop = new AbortController();
    const timer =
      this.#writeTimeoutMs > 0 ? setTimeout(() => this.#res.destroy(new Error('write timeout: the client stopped reading')), this.#writeTimeoutMs) : undefined;
    try {
      await Promise.race([once(this.#res, 'drain', { signal: stop.signal }), once(this.#res, 'close', { signal: stop.signal })]);
    } catch {
      // the other listener was aborted below, or the socket failed: nothing more to do
    } finally {
      clearTimeout(timer);
      stop.abort();
    }
  }
}
