/**
 * CORS headers for the origins of --cors-origin (`*` for any); none when the list is empty.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Sets the CORS headers on `res` when the request's Origin is allowed (and the preflight ones on OPTIONS). */
export function applyCors(origins: readonly string[], req: IncomingMessage, res: ServerResponse): void {
  const origin = req.headers.origin;
  if (origins.length === 0 || origin === undefined) return;
  const any = origins.includes('*');
  if (!any && !origins.includes(origin)) return;
  res.setHeader('Access-Control-Allow-Origin', any ? '*' : origin);
  if (!any) res.setHeader('Vary', 'Origin');
  res.setHeader('Access-Control-Expose-Headers', 'X-Request-Id, Retry-After, X-Textgen-Ignored-Fields');
  if (req.method === 'OPTIONS') {
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? 'Authorization, Content-Type');
    res.setHeader('Access-Control-Max-Age', '600');
  }
}
