/**
 * fast-check arbitraries derived from a JSON Schema (draft-07 subset: type, enum, const,
 * minimum/maximum, minLength/maxLength, items, minItems/maxItems, properties,
 * additionalProperties, anyOf/oneOf, $ref into definitions): values the schema accepts, near
 * its boundaries, and values it rejects.
 */
import fc from 'fast-check';

export type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  items?: JsonSchema | JsonSchema[];
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  definitions?: Record<string, JsonSchema>;
  [key: string]: unknown;
};

/** Limits that keep accepted requests cheap to run (size of what the engine generates). */
export interface CostCaps {
  /** Largest integer generated for these property names when the value must be valid. */
  integers?: Record<string, number>;
  /** Longest string / array generated for valid values. */
  maxLength?: number;
}

/** A deeply nested array: the kind of body that overflows recursive parsers. */
export function deepArray(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

/** Values of every JSON type, including awkward ones: huge numbers, odd unicode, nesting. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -0,
    -1,
    1.5,
    1e308,
    -1e308,
    5e-324,
    2 ** 53 + 1,
    -(2 ** 63),
    2 ** 64,
    '',
    ' ',
    '0',
    '1,2,3',
    'NaN',
    'Infinity',
    '\u0000',
    '\ud800',
    '\u202e\u0301',
    '𝕳𝖊𝖑𝖑𝖔 🧑‍🚀',
    [],
    [[]],
    {},
    { '': null },
    { __proto__: null },
  ),
  fc.integer(),
  fc.double(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.integer({ min: 20, max: 400 }).map((depth) => JSON.parse(deepArray(depth)) as unknown),
);

export class SchemaArbitraries {
  readonly #root: JsonSchema;
  readonly #caps: CostCaps;

  constructor(root: JsonSchema, caps: CostCaps = {}) {
    this.#root = root;
    this.#caps = caps;
  }

  resolve(schema: JsonSchema): JsonSchema {
    let current = schema;
    for (let hops = 0; current.$ref !== undefined && hops < 20; hops++) {
      const match = /^#\/definitions\/(.+)$/.exec(current.$ref);
      const target = match ? this.#root.definitions?.[decodeURIComponent(match[1]!)] : undefined;
      if (target === undefined) throw new Error(`cannot resolve ${current.$ref}`);
      current = target;
    }
    return current;
  }

  /** Values the schema accepts (type-wise), biased to its boundaries. */
  valid(input: JsonSchema, name = '', depth = 0): fc.Arbitrary<unknown> {
    const schema = this.resolve(input);
    if (schema.const !== undefined) return fc.constant(schema.const);
    if (schema.enum) return fc.constantFrom(...schema.enum);
    const alternatives = schema.anyOf ?? schema.oneOf;
    if (alternatives) return fc.oneof(...alternatives.map((alt) => this.valid(alt, name, depth + 1)));
    const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : ['string', 'number', 'boolean', 'null'];
    return fc.oneof(...types.map((type) => this.#validOfType(schema, type, name, depth)));
  }

  #validOfType(schema: JsonSchema, type: string, name: string, depth: number): fc.Arbitrary<unknown> {
    const maxLength = this.#caps.maxLength ?? 64;
    switch (type) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'integer': {
        const cap = this.#caps.integers?.[name];
        const min = Math.ceil(schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : -1000));
        let max = Math.floor(schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : 100_000));
        if (cap !== undefined) max = Math.min(max, cap);
        if (max < min) return fc.constant(min);
        return fc.oneof(fc.constantFrom(min, max), fc.integer({ min, max }));
      }
      case 'number': {
        const min = schema.minimum ?? schema.exclusiveMinimum ?? -1e6;
        const max = schema.maximum ?? schema.exclusiveMaximum ?? 1e6;
        const inside = fc.double({ min, max, noNaN: true, minExcluded: schema.exclusiveMinimum !== undefined, maxExcluded: schema.exclusiveMaximum !== undefined });
        const edges = [schema.minimum, schema.maximum].filter((v): v is number => v !== undefined);
        return edges.length ? fc.oneof(fc.constantFrom(...edges), inside) : inside;
      }
      case 'string':
        return fc.string({
          unit: 'grapheme',
          minLength: schema.minLength ?? 0,
          maxLength: Math.min(schema.maxLength ?? maxLength, maxLength),
        });
      case 'array': {
        const itemSchema = Array.isArray(schema.items) ? (schema.items[0] ?? {}) : (schema.items ?? {});
        if (depth > 4) return fc.constant([]);
        const minLength = schema.minItems ?? 0;
        const maxItems = Math.max(minLength, Math.min(schema.maxItems ?? 8, name === 'prompt' ? 4 : 8));
        return fc.array(this.valid(itemSchema, name, depth + 1), { minLength, maxLength: maxItems });
      }
      case 'object': {
        if (depth > 4) return fc.constant({});
        if (schema.properties) {
          const record: Record<string, fc.Arbitrary<unknown>> = {};
          for (const [key, sub] of Object.entries(schema.properties)) record[key] = this.valid(sub, key, depth + 1);
          return fc.record(record, { requiredKeys: schema.required ?? [] });
        }
        const values = typeof schema.additionalProperties === 'object' ? this.valid(schema.additionalProperties, name, depth + 1) : anyJson;
        return fc.dictionary(fc.string({ maxLength: 8 }), values, { maxKeys: 4 });
      }
      default:
        return anyJson;
    }
  }

  /** Values just outside the schema's bounds, of the wrong type, or anything at all. */
  invalid(input: JsonSchema): fc.Arbitrary<unknown> {
    const schema = this.resolve(input);
    const edges: unknown[] = [];
    if (schema.minimum !== undefined) edges.push(schema.minimum - 1, schema.minimum - 1e-9);
    if (schema.maximum !== undefined) edges.push(schema.maximum + 1, schema.maximum + 1e-9, schema.maximum * 1000);
    if (schema.maxItems !== undefined) edges.push(Array.from({ length: schema.maxItems + 1 }, () => 'x'));
    if (schema.type === 'integer') edges.push(0.5, 1e21, -(2 ** 53) - 2);
    return edges.length ? fc.oneof(fc.constantFrom(...edges), anyJson) : anyJson;
  }

  /**
   * Objects for a schema with properties: `always` keys plus up to `maxKeys` others, each
   * valid (mostly) or invalid, and now and then an unknown key.
   */
  requestObject(
    always: Record<string, fc.Arbitrary<unknown>>,
    maxKeys = 6,
  ): fc.Arbitrary<Record<string, unknown>> {
    const properties = this.resolve(this.#root).properties ?? {};
    const keys = Object.keys(properties).filter((key) => !(key in always));
    const valueOf = (key: string): fc.Arbitrary<unknown> =>
      fc.oneof({ weight: 4, arbitrary: this.valid(properties[key]!, key) }, { weight: 1, arbitrary: this.invalid(properties[key]!) });
    return fc
      .tuple(
        fc.record(always),
        fc.shuffledSubarray(keys, { maxLength: maxKeys }).chain((chosen) => {
          const record: Record<string, fc.Arbitrary<unknown>> = {};
          for (const key of chosen) record[key] = valueOf(key);
          return fc.record(record);
        }),
        fc.option(fc.dictionary(fc.string({ maxLength: 12 }), anyJson, { maxKeys: 2 }), { freq: 10 }),
      )
      .map(([base, extra, unknown]) => ({ ...(unknown ?? {}), ...extra, ...base }));
  }
}
