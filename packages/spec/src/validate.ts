/**
 * `validateSchema`: check any JSON value against a published schema and get every problem,
 * one issue per problem (the conformance runner validates each response and chunk this way).
 */
import type { ErrorObject } from 'ajv';
import { describeSchema, resolveRef } from './describe.js';
import type { Profile, SchemaName } from './schema-names.js';
import { compiledValidator, loadSchema } from './schemas.js';
import type { JsonSchema } from './schemas.js';

export interface SchemaIssue {
  /** JSON pointer to the offending value in the data ("" is the root). */
  path: string;
  /** What is wrong, e.g. "must be a string, or null". */
  message: string;
  /** The JSON Schema keyword that failed (`type`, `required`, `maximum`, `anyOf`, ...). */
  keyword: string;
}

export interface ValidateOptions {
  /** Defaults to `strict`. */
  profile?: Profile;
}

export interface SchemaValidation {
  valid: boolean;
  issues: SchemaIssue[];
}

/** Validates `data` against `schema/<profile>/<name>.schema.json`. */
export function validateSchema(name: SchemaName, data: unknown, options: ValidateOptions = {}): SchemaValidation {
  const profile = options.profile ?? 'strict';
  const validate = compiledValidator(name, profile, 'all-errors');
  if (validate(data)) return { valid: true, issues: [] };
  return { valid: false, issues: toIssues(validate.errors ?? [], loadSchema(name, profile)) };
}

/**
 * Converts ajv errors to issues. When a value matches none of the forms of an `anyOf`, ajv
 * reports the errors of every form and then the `anyOf` itself. If the value's JSON type
 * fits exactly one form, only that form's errors are kept (an object that fails `Usage` is
 * reported field by field); otherwise only the `anyOf`, with a message listing the forms.
 */
export function toIssues(errors: readonly ErrorObject[], root: JsonSchema): SchemaIssue[] {
  const kept: ErrorObject[] = [];
  for (const error of errors) {
    if (error.keyword !== 'anyOf' && error.keyword !== 'oneOf') {
      kept.push(error);
      continue;
    }
    // The errors of its forms are the run just before it, at or below its path.
    let start = kept.length;
    while (start > 0 && isAtOrBelow((kept[start - 1] as ErrorObject).instancePath, error.instancePath)) start--;
    const formErrors = kept.splice(start);
    const forms = ((error.parentSchema as JsonSchema | undefined)?.[error.keyword] as JsonSchema[] | undefined) ?? [];
    if (forms.filter((form) => acceptsJsonType(form, error.data, root)).length === 1) {
      const relevant = formErrors.filter((e) => !(e.instancePath === error.instancePath && e.keyword === 'type'));
      if (relevant.length > 0) {
        kept.push(...relevant);
        continue;
      }
    }
    kept.push(error);
  }
  return kept.map((e) => ({ path: e.instancePath, message: issueMessage(e, root), keyword: e.keyword }));
}

function issueMessage(error: ErrorObject, root: JsonSchema): string {
  switch (error.keyword) {
    case 'anyOf':
    case 'oneOf':
    case 'type':
    case 'enum':
    case 'const': {
      const node = error.parentSchema as JsonSchema | undefined;
      return node ? `must be ${describeSchema(node, root)}` : (error.message ?? 'is invalid');
    }
    case 'required':
      return `must have required property '${(error.params as { missingProperty: string }).missingProperty}'`;
    case 'additionalProperties':
      return `must not have property '${(error.params as { additionalProperty: string }).additionalProperty}'`;
    default:
      return error.message ?? 'is invalid';
  }
}

function isAtOrBelow(path: string, ancestor: string): boolean {
  return path === ancestor || path.startsWith(`${ancestor}/`);
}

/** Whether a schema's `type` admits the JSON type of a value (ignoring every other keyword). */
function acceptsJsonType(node: JsonSchema, value: unknown, root: JsonSchema): boolean {
  if (typeof node.$ref === 'string') {
    const target = resolveRef(node.$ref, root);
    return target ? acceptsJsonType(target, value, root) : true;
  }
  if (Array.isArray(node.anyOf)) return (node.anyOf as JsonSchema[]).some((form) => acceptsJsonType(form, value, root));
  if (node.type === undefined) return true;
  const types = Array.isArray(node.type) ? (node.type as string[]) : [node.type as string];
  return types.some((type) => {
    switch (type) {
      case 'null':
        return value === null;
      case 'array':
        return Array.isArray(value);
      case 'object':
        return value !== null && typeof value === 'object' && !Array.isArray(value);
      case 'integer':
        return Number.isInteger(value);
      default:
        return typeof value === type;
    }
  });
}
