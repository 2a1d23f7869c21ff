/**
 * The runner's schema validation: packages/spec's `validateSchema`, which validates a value
 * against one of the committed JSON Schemas (strict or compat profile) with ajv.
 */
import * as spec from '@textgen-spec/spec';
import type { SchemaResult, WireValidator } from './wire-log.js';

type SpecValidate = (
  name: string,
  data: unknown,
  options: { profile: 'strict' | 'compat' },
) => { valid: boolean; issues: { path: string; message: string; keyword: string }[] };

const validateSchema = (spec as unknown as { validateSchema?: SpecValidate }).validateSchema;

/** Validates with @textgen-spec/spec. */
export const specValidator: WireValidator = (schema, data, profile): SchemaResult => {
  if (!validateSchema) throw new Error('@textgen-spec/spec does not export validateSchema yet (build packages/spec)');
  const result = validateSchema(schema, data, { profile });
  return { valid: result.valid, issues: result.issues.map((i) => ({ path: i.path, message: i.message, keyword: i.keyword })) };
};
