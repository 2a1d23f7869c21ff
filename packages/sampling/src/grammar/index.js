export { parseGrammar } from './parser.js';
export { GrammarSyntaxError } from './errors.js';
export { Grammar } from './grammar.js';
export { createGrammarConstraint, } from './constraint.js';
