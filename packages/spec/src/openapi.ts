/**
 * The committed OpenAPI 3.1 documents (openapi/<profile>.json), generated from the route table
 * (src/api-routes.ts) and the JSON Schemas by `npm run generate`.
 */
import { readFileSync } from 'node:fs';
import { openApiPath } from './schema-names.js';
import type { Profile } from './schema-names.js';
import type { JsonSchema } from './schemas.js';

/** An OpenAPI document, as parsed JSON. */
export type OpenApiDocument = JsonSchema & { openapi: string; paths: Record<string, unknown> };

/** The package root: src/ and dist/ both sit one level below it. */
const packageRoot = new URL('../', import.meta.url);

// Read once per profile on first use: the committed documents do not change while the process runs.
const loaded = new Map<Profile, string>();

/** The OpenAPI document of a profile, serialized as committed (what a server sends as is). */
export function openApiText(profile: Profile = 'strict'): string {
  let text = loaded.get(profile);
  if (text === undefined) {
    text = readFileSync(new URL(openApiPath(profile), packageRoot), 'utf8');
    loaded.set(profile, text);
  }
  return text;
}

/** The OpenAPI document of a profile (a fresh copy the caller may modify). */
export function getOpenApiDocument(profile: Profile = 'strict'): OpenApiDocument {
  return JSON.parse(openApiText(profile)) as OpenApiDocument;
}
