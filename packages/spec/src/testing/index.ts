/**
 * `@textgen-spec/spec/testing`: helpers for the tests and generator scripts of any package of
 * the workspace (depend on it as a devDependency). Not part of the runtime API (src/index.ts)
 * and never imported by it.
 */
export { driftedFiles, findPackageRoot, writeGeneratedFiles } from './generated-files.js';
export type { GeneratedFiles } from './generated-files.js';
export { architectureReport, findCycles, importsOf, longFunctions, parseSources, parseText, specifiersOf, unexplainedState } from './source-checks.js';
export type { ArchitectureOptions, ArchitectureReport } from './source-checks.js';
export { describeArchitecture } from './architecture-suite.js';
