/**
 * The runner's schema validation: packages/spec's `validateSchema`, which validates a value
 * against one of the committed JSON Schemas (strict or compat profile) with ajv and reports
 * one issue per problem (JSON pointer, message, keyword).
 */
import { validateSchema } from '@textgen-spec/spec';
import type { SchemaResult, WireValidator } from './wire-log.js';

/** Validates with @textgen-spec/spec. */
export const specValidator: WireValidator = (schema, data, profile): SchemaResult => validateSchema(schema, data, { profile });
