/**
 * The playground: `GET /` serves a static page (apps/server/playground/, plain HTML, CSS and ES
 * modules, no build step) that composes requests from the spec's JSON Schema, streams
 * completions and shows tokens and the sampler chain. Only the files of a fixed list are served
 * (no path from the URL ever reaches the file system), each read on first use and kept.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { getSchema, PROFILES } from '@textgen-spec/spec';
import { ApiError } from './errors.js';
import { sendJson } from './http.js';
import type { RequestContext } from './request-context.js';

/** The folder of the static files: apps/server/playground (src/ and dist/ sit beside it). */
const PLAYGROUND_DIR = new URL('../playground/', import.meta.url);

/** The files the playground consists of, by URL name, with their content types. */
const ASSETS: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'playground.css': 'text/css; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'composer.js': 'text/javascript; charset=utf-8',
  'api.js': 'text/javascript; charset=utf-8',
  'tokens.js': 'text/javascript; charset=utf-8',
  'sampler.js': 'text/javascript; charset=utf-8',
};

interface Asset {
  body: Buffer;
  etag: string;
  type: string;
}

// Module-level cache, filled on first request and never cleared: a fixed, small set of files
// (the keys of ASSETS, about 30 kB in all) that does not change while the process runs, so the
// server's start reads nothing and later requests touch no disk.
const cache = new Map<string, Promise<Asset>>();

function loadAsset(name: string, type: string, read: () => Promise<Buffer>): Promise<Asset> {
  let asset = cache.get(name);
  if (asset === undefined) {
    asset = read().then((body) => ({ body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` }));
    asset.catch(() => cache.delete(name)); // a failed read is retried next time
    cache.set(name, asset);
  }
  return asset;
}

/** The page's security and caching headers: revalidate with the ETag, nothing from other origins but fetch. */
const PAGE_HEADERS = {
  'Cache-Control': 'no-cache',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'self'; connect-src *; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
};

async function sendAsset({ req, res }: RequestContext, asset: Asset): Promise<void> {
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, { ETag: asset.etag, ...PAGE_HEADERS });
    res.end();
    return;
  }
  res.writeHead(200, { 'Content-Type': asset.type, 'Content-Length': asset.body.length, ETag: asset.etag, ...PAGE_HEADERS });
  res.end(asset.body);
}

/** `GET /`: the playground page. */
export async function playgroundPage(context: RequestContext): Promise<void> {
  await sendAsset(context, await loadAsset('index.html', ASSETS['index.html']!, () => readFile(new URL('index.html', PLAYGROUND_DIR))));
}

/** `GET /playground/{file}`: one of the page's files; anything else is a 404. */
export async function playgroundFile(context: RequestContext): Promise<void> {
  const name = context.path.slice('/playground/'.length);
  if (name === 'schema.json') return sendJson(context.res, 200, schemaDocument(context), { 'Cache-Control': 'no-cache' });
  const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (type === undefined) throw new ApiError(404, `Unknown route: GET ${context.path}`, { code: 'not_found' });
  await sendAsset(context, await loadAsset(name, type, () => readFile(new URL(name, PLAYGROUND_DIR))));
}

/**
 * `GET /playground/schema.json`: the completion request's JSON Schema in both profiles (the
 * composer shows each parameter's range in each) and the profile this server validates with.
 */
function schemaDocument({ services }: RequestContext): Record<string, unknown> {
  const schemas = Object.fromEntries(PROFILES.map((profile) => [profile, getSchema('completion-request', profile)]));
  return { profile: services.config.profile, schemas };
}
