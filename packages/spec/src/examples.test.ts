/**
 * Checks every example under examples/ in both profiles (see examples/README.md for the format).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  PROFILES,
  SCHEMA_NAMES,
  getSchema,
  parseCompletionRequest,
  parseDecodeRequest,
  parseEncodeRequest,
  parseSamplerTraceRequest,
  parseLoadModelRequest,
  parseLogitsRequest,
  parseTokenCountRequest,
  validateSchema,
} from './index.js';
import type { ParseResult, Profile, SchemaName } from './index.js';

/**
 * `parser-invalid`: the schema accepts it, the parser's cross-field or string-form rules do not.
 * `ignored`: an unknown field, which the schema rejects and the profile's parser ignores by
 * default (compat, as TGW) and reports in `ignored` (the field is `param`).
 */
type Expectation = 'valid' | 'invalid' | 'parser-invalid' | 'ignored';

interface ExampleCase {
  name: string;
  body: unknown;
  expect: Record<Profile, Expectation>;
  /** The parameter the error must name (defaults to the file's `parameter`). */
  param?: string;
  /** Fields the normalized request must have (completion requests only). */
  normalized?: Record<string, unknown>;
}

interface ExampleFile {
  parameter?: string;
  description?: string;
  /** A request showing the parameter in use, and what it does (rendered into docs/api.md). */
  usage?: { body: unknown; result: string };
  cases: ExampleCase[];
}

const examplesDir = new URL('../examples/', import.meta.url);

function readExamples(schema: SchemaName): [string, ExampleFile][] {
  const dir = new URL(`${schema}/`, examplesDir);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => [file, JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as ExampleFile]);
}

const parsers: Partial<Record<SchemaName, (body: unknown, options: { profile: Profile }) => ParseResult<unknown>>> = {
  'completion-request': parseCompletionRequest,
  'encode-request': parseEncodeRequest,
  'decode-request': parseDecodeRequest,
  'token-count-request': parseTokenCountRequest,
  'sampler-trace-request': parseSamplerTraceRequest,
  'logits-request': parseLogitsRequest,
  'load-model-request': parseLoadModelRequest,
};

describe.each(SCHEMA_NAMES)('examples/%s', (schema) => {
  const files = readExamples(schema);

  it('has at least one valid and one invalid example in each profile', () => {
    const cases = files.flatMap(([, file]) => file.cases);
    for (const profile of PROFILES) {
      expect(cases.some((c) => c.expect[profile] === 'valid'), profile).toBe(true);
      expect(cases.some((c) => c.expect[profile] !== 'valid'), profile).toBe(true);
    }
  });

  for (const [fileName, file] of files) {
    describe(fileName, () => {
      for (const example of file.cases) {
        describe(example.name, () => {
          it.each(PROFILES)('%s', (profile) => {
            const expected = example.expect[profile];
            const schemaResult = validateSchema(schema, example.body, { profile });
            expect(schemaResult.valid, JSON.stringify(schemaResult.issues)).toBe(expected !== 'invalid' && expected !== 'ignored');

            const parse = parsers[schema];
            if (!parse) return;
            const result = parse(example.body, { profile });
            if (expected === 'valid') {
              expect(result.ok, JSON.stringify(result)).toBe(true);
              if (result.ok && example.normalized) expect(result.value).toMatchObject(example.normalized);
            } else if (expected === 'ignored') {
              expect(result.ok && result.ignored, JSON.stringify(result)).toEqual([example.param ?? file.parameter]);
            } else {
              expect(result.ok).toBe(false);
              if (!result.ok) {
                expect(result.status).toBe(400);
                expect(validateSchema('error-response', result.error).valid).toBe(true);
                expect(result.error.error.param).toBe(example.param ?? file.parameter ?? null);
                expect(result.error.error.message).toMatch(/\w/);
              }
            }
          });
        });
      }
    });
  }
});

describe('examples/completion-request', () => {
  const files = new Map(readExamples('completion-request'));
  const parameters = Object.keys(getSchema('completion-request').properties as object);

  it.each(parameters)('%s has a file with a valid and an invalid request in both profiles', (parameter) => {
    const file = files.get(`${parameter}.json`);
    expect(file, `examples/completion-request/${parameter}.json is missing`).toBeDefined();
    expect(file?.parameter).toBe(parameter);
    const cases = file?.cases ?? [];
    for (const profile of PROFILES) {
      expect(cases.some((c) => c.expect[profile] === 'valid'), `${profile}: valid`).toBe(true);
      expect(cases.some((c) => c.expect[profile] !== 'valid'), `${profile}: invalid`).toBe(true);
    }
    // At least one example checks what the parameter normalizes to.
    expect(cases.some((c) => c.normalized !== undefined)).toBe(true);
  });

  const usages = [...files].filter(([, file]) => file.usage !== undefined);
  it.each(usages)('%s: the usage example is a valid request that uses the parameter, in both profiles', (_, file) => {
    const usage = file.usage!;
    expect(usage.result).toMatch(/\w/);
    expect(Object.keys(usage.body as object)).toContain(file.parameter);
    for (const profile of PROFILES) {
      const result = parseCompletionRequest(usage.body, { profile });
      expect(result.ok, `${profile}: ${JSON.stringify(result)}`).toBe(true);
    }
  });

  it('has no file for a parameter that does not exist', () => {
    const known = new Set(parameters.map((p) => `${p}.json`));
    expect([...files.keys()].filter((file) => !known.has(file))).toEqual([]);
  });
});
