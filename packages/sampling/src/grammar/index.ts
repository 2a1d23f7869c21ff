export { parseGrammar, type ParseGrammarOptions } from './parser.js';
export { GrammarDeadline } from './deadline.js';
export { GrammarLimitError, GrammarSyntaxError, type GrammarLimitName } from './errors.js';
export { Grammar, type GrammarRule, type GrammarSymbol } from './grammar.js';
export {
  createGrammarConstraint,
  type GrammarConstraint,
  type GrammarConstraintOptions,
  type GrammarState,
  type TokenVocabulary,
} from './constraint.js';
