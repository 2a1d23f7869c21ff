/**
 * Test support (not part of the build): assertions several test files share.
 */
import { expect } from 'vitest';
import { validateSchema } from '@textgen-spec/spec';
import type { SchemaName } from '@textgen-spec/spec';

/** Asserts `body` is a valid instance of the named schema (compat profile unless given). */
export function expectSchema(name: SchemaName, body: unknown, profile: 'strict' | 'compat' = 'compat'): void {
  const result = validateSchema(name, body, { profile });
  expect(result.valid ? [] : result.issues, `${name} schema`).toEqual([]);
}
