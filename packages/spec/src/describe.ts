/**
 * Turns schema nodes and JSON values into short English phrases for error messages:
 * `{"type": ["integer", "null"], "minimum": 0, "maximum": 5}` -> "an integer from 0 to 5, or null".
 */
import type { JsonSchema } from './schemas.js';

/** What a schema node accepts, as a noun phrase ("a string", "an array of 1 to 4 strings"). */
export function describeSchema(node: JsonSchema, root: JsonSchema): string {
  return joinOr(moveNullLast(alternatives(node, root)));
}

/** The forms a schema node accepts, one phrase each. */
function alternatives(node: JsonSchema, root: JsonSchema): string[] {
  if (typeof node.$ref === 'string') {
    const target = resolveRef(node.$ref, root);
    return target ? alternatives(target, root) : ['a valid value'];
  }
  if (node.const !== undefined) return [JSON.stringify(node.const)];
  if (Array.isArray(node.enum)) return [`one of ${node.enum.map((v) => JSON.stringify(v)).join(', ')}`];
  if (Array.isArray(node.anyOf)) return (node.anyOf as JsonSchema[]).flatMap((branch) => alternatives(branch, root));
  const types = Array.isArray(node.type) ? (node.type as string[]) : typeof node.type === 'string' ? [node.type] : [];
  if (types.length === 0) return ['any value'];
  return types.map((type) => describeType(type, node, root));
}

/** The plural of a phrase from `describeSchema` ("a string" -> "strings"). */
export function pluralize(phrase: string): string {
  const match = /^an? (non-empty )?(string|integer|number|boolean|array|object)\b(.*)$/.exec(phrase);
  if (match) return `${match[1] ?? ''}${match[2]}s${match[3]}`;
  return `values that are each ${phrase}`;
}

/** A short description of a JSON value: `3`, `"hot"`, `an array of 5 items`, `an object`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') {
    const json = JSON.stringify(value);
    return json.length > 42 ? `${json.slice(0, 40)}..."` : json;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return 'an empty array';
    return `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
  }
  if (value !== null && typeof value === 'object') return 'an object';
  return String(value);
}

/** "a", "a or b", "a, b, or c". */
export function joinOr(phrases: string[]): string {
  const unique = [...new Set(phrases)];
  if (unique.length <= 1) return unique[0] ?? '';
  if (unique.length === 2) return `${unique[0]}, or ${unique[1]}`;
  return `${unique.slice(0, -1).join(', ')}, or ${unique[unique.length - 1]}`;
}

export function resolveRef(ref: string, root: JsonSchema): JsonSchema | undefined {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as JsonSchema)[decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node as JsonSchema | undefined;
}

function describeType(type: string, node: JsonSchema, root: JsonSchema): string {
  switch (type) {
    case 'integer':
      return `an integer${describeRange(node)}`;
    case 'number':
      return `a number${describeRange(node)}`;
    case 'string':
      return 'a string';
    case 'boolean':
      return 'a boolean';
    case 'null':
      return 'null';
    case 'array':
      return describeArray(node, root);
    case 'object':
      return describeObject(node, root);
    default:
      return type;
  }
}

function describeRange(node: JsonSchema): string {
  const min = node.minimum as number | undefined;
  const max = node.maximum as number | undefined;
  const exclusiveMin = node.exclusiveMinimum as number | undefined;
  const exclusiveMax = node.exclusiveMaximum as number | undefined;
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  const parts: string[] = [];
  if (min !== undefined) parts.push(`>= ${min}`);
  if (exclusiveMin !== undefined) parts.push(`> ${exclusiveMin}`);
  if (max !== undefined) parts.push(`<= ${max}`);
  if (exclusiveMax !== undefined) parts.push(`< ${exclusiveMax}`);
  return parts.length ? ` ${parts.join(' and ')}` : '';
}

function describeArray(node: JsonSchema, root: JsonSchema): string {
  const min = node.minItems as number | undefined;
  const max = node.maxItems as number | undefined;
  let head = 'an array of';
  if (min !== undefined && max !== undefined) head = `an array of ${min} to ${max}`;
  else if (max !== undefined) head = `an array of at most ${max}`;
  else if (min === 1) head = 'a non-empty array of';
  else if (min !== undefined) head = `an array of at least ${min}`;
  const items = node.items && typeof node.items === 'object' && !Array.isArray(node.items)
    ? pluralize(describeSchema(node.items as JsonSchema, root))
    : 'values';
  return `${head} ${items}`;
}

function describeObject(node: JsonSchema, root: JsonSchema): string {
  const values = node.additionalProperties;
  if (values && typeof values === 'object') {
    return `an object whose values are ${pluralize(describeSchema(values as JsonSchema, root))}`;
  }
  const properties = node.properties ? Object.keys(node.properties as JsonSchema) : [];
  if (properties.length === 0) return 'an object';
  const required = new Set((node.required as string[] | undefined) ?? []);
  const fields = properties.map((p) => (required.has(p) ? p : `${p} (optional)`));
  return `an object with ${fields.join(', ')}`;
}

function moveNullLast(phrases: string[]): string[] {
  return [...phrases.filter((p) => p !== 'null'), ...phrases.filter((p) => p === 'null')];
}
