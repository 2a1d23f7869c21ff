/**
 * Small helpers over node:http: read a bounded JSON body (and validate it), send JSON, send
 * an error envelope, answer malformed HTTP on the socket.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ParseResult } from '@textgen-spec/spec';
import { ApiError } from './errors.js';

/**
 * A body this much larger than the limit is not read to the end: the connection is closed
 * instead (a client that sends gigabytes should not keep the server busy).
 */
const DISCARD_FACTOR = 16;

/**
 * Reads the whole body, at most `limit` bytes, and parses it as JSON.
 *
 * Over the limit: a 413. A body that is not JSON: a 400. An over-limit body is still read
 * (and dropped) up to 16x the limit so that the client, which is usually still sending,
 * receives the 413 instead of a reset connection.
 */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  checkJsonBody(req);
  const text = decodeUtf8(await readBody(req, limit));
  if (text.trim() === '') {
    throw new ApiError(400, 'The request body is empty; send a JSON object.', { code: 'invalid_json' });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : 'invalid JSON';
    throw new ApiError(400, `The request body is not valid JSON: ${reason}`, { code: 'invalid_json' });
  }
}

/**
 * Reads the JSON body and validates it with `parse` (one of the spec's parsers). A body the
 * parser rejects is answered with the parser's envelope and status, and null is returned.
 */
export async function readValidated<T>(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
  parse: (body: unknown) => ParseResult<T>,
): Promise<T | null> {
  const parsed = parse(await readJsonBody(req, limit));
  if (!parsed.ok) {
    sendJson(res, parsed.status, parsed.error);
    return null;
  }
  return parsed.value;
}

/**
 * A request body must be declared `application/json` and sent uncompressed: a 415 otherwise,
 * before the body is read (the connection then closes). This also keeps browsers' "simple"
 * cross-origin requests (text/plain, forms) from running anything.
 */
function checkJsonBody(req: IncomingMessage): void {
  const unsupported = (message: string): ApiError =>
    new ApiError(415, message, { code: 'unsupported_media_type', headers: { Connection: 'close' } });
  const encoding = req.headers['content-encoding']?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    throw unsupported(`Content-Encoding '${encoding}' is not accepted: send the JSON body uncompressed.`);
  }
  const media = req.headers['content-type']?.split(';')[0]!.trim().toLowerCase();
  if (media !== 'application/json') {
    throw unsupported(`The request body must be JSON sent as Content-Type: application/json (got ${media === undefined ? 'none' : `'${media}'`}).`);
  }
}

function tooLarge(limit: number): ApiError {
  return new ApiError(413, `The request body exceeds the limit of ${limit} bytes (--max-body-bytes).`, {
    code: 'request_too_large',
    headers: { Connection: 'close' },
  });
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit * DISCARD_FACTOR) {
    req.resume();
    return Promise.reject(tooLarge(limit));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let over = false;
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limit) {
        over = true;
        chunks.length = 0;
        if (received > limit * DISCARD_FACTOR) {
          cleanup();
          req.resume();
          reject(tooLarge(limit));
        }
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      if (over) reject(tooLarge(limit));
      else resolve(Buffer.concat(chunks, received));
    };
    // The client closed the connection mid-body ("aborted"): nobody will read the answer.
    const onError = (): void => {
      cleanup();
      reject(new ApiError(400, 'The request body was not received completely: the connection closed.', { code: 'incomplete_body' }));
    };
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

// Shared by every request: a non-streaming decode() keeps no state between calls.
const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ApiError(400, 'The request body is not valid UTF-8.', { code: 'invalid_json' });
  }
}

/** Sends `body` as JSON with `status` (no-op when the client is gone). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) {
    if (!res.writableEnded) res.end();
    return;
  }
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

/** Sends an ApiError as an OpenAI error envelope with its status and headers. */
export function sendError(res: ServerResponse, error: ApiError): void {
  sendJson(res, error.status, error.toBody(), error.headers);
}

/** Malformed HTTP (not a request we can route): answers with an envelope and closes the socket. */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const reason = status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request';
  const body = JSON.stringify(
    new ApiError(status, `Malformed HTTP request (${error.code ?? 'parse error'}).`, { code: 'bad_http_request' }).toBody(),
  );
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
