/**
 * Loading the committed JSON Schemas and compiling them with ajv, once per schema and mode.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import { schemaPath } from './schema-names.js';
import type { Profile, SchemaName } from './schema-names.js';

/** A JSON Schema object as committed under schema/. */
export type JsonSchema = { [keyword: string]: unknown };

/** The package root: src/ and dist/ both sit one level below it. */
const packageRoot = new URL('../', import.meta.url);

// Module-level cache, filled on first use and never cleared: the committed schema files do not
// change while the process runs, and reading them once keeps file I/O off the request path.
const loaded = new Map<string, JsonSchema>();

/** The committed schema (parsed once and shared: treat it as read-only). */
export function loadSchema(name: SchemaName, profile: Profile): JsonSchema {
  const path = schemaPath(name, profile);
  let schema = loaded.get(path);
  if (!schema) {
    schema = JSON.parse(readFileSync(new URL(path, packageRoot), 'utf8')) as JsonSchema;
    loaded.set(path, schema);
  }
  return schema;
}

/** The published JSON Schema of a type in a profile (a fresh copy the caller may modify). */
export function getSchema(name: SchemaName, profile: Profile = 'strict'): JsonSchema {
  return structuredClone(loadSchema(name, profile));
}

/**
 * `first-error` stops at the first failure (fast; used to parse requests);
 * `all-errors` collects every failure (used to report on responses).
 */
export type ValidationMode = 'first-error' | 'all-errors';

function createAjv(allErrors: boolean): Ajv {
  // verbose: errors carry the failing schema node and value, for readable messages.
  const ajv = new Ajv({ allErrors, strict: true, allowUnionTypes: true, verbose: true });
  // Annotations of our own (see src/types/completion-request.ts): no validation attached.
  ajv.addKeyword({ keyword: 'x-textgen', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'x-default-from', schemaType: 'string' });
  return ajv;
}

// Module-level caches, filled on first use and never cleared: compiling a schema with ajv takes
// milliseconds, far too long to repeat per request, and the schemas never change at run time.
// One Ajv per mode because allErrors is an option of the instance, not of a compiled function.
const ajvByMode = new Map<ValidationMode, Ajv>();
const compiled = new Map<string, ValidateFunction>();

/** The compiled validator of a schema; compiled on first use, then cached. */
export function compiledValidator(name: SchemaName, profile: Profile, mode: ValidationMode): ValidateFunction {
  const key = `${mode}:${profile}:${name}`;
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajvFor(mode).compile(loadSchema(name, profile));
    compiled.set(key, validate);
  }
  return validate;
}

function ajvFor(mode: ValidationMode): Ajv {
  let ajv = ajvByMode.get(mode);
  if (!ajv) {
    ajv = createAjv(mode === 'all-errors');
    ajvByMode.set(mode, ajv);
  }
  return ajv;
}

/**
 * The first-error validator of a schema whose top level accepts unknown properties (the
 * unknown-fields `ignore` policy): the caller names those fields itself, and the body is
 * validated as it is, without a copy (a copy built key by key is slow for ajv to read).
 */
export function openValidator(name: SchemaName, profile: Profile): ValidateFunction {
  const key = `open:${profile}:${name}`;
  let validate = compiled.get(key);
  if (!validate) {
    const { additionalProperties: _closed, ...open } = loadSchema(name, profile);
    validate = ajvFor('first-error').compile({ ...open, $id: `${String(open.$id)}:open` });
    compiled.set(key, validate);
  }
  return validate;
}
