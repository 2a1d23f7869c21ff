/**
 * A completion's cancellation: one AbortController per request that fires when the client
 * disconnects (while queued or generating, streaming or not) or when --request-timeout
 * passes. The queue drops an aborted waiter and the engine stops within one decoding step;
 * the abort reason tells error-mapping.ts which status the request ends with.
 */
import type { ServerResponse } from 'node:http';

/** Abort reason: the client closed the connection before the response was complete. */
export class ClientGone extends Error {
  constructor() {
    super('client disconnected');
    this.name = 'ClientGone';
  }
}

/** Abort reason: the request ran past the server's request timeout. */
export class RequestTimedOut extends Error {
  constructor(readonly timeoutMs: number) {
    super('request timed out');
    this.name = 'RequestTimedOut';
  }
}

export interface RequestAbort {
  readonly signal: AbortSignal;
  /** Stops watching (clears the timer and the close listener); call once the request is over. */
  dispose(): void;
}

/** Watches `res` and the clock: aborts with ClientGone or RequestTimedOut (0 = no timeout). */
export function watchRequest(res: ServerResponse, timeoutMs: number): RequestAbort {
  const abort = new AbortController();
  const onClose = (): void => {
    if (!res.writableFinished) abort.abort(new ClientGone());
  };
  res.once('close', onClose);
  const timer = timeoutMs > 0 ? setTimeout(() => abort.abort(new RequestTimedOut(timeoutMs)), timeoutMs) : undefined;
  return {
    signal: abort.signal,
    dispose: () => {
      clearTimeout(timer);
      res.off('close', onClose);
    },
  };
}
