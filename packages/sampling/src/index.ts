export type {
  LogitsMask,
  Rng,
  SamplerName,
  SamplingParams,
  SamplingRequestFields,
  SequenceState,
  StepResult,
  TokenLogprob,
} from './types.js';
export { createGrammarConstraint, Grammar, GrammarSyntaxError, parseGrammar } from './grammar/index.js';
export type {
  GrammarConstraint,
  GrammarConstraintOptions,
  GrammarRule,
  GrammarState,
  GrammarSymbol,
  TokenVocabulary,
} from './grammar/index.js';
