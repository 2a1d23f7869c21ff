/**
 * OpenAI's limits on request values, read from the spec's strict-profile request schema
 * (the one source for them), for faults that imitate servers which do not enforce them.
 */
import { getSchema, type JsonSchema } from '@textgen-spec/spec';

export interface Range {
  minimum?: number;
  maximum?: number;
}

const schema = getSchema('completion-request', 'strict');

function node(value: unknown, where: string): JsonSchema {
  if (typeof value !== 'object' || value === null) throw new Error(`the strict completion-request schema has no ${where}`);
  return value as JsonSchema;
}

function range(value: JsonSchema): Range {
  const pick = (key: 'minimum' | 'maximum') => (typeof value[key] === 'number' ? (value[key] as number) : undefined);
  return { minimum: pick('minimum'), maximum: pick('maximum') };
}

/** The numeric range of a top-level request parameter. */
export function parameterRange(name: string): Range {
  const properties = node(schema.properties, 'properties');
  return range(node(properties[name], `property ${name}`));
}

/** The most stop strings a request may carry (the array form's maxItems). */
function maxStops(): number {
  const forms = node(node(schema.properties, 'properties').stop, 'property stop').anyOf;
  const list = Array.isArray(forms) ? forms.map((f) => node(f, 'stop form')).find((f) => f.type === 'array') : undefined;
  if (typeof list?.maxItems !== 'number') throw new Error('the strict completion-request schema sets no maxItems on stop');
  return list.maxItems;
}

/** The range of a logit_bias value. */
function logitBiasRange(): Range {
  const definitions = node(schema.definitions, 'definitions');
  return range(node(node(definitions.LogitBias, 'LogitBias').additionalProperties, 'LogitBias values'));
}

/** OpenAI's limits (the strict profile's). */
export const OPENAI_LIMITS = {
  temperature: parameterRange('temperature'),
  top_p: parameterRange('top_p'),
  presence_penalty: parameterRange('presence_penalty'),
  frequency_penalty: parameterRange('frequency_penalty'),
  logprobs: parameterRange('logprobs'),
  max_tokens: parameterRange('max_tokens'),
  n: parameterRange('n'),
  stop: maxStops(),
  logit_bias: logitBiasRange(),
} as const;

/** One bound of a range; throws when the schema does not set it (the spec changed). */
export function bound(r: Range, key: keyof Range): number {
  const value = r[key];
  if (value === undefined) throw new Error(`the strict completion-request schema sets no ${key} here`);
  return value;
}

/** Clamps a number into a range (both bounds must be set). */
export function clamp(value: number, r: Range): number {
  return Math.min(bound(r, 'maximum'), Math.max(bound(r, 'minimum'), value));
}
