/**
 * @textgen-spec/conformance: checks any /v1/completions server against the spec.
 *
 * The CLI (`textgen-conformance`) is the usual entry point; these exports let a test suite
 * run the checks in-process, render reports, or inject faults for self-tests.
 */
export { CHECKS } from './checks/registry.js';
export { FEATURES } from './checks/features.js';
export type { FeatureDef, FeatureId } from './checks/features.js';
export { LEVELS, VERDICTS } from './checks/outcome.js';
export type { Level, Verdict } from './checks/outcome.js';
export type { CheckDef } from './checks/types.js';
export type { Profile } from '@textgen-spec/spec';
export { ConnectError, connect, effectiveLevel, featureMap, runSuite, summarize, waitUntilReady } from './runner/run.js';
export type { ProgressEvent, RunOptions, ServerInfo } from './runner/run.js';
export { matches, parseBaseline, selectChecks, splitSelectors } from './runner/select.js';
export type { Baseline } from './runner/select.js';
export { REPORT_SCHEMA_ID } from './report/types.js';
export type {
  ConformanceReport,
  FeatureStatus,
  ReportCheck,
  ReportExchange,
  ReportLevel,
  ReportProfile,
  ReportSummary,
  ReportVerdict,
} from './report/types.js';
export { renderGithub, renderJunit, renderMarkdown } from './reporters/ci.js';
export { formatSummary, renderText } from './reporters/text.js';
export { describeThirdParty, renderCheckList, renderCompatibility, renderCompatibilityMatrix } from './docs/render.js';
export type { MatrixColumn, ThirdPartyReport } from './docs/render.js';
export { EXIT, main, USAGE } from './main.js';
export type { Io } from './main.js';
export { specValidator } from './wire/spec-validator.js';
export type { SchemaIssue, SchemaResult, WireSchema, WireValidator } from './wire/wire-log.js';
export { RUNNER } from './version.js';
