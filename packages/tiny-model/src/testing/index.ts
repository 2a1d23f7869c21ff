/**
 * `@textgen-spec/tiny-model/testing`: fixtures for the tests and benchmarks of any package of
 * the workspace (depend on it as a devDependency). Not part of the runtime API (src/index.ts).
 */
export { loadGpt2TokenVocabulary } from './gpt2-token-vocabulary.js';
export type { Gpt2TokenVocabulary } from './gpt2-token-vocabulary.js';
