import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { PROFILES, SCHEMA_NAMES, schemaId } from '../src/schema-names.js';
import { driftedFiles, expectedFiles, findPackageRoot } from './generated-files.js';

const root = findPackageRoot();
const expected = expectedFiles(root);

describe('generated files', () => {
  it('match what the generator produces now (else run: npm run generate -w @textgen-spec/spec)', () => {
    expect(driftedFiles(root, expected)).toEqual([]);
  });

  it('include one schema per type and profile, each with its stable $id', () => {
    for (const name of SCHEMA_NAMES) {
      for (const profile of PROFILES) {
        const content = expected.get(`schema/${profile}/${name}.schema.json`);
        expect(content, `${profile}/${name}`).toBeDefined();
        const schema = JSON.parse(content ?? '{}') as Record<string, unknown>;
        expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
        expect(schema.$id).toBe(schemaId(name, profile));
      }
    }
  });

  it('compile under ajv strict mode and keep no generator-only keywords', () => {
    const ajv = new Ajv({ strict: true, allowUnionTypes: true, keywords: ['x-textgen', 'x-default-from'] });
    for (const [path, content] of expected) {
      if (!path.endsWith('.schema.json')) continue;
      expect(content).not.toMatch(/"(strict|compat|compatOnlyType|propertyOrder)":/);
      expect(() => ajv.compile(JSON.parse(content))).not.toThrow();
    }
  });

  it('differ between the profiles where the profiles differ', () => {
    const request = (profile: string) =>
      JSON.parse(expected.get(`schema/${profile}/completion-request.schema.json`) ?? '{}') as {
        properties: Record<string, Record<string, unknown>>;
        required: string[];
      };
    const strict = request('strict');
    const compat = request('compat');
    expect(strict.properties.logprobs?.maximum).toBe(5);
    expect(compat.properties.logprobs?.maximum).toBe(20);
    expect(strict.required).toEqual(['model', 'prompt']);
    expect(compat.required).toEqual(['prompt']);
    expect(JSON.stringify(strict.properties.custom_token_bans)).not.toContain('"string"');
    expect(JSON.stringify(compat.properties.custom_token_bans)).toContain('"string"');
  });

  it('keep properties in source order', () => {
    const strict = JSON.parse(expected.get('schema/strict/completion-request.schema.json') ?? '{}') as {
      properties: Record<string, unknown>;
    };
    const keys = Object.keys(strict.properties);
    expect(keys.slice(0, 3)).toEqual(['model', 'prompt', 'best_of']);
    expect(keys.at(-1)).toBe('top_n_sigma');
  });
});
