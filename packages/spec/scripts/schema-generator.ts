/**
 * Generates the published JSON Schemas from the TypeScript wire types (src/types/*.ts).
 *
 * typescript-json-schema turns each top-level type into one draft-07 schema; a small
 * post-processing step then derives the two profiles from it (see the tags documented at
 * the top of src/types/completion-request.ts):
 * - `strict` / `compat` tags hold keywords for one profile only (`null` removes a keyword);
 * - `compatOnlyType` names a JSON type that only the compat profile accepts;
 * - `propertyOrder` (from `--propOrder`) puts properties back in source order.
 */
import { join } from 'node:path';
import * as TJS from 'typescript-json-schema';
import { PROFILES, SCHEMA_NAMES, SCHEMA_ROOT_TYPES, schemaId, schemaPath } from '../src/schema-names.js';
import type { Profile, SchemaName } from '../src/schema-names.js';

/** A JSON Schema node, loosely typed: the post-processing walks arbitrary keywords. */
export type SchemaNode = { [keyword: string]: unknown };

/** Keywords the generator reads from JSDoc besides the standard ones. */
const EXTRA_KEYWORDS = ['strict', 'compat', 'compatOnlyType', 'propertyNames', 'x-textgen', 'x-default-from'];

/** Generates every schema in both profiles: schema name -> profile -> schema. */
export function generateSchemas(packageRoot: string): Record<SchemaName, Record<Profile, SchemaNode>> {
  const program = TJS.programFromConfig(join(packageRoot, 'tsconfig.schema.json'));
  const generator = TJS.buildGenerator(program, {
    required: true,
    strictNullChecks: true,
    noExtraProps: true,
    propOrder: true,
    validationKeywords: EXTRA_KEYWORDS,
  });
  if (!generator) {
    throw new Error('typescript-json-schema could not read src/types (see the TypeScript errors above)');
  }
  const result = {} as Record<SchemaName, Record<Profile, SchemaNode>>;
  for (const name of SCHEMA_NAMES) {
    const raw = generator.getSchemaForSymbol(SCHEMA_ROOT_TYPES[name]) as SchemaNode;
    result[name] = {
      strict: finishSchema(raw, name, 'strict'),
      compat: finishSchema(raw, name, 'compat'),
    };
  }
  return result;
}

/** Serializes a schema the way it is committed. */
export function formatSchema(schema: SchemaNode): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** Files the generator owns, relative to the package root, with their content. */
export function schemaFiles(schemas: Record<SchemaName, Record<Profile, SchemaNode>>): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of SCHEMA_NAMES) {
    for (const profile of PROFILES) {
      files.set(schemaPath(name, profile), formatSchema(schemas[name][profile]));
    }
  }
  return files;
}

function finishSchema(raw: SchemaNode, name: SchemaName, profile: Profile): SchemaNode {
  const body = applyProfile(structuredClone(raw), profile) as SchemaNode;
  const { $schema, ...rest } = body;
  return { $schema, $id: schemaId(name, profile), ...rest };
}

/** Applies the profile tags to a node and everything below it, and tidies the result. */
function applyProfile(value: unknown, profile: Profile): unknown {
  if (Array.isArray(value)) return value.map((item) => applyProfile(item, profile));
  if (!isObject(value)) return value;
  let node = value;

  const overrides = node[profile] as SchemaNode | undefined;
  delete node.strict;
  delete node.compat;
  for (const [keyword, override] of Object.entries(overrides ?? {})) {
    if (override === null) delete node[keyword];
    else node[keyword] = override;
  }

  const compatOnlyType = node.compatOnlyType as string | undefined;
  delete node.compatOnlyType;
  if (compatOnlyType !== undefined && profile === 'strict') node = removeType(node, compatOnlyType);

  if (typeof node.$ref === 'string') {
    // Draft-07 ignores keywords next to $ref; typescript-json-schema sometimes copies the
    // target's keywords there, which only confuses readers (and ajv's strict mode).
    node = Object.fromEntries(Object.entries(node).filter(([keyword]) => REF_SIBLINGS.has(keyword) || keyword.startsWith('x-')));
  }

  if (Array.isArray(node.propertyOrder) && isObject(node.properties)) {
    const properties = node.properties;
    node.properties = Object.fromEntries(
      (node.propertyOrder as string[]).map((key) => [key, properties[key]]),
    );
  }
  delete node.propertyOrder;

  for (const [keyword, child] of Object.entries(node)) {
    if (SCHEMA_MAP_KEYWORDS.has(keyword) && isObject(child)) {
      node[keyword] = Object.fromEntries(
        Object.entries(child).map(([key, schema]) => [key, applyProfile(schema, profile)]),
      );
    } else if (SUBSCHEMA_KEYWORDS.has(keyword)) {
      node[keyword] = applyProfile(child, profile);
    }
  }
  return node;
}

/** Annotations kept next to a $ref. */
const REF_SIBLINGS = new Set(['$ref', 'description', 'default', 'title', 'examples', '$comment']);

/** Keywords whose value is a map of name -> schema. */
const SCHEMA_MAP_KEYWORDS = new Set(['properties', 'definitions', 'patternProperties']);
/** Keywords whose value is a schema or a list of schemas. */
const SUBSCHEMA_KEYWORDS = new Set([
  'items',
  'additionalItems',
  'additionalProperties',
  'propertyNames',
  'contains',
  'not',
  'if',
  'then',
  'else',
  'anyOf',
  'allOf',
  'oneOf',
]);

/** Removes one JSON type from a node's `type` list and its `anyOf` branches. */
function removeType(node: SchemaNode, type: string): SchemaNode {
  const withoutType = (branch: SchemaNode): SchemaNode | null => {
    if (branch.type === type) return null;
    if (Array.isArray(branch.type)) {
      const remaining = branch.type.filter((t) => t !== type);
      if (remaining.length === 0) return null;
      return { ...branch, type: remaining.length === 1 ? remaining[0] : remaining };
    }
    return branch;
  };
  if (Array.isArray(node.anyOf)) {
    const branches = (node.anyOf as SchemaNode[])
      .map(withoutType)
      .filter((branch): branch is SchemaNode => branch !== null);
    const { anyOf: _removed, ...rest } = node;
    if (branches.length !== 1) return { ...rest, anyOf: branches };
    // One branch left: no need for anyOf. The property's own description wins over the branch's.
    const { description: _branchDescription, ...branch } = branches[0] as SchemaNode;
    return { ...rest, ...branch };
  }
  const result = withoutType(node);
  if (result === null) throw new Error(`compatOnlyType ${type} would leave no type at all`);
  return result;
}

function isObject(value: unknown): value is SchemaNode {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
