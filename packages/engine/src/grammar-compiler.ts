/**
 * grammar_string -> a grammar constraint for this model's vocabulary, cached by grammar text.
 *
 * The vocabulary's bytes (and, inside the sampling package, its byte trie) are built once per
 * engine, on the first request with a grammar. A compiled constraint keeps its memoized
 * recognizer states and per-state token masks, so a grammar that comes back (every request of
 * a client that always sends the same JSON grammar) starts warm.
 */
import {
  createGrammarConstraint,
  GrammarSyntaxError,
  parseGrammar,
  type Grammar,
  type GrammarConstraint,
  type TokenVocabulary,
} from '@textgen-spec/sampling';
import { tokenBytesFromTokenizerJson } from './token-bytes.js';
import { EngineRequestError } from './types.js';

/** Distinct grammars kept compiled (least recently used dropped first). */
export const GRAMMAR_CACHE_SIZE = 16;
/**
 * Token ids each compiled grammar keeps in its per-state mask cache (4 bytes each): 8 MB per
 * grammar, so the cache stays bounded whatever grammars clients send.
 */
const MASK_CACHE_ENTRIES = 2_000_000;

export class GrammarCompiler {
  private tokenVocabulary: TokenVocabulary | string | undefined;
  private readonly cache = new Map<string, GrammarConstraint>();

  /**
   * @param tokenizerJson the model's parsed `tokenizer.json`, read on first use
   * @param eosTokenIds allowed exactly when the text completes the grammar
   * @param modelId named in error messages
   * @param vocabulary the same vocabulary as id -> piece, when the tokenizer holds it (a
   *   262k-entry vocabulary is read in a fraction of the time)
   */
  constructor(
    private readonly tokenizerJson: () => unknown,
    private readonly eosTokenIds: readonly number[],
    private readonly modelId: string,
    private readonly vocabulary?: () => readonly (string | undefined)[] | undefined,
  ) {}

  /**
   * The constraint for `text`.
   * @throws EngineRequestError (param grammar_string) for an invalid grammar, with its line and
   *   column, or for a tokenizer whose tokens cannot be mapped to bytes.
   */
  compile(text: string): GrammarConstraint {
    const cached = this.cache.get(text);
    if (cached) {
      // Map iteration order is insertion order: re-inserting marks it most recently used.
      this.cache.delete(text);
      this.cache.set(text, cached);
      return cached;
    }
    let grammar: Grammar;
    try {
      grammar = parseGrammar(text);
    } catch (error) {
      if (error instanceof GrammarSyntaxError) {
        throw new EngineRequestError(`grammar_string is not a valid GBNF grammar: ${error.message}`, 'grammar_string', 'invalid_grammar');
      }
      throw asGrammarRequestError(error);
    }
    const vocabulary = this.vocabularyOrReason();
    if (typeof vocabulary === 'string') {
      throw new EngineRequestError(
        `grammar_string is not supported for model ${this.modelId}: ${vocabulary}`,
        'grammar_string',
        'unsupported_parameter',
      );
    }
    const constraint = createGrammarConstraint(grammar, vocabulary, { maxCachedMaskEntries: MASK_CACHE_ENTRIES });
    try {
      // The state before any text: an over-ambiguous grammar is refused here, before generation.
      constraint.start();
    } catch (error) {
      throw asGrammarRequestError(error);
    }
    this.cache.set(text, constraint);
    if (this.cache.size > GRAMMAR_CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    return constraint;
  }

  private vocabularyOrReason(): TokenVocabulary | string {
    if (this.tokenVocabulary === undefined) {
      const result = tokenBytesFromTokenizerJson(this.tokenizerJson(), this.vocabulary?.());
      this.tokenVocabulary = result.ok ? { tokenBytes: result.tokenBytes, eosTokenIds: [...this.eosTokenIds] } : result.reason;
    }
    return this.tokenVocabulary;
  }
}

/**
 * A grammar budget error of the sampling package (GrammarLimitError, recognised by name so
 * that the engine depends only on the grammar module's public names) as a 400 naming
 * grammar_string and the limit; any other error unchanged.
 */
export function asGrammarRequestError(error: unknown): unknown {
  if (!(error instanceof Error) || error.name !== 'GrammarLimitError') return error;
  const limit = (error as Error & { limit?: string }).limit ?? 'grammar_limit';
  return new EngineRequestError(`grammar_string is over a grammar limit (${limit}): ${error.message}`, 'grammar_string', 'grammar_too_complex');
}
