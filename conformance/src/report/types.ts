/**
 * The machine-readable report (`--json FILE`). These types are the source of the published
 * JSON Schema, conformance/report.schema.json (generated with typescript-json-schema and
 * drift-checked by a test). Keep every field documented: the comments become the schema's
 * descriptions.
 */

/** The `$id` of the published report schema. */
export const REPORT_SCHEMA_ID = 'https://textgen-spec.dev/schema/conformance-report/v1.json';

export type ReportLevel = 'MUST' | 'SHOULD' | 'EXT' | 'INFO';
export type ReportProfile = 'strict' | 'compat';
export type ReportVerdict = 'pass' | 'fail' | 'warn' | 'unsupported' | 'skip' | 'error';

/**
 * How well a server supports one feature:
 * - supported: every check that ran passed (INFO warnings allowed);
 * - partial: some checks passed and some failed or were declined;
 * - failing: the feature is accepted but every check of it failed;
 * - unsupported: the server declined every request of the feature cleanly (4xx + envelope);
 * - untested: every check of the feature was skipped or filtered out.
 */
export type FeatureStatus = 'supported' | 'partial' | 'failing' | 'unsupported' | 'untested';

/** One HTTP exchange kept as evidence for a non-passing check. */
export interface ReportExchange {
  method: string;
  /** Path relative to the server URL. */
  path: string;
  /** The JSON body sent (or the raw text, for malformed-body checks). */
  request?: unknown;
  status?: number;
  contentType?: string;
  /** The start of the response body (raw SSE text for streams). */
  response?: string;
  durationMs: number;
  /** Transport failure: refused, reset or timed out. */
  error?: string;
}

/** The result of one check. */
export interface ReportCheck {
  /** Stable check id, e.g. "stop.earliest-match". */
  id: string;
  /** What the server must do, in one line. */
  title: string;
  /** Feature id (a key of `features`). */
  feature: string;
  /** Level in this run's profile (a strict-only check is INFO in the compat profile). */
  level: ReportLevel;
  tags: string[];
  verdict: ReportVerdict;
  /** Why it did not pass, or a note (e.g. which form the server chose). Empty when nothing to say. */
  message: string;
  durationMs: number;
  /** The spec sentence, issue or pain point the check comes from. */
  source: string;
  /**
   * Present (false) when the check can pass without the feature doing anything (it only
   * shows a value is accepted or a bad one rejected): such a pass alone never makes the
   * feature "supported".
   */
  exercises?: boolean;
  /** The check failed and the baseline lists it: the failure does not fail the run. */
  expectedFailure?: boolean;
  /** The baseline lists the check but it passed: the entry is stale and fails the run. */
  staleBaseline?: boolean;
  /** The last requests the check made, for fail, error and warn verdicts. */
  exchanges?: ReportExchange[];
}

export interface ReportSummary {
  total: number;
  pass: number;
  fail: number;
  warn: number;
  unsupported: number;
  skip: number;
  error: number;
  /** Failures (or errors) listed in the baseline. */
  expectedFailures: number;
  /** Baseline entries whose checks now pass. */
  staleBaseline: number;
  /** The runner's exit status: 0 = nothing unexpected failed, 1 = something did. */
  exitCode: number;
}

/** A conformance report: one run of the runner against one server. */
export interface ConformanceReport {
  /** The report schema's `$id`. */
  $schema: string;
  runner: {
    name: string;
    version: string;
  };
  server: {
    /** The URL the runner was pointed at. */
    url: string;
    /** The model id the checks used. */
    model: string;
    /** Model ids listed by GET /v1/models (empty when the list was unavailable). */
    models: string[];
    /** `system_fingerprint` of the first completion, null when the server sends none. */
    systemFingerprint: string | null;
  };
  profile: ReportProfile;
  /** ISO 8601 timestamps. */
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** Check selectors given with --only and --skip. */
  filters: {
    only: string[];
    skip: string[];
  };
  /** The baseline file, when one was given. */
  baseline?: {
    file: string;
    entries: string[];
    /** Entries whose checks all passed this time: stale, they fail the run. */
    stale: string[];
  };
  summary: ReportSummary;
  /** One row of a compatibility matrix: feature id -> status. */
  features: { [feature: string]: FeatureStatus };
  /** Every check that ran, in registry order. */
  checks: ReportCheck[];
}
