/**
 * Schema validation of everything the runner receives. Each response body, stream chunk and
 * error body goes through the spec's JSON Schema (in the run's profile); violations are
 * collected here and reported by the `wire.*` checks at the end of the run, each with the
 * ajv message, the JSON path and the request that produced it.
 */
import type { Exchange } from '../http/client.js';
import type { Profile, SchemaIssue as SpecSchemaIssue, SchemaName, SchemaValidation } from '@textgen-spec/spec';

/** The schemas of packages/spec the runner validates against. */
export type WireSchema = Extract<SchemaName, 'completion-response' | 'completion-chunk' | 'error-response' | 'model-list' | 'model'>;

/** One schema violation: the spec's issue type (JSON pointer, message, failing keyword). */
export type SchemaIssue = SpecSchemaIssue;

/** The spec's validation result. */
export type SchemaResult = SchemaValidation;

/** Validates `data` against one of the spec's schemas in a profile. */
export type WireValidator = (schema: WireSchema, data: unknown, profile: Profile) => SchemaResult;

/** One distinct schema violation, with the first place it was seen. */
export interface WireViolation {
  schema: WireSchema;
  path: string;
  message: string;
  keyword: string;
  /** How many times it was seen in this run. */
  count: number;
  /** The check whose request produced it first. */
  checkId: string;
  /** That request and an excerpt of the response. */
  exchange: Exchange;
  /** An excerpt of the offending value (the chunk, the body). */
  value: string;
}

/** Collects violations during a run (shared by every check). */
export class WireLog {
  private readonly seen = new Map<string, WireViolation>();
  /** How many values were validated, per schema. */
  readonly validated: Record<WireSchema, number> = {
    'completion-response': 0,
    'completion-chunk': 0,
    'error-response': 0,
    'model-list': 0,
    model: 0,
  };

  constructor(
    private readonly validator: WireValidator,
    private readonly profile: Profile,
  ) {}

  /** Validates one value and records its violations; returns them too. */
  validate(schema: WireSchema, data: unknown, checkId: string, exchange: Exchange): SchemaIssue[] {
    this.validated[schema]++;
    const result = this.validator(schema, data, this.profile);
    if (result.valid) return [];
    for (const issue of result.issues) {
      const key = `${schema}|${issue.path.replace(/\/\d+(?=\/|$)/g, '/*')}|${issue.keyword}|${issue.message}`;
      const known = this.seen.get(key);
      if (known) {
        known.count++;
        continue;
      }
      this.seen.set(key, {
        schema,
        path: issue.path,
        message: issue.message,
        keyword: issue.keyword,
        count: 1,
        checkId,
        exchange,
        value: excerptValue(data),
      });
    }
    return result.issues;
  }

  /** Violations of one schema, in the order first seen. */
  violations(schema: WireSchema): WireViolation[] {
    return [...this.seen.values()].filter((v) => v.schema === schema);
  }
}

function excerptValue(data: unknown): string {
  const text = JSON.stringify(data) ?? String(data);
  return text.length > 600 ? `${text.slice(0, 600)}…` : text;
}
