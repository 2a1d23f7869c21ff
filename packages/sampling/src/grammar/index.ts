export { parseGrammar } from './parser.js';
export { GrammarLimitError, GrammarSyntaxError } from './errors.js';
export { Grammar, type GrammarRule, type GrammarSymbol } from './grammar.js';
export {
  createGrammarConstraint,
  type GrammarConstraint,
  type GrammarConstraintOptions,
  type GrammarState,
  type TokenVocabulary,
} from './constraint.js';
