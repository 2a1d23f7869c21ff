/**
 * Bearer-token authentication (`Authorization: Bearer KEY`), compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError } from './errors.js';

export class ApiKeyChecker {
  readonly #digests: Buffer[];

  /** @throws RangeError for an empty or blank key (it would turn authentication off by accident). */
  constructor(keys: readonly string[]) {
    if (keys.some((key) => key.trim() === '')) throw new RangeError('an API key is empty or blank');
    this.#digests = keys.map(digest);
  }

  get enabled(): boolean {
    return this.#digests.length > 0;
  }

  /** Throws a 401 unless the headers carry one of the accepted keys (or no key is configured). */
  check(headers: IncomingHttpHeaders): void {
    if (!this.enabled) return;
    const header = headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S.*?)\s*$/i.exec(header) : null;
    if (match === null) {
      throw unauthorized(
        "You didn't provide an API key. Send it in the Authorization header as 'Bearer YOUR_KEY'.",
        'missing_api_key',
      );
    }
    const given = digest(match[1]!);
    // Compare with every key (no early exit) so that timing says nothing about which matched.
    let ok = false;
    for (const key of this.#digests) ok = timingSafeEqual(key, given) || ok;
    if (!ok) throw unauthorized('Incorrect API key provided.', 'invalid_api_key');
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

function unauthorized(message: string, code: string): ApiError {
  return new ApiError(401, message, { code, headers: { 'WWW-Authenticate': 'Bearer' } });
}
