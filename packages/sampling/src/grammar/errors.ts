/** A grammar that cannot be used: a syntax error, an undefined rule, no `root` rule, left recursion. */
export class GrammarSyntaxError extends Error {
  override readonly name = 'GrammarSyntaxError';

  /**
   * @param reason what is wrong, without the position (e.g. `undefined rule 'value'`)
   * @param line 1-based line of the offending text
   * @param column 1-based column (in characters) of the offending text
   */
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${reason} (line ${line}, column ${column})`);
  }
}

/** The budgets a grammar can go over (GrammarLimitError's `limit`). */
export type GrammarLimitName = 'max_expanded_size' | 'max_parse_stacks' | 'max_compile_ms' | 'max_match_ms';

/**
 * A grammar over one of the budgets that keep compiling and matching it bounded (expanded
 * size, parse stacks alive at once, time to compile, time to compute one token mask).
 * `limit` names the budget.
 */
export class GrammarLimitError extends Error {
  override readonly name = 'GrammarLimitError';

  constructor(
    readonly limit: GrammarLimitName,
    message: string,
  ) {
    super(message);
  }
}
