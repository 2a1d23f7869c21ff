/**
 * grammar_string -> a grammar constraint for this model's vocabulary, cached by grammar text.
 *
 * The vocabulary's bytes (and, inside the sampling package, its byte trie) are built once per
 * engine, on the first request with a grammar. A compiled constraint keeps its memoized
 * recognizer states and per-state token masks, so a grammar that comes back (every request of
 * a client that always sends the same JSON grammar) starts warm.
 *
 * Compiling is parsing, the state before any text and that state's token mask (the first
 * step's work), all within GRAMMAR_COMPILE_MS; every later mask not computed before has
 * GRAMMAR_MATCH_MS. The deadlines are checked between small units of the work itself, so a
 * grammar inside every structural limit but slow to match (`root ::= (.?){4000}`: two minutes
 * for its first mask) is a 400 after about GRAMMAR_COMPILE_MS, and the worker thread is free again.
 */
import {
  createGrammarConstraint,
  GrammarDeadline,
  GrammarSyntaxError,
  parseGrammar,
  type Grammar,
  type GrammarConstraint,
  type TokenVocabulary,
} from '@textgen-spec/sampling';
import type { TokenBytesResult } from './token-bytes.js';
import { EngineRequestError } from './types.js';

/** Distinct grammars kept compiled (least recently used dropped first). */
export const GRAMMAR_CACHE_SIZE = 16;
/** Time budget for compiling one grammar, in ms (max_compile_ms): parse, initial state, first mask. */
export const GRAMMAR_COMPILE_MS = 2000;
/** Time budget for each later token mask not computed before, in ms (max_match_ms). */
export const GRAMMAR_MATCH_MS = 1000;
/**
 * Token ids each compiled grammar keeps in its per-state mask cache (4 bytes each): 8 MB per
 * grammar, so the cache stays bounded whatever grammars clients send.
 */
const MASK_CACHE_ENTRIES = 2_000_000;

export class GrammarCompiler {
  private tokenVocabulary: TokenVocabulary | string | undefined;
  private readonly cache = new Map<string, GrammarConstraint>();
  /**
   * Grammars refused for a budget, by text, so that sending one again costs nothing (it would
   * cost the worker GRAMMAR_COMPILE_MS each time). Bounded like the cache.
   */
  private readonly refused = new Map<string, EngineRequestError>();

  /**
   * @param tokenBytes each token's bytes (token-bytes.ts), read on first use: the engine hands
   *   in the result its detokenizer table was built from, so the bytes are held once
   * @param eosTokenIds allowed exactly when the text completes the grammar
   * @param modelId named in error messages
   */
  constructor(
    private readonly tokenBytes: () => TokenBytesResult,
    private readonly eosTokenIds: readonly number[],
    private readonly modelId: string,
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
    const refused = this.refused.get(text);
    if (refused) throw refused;
    try {
      const constraint = this.compileWithin(text, new GrammarDeadline(GRAMMAR_COMPILE_MS, 'max_compile_ms', 'compiling the grammar'));
      remember(this.cache, text, constraint);
      return constraint;
    } catch (error) {
      const mapped = asGrammarRequestError(error);
      if (mapped instanceof EngineRequestError && mapped.code === 'grammar_too_complex') remember(this.refused, text, mapped);
      throw mapped;
    }
  }

  private compileWithin(text: string, deadline: GrammarDeadline): GrammarConstraint {
    let grammar: Grammar;
    try {
      grammar = parseGrammar(text, { deadline });
    } catch (error) {
      if (error instanceof GrammarSyntaxError) {
        throw new EngineRequestError(`grammar_string is not a valid GBNF grammar: ${error.message}`, 'grammar_string', 'invalid_grammar');
      }
      throw error;
    }
    // The vocabulary's bytes and trie are built once per engine: not the grammar's cost.
    const vocabulary = deadline.excluding(() => this.vocabularyOrReason());
    if (typeof vocabulary === 'string') {
      throw new EngineRequestError(
        `grammar_string is not supported for model ${this.modelId}: ${vocabulary}`,
        'grammar_string',
        'unsupported_parameter',
      );
    }
    const constraint = deadline.excluding(() =>
      createGrammarConstraint(grammar, vocabulary, { maxCachedMaskEntries: MASK_CACHE_ENTRIES, maxMatchMs: GRAMMAR_MATCH_MS }),
    );
    // The state before any text and its mask: an over-ambiguous or slow grammar is refused
    // here, before generation.
    constraint.prepare(deadline);
    return constraint;
  }

  private vocabularyOrReason(): TokenVocabulary | string {
    if (this.tokenVocabulary === undefined) {
      const result = this.tokenBytes();
      this.tokenVocabulary = result.ok ? { tokenBytes: result.tokenBytes, eosTokenIds: [...this.eosTokenIds] } : result.reason;
    }
    return this.tokenVocabulary;
  }
}

/** Sets `key` in a map used as an LRU of GRAMMAR_CACHE_SIZE entries. */
function remember<T>(map: Map<string, T>, key: string, value: T): void {
  map.set(key, value);
  if (map.size > GRAMMAR_CACHE_SIZE) map.delete(map.keys().next().value!);
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
