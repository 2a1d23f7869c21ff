/**
 * `max_tokens_second`: delivery at a readable pace, without holding up other requests.
 *
 * text-generation-webui sleeps inside its generation loop so that two streamed updates are at
 * least `1 / max_tokens_second` seconds apart, and holds its generation lock all the while.
 * Here the engine runs at full speed instead: `paceEvents` drains it into a buffer in the
 * background (so the request frees its concurrency slot as soon as generation ends) and
 * yields the buffered events at the pace. Only text events are spaced; each is normally one
 * token (text held back by a stop string or a split character can join a few).
 */
import type { CompletionEvent } from '@textgen-spec/engine';

export interface PaceOptions {
  /** Text events per second (> 0). */
  tokensPerSecond: number;
  /** Aborting stops the pacing at once: the iterator throws the signal's reason. */
  signal: AbortSignal;
  /** Text events that are not generated tokens (the echoed prompt) go out unpaced. */
  isPaced?: (event: Extract<CompletionEvent, { type: 'text' }>) => boolean;
  /** Called once the source has ended (finished, failed or aborted): generation is over. */
  onSourceEnd?: () => void;
}

/**
 * Yields the events of `source` in order, each text event at least `1 / tokensPerSecond`
 * seconds after the previous paced one (the first at once). `source` is read to its end in
 * the background as fast as it produces; an error it throws is rethrown after the events
 * before it. The caller must abort `signal` to stop early (the source should listen to the
 * same signal), e.g. when the client disconnects.
 */
export async function* paceEvents(source: AsyncIterable<CompletionEvent>, options: PaceOptions): AsyncGenerator<CompletionEvent> {
  const { signal } = options;
  const intervalMs = 1000 / options.tokensPerSecond;
  const buffer: CompletionEvent[] = [];
  let ended = false;
  let failure: { error: unknown } | null = null;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    wake?.();
    wake = null;
  };

  // The producer: the whole generation, as fast as the engine goes.
  void (async () => {
    try {
      for await (const event of source) {
        buffer.push(event);
        notify();
      }
    } catch (error) {
      failure = { error };
    } finally {
      ended = true;
      options.onSourceEnd?.();
      notify();
    }
  })();

  signal.addEventListener('abort', notify);
  try {
    let lastSent = -Infinity;
    for (;;) {
      signal.throwIfAborted();
      const event = buffer.shift();
      if (event === undefined) {
        if (ended) break;
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      if (event.type === 'text' && (options.isPaced?.(event) ?? true)) {
        const waitMs = lastSent + intervalMs - performance.now();
        if (waitMs > 0) await sleep(waitMs, signal);
        lastSent = performance.now();
      }
      yield event;
    }
  } finally {
    signal.removeEventListener('abort', notify);
  }
  if (failure !== null) throw (failure as { error: unknown }).error;
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
