/**
 * Time budgets for grammar work. Structural limits (nesting, expanded size, parse stacks) bound
 * each step, but a grammar inside all of them can still make one step slow (`(.?){4000}`: every
 * byte of every vocabulary token is read 4,000 ways at once; its first token mask took two
 * minutes). A deadline is checked between bounded units of work (a parsed alternative, a
 * recognizer transition), so going over it stops the work within one unit and throws
 * GrammarLimitError naming the budget.
 */
import { GrammarLimitError, type GrammarLimitName } from './errors.js';

export class GrammarDeadline {
  private end: number;

  /**
   * @param limitMs the budget in milliseconds, counted from now
   * @param limit the budget's name, as GrammarLimitError reports it
   * @param what what the budget covers, for the message (e.g. "compiling the grammar")
   */
  constructor(
    readonly limitMs: number,
    readonly limit: GrammarLimitName,
    private readonly what: string,
  ) {
    this.end = performance.now() + limitMs;
  }

  /** @throws GrammarLimitError when the budget is spent. */
  check(): void {
    if (performance.now() > this.end) {
      throw new GrammarLimitError(
        this.limit,
        `${this.what} took more than ${this.limitMs} ms (${this.limit}); simplify the grammar (fewer optional or ambiguous items in a row)`,
      );
    }
  }

  /** Runs `fn` without counting its time against the budget (work that is not the grammar's). */
  excluding<T>(fn: () => T): T {
    const started = performance.now();
    try {
      return fn();
    } finally {
      this.end += performance.now() - started;
    }
  }
}
