/**
 * The vocabulary of results, at the bottom of the import graph: levels, verdicts, and the
 * Outcome a check throws to end with a verdict other than pass. Imports nothing.
 */

/**
 * - MUST: the OpenAI specification says so.
 * - SHOULD: what the major servers (vLLM, llama.cpp, TGW) and their test suites agree on.
 * - EXT: a text-generation-webui extension parameter does what TGW documents.
 * - INFO: a fact worth reporting; never fails a run (a deviation is a warning).
 */
export type Level = 'MUST' | 'SHOULD' | 'EXT' | 'INFO';

export const LEVELS: readonly Level[] = ['MUST', 'SHOULD', 'EXT', 'INFO'];

/**
 * - pass: the server behaves as required.
 * - fail: it does not (a MUST, SHOULD or EXT requirement is broken).
 * - warn: an INFO-level deviation, or a check that could not decide; never fails a run.
 * - unsupported: the server rejected an optional feature cleanly (4xx with an error envelope).
 * - skip: the check could not apply (a precondition is missing, e.g. no tokenizer endpoint).
 * - error: the runner itself broke; reported, and it fails the run.
 */
export type Verdict = 'pass' | 'fail' | 'warn' | 'unsupported' | 'skip' | 'error';

export const VERDICTS: readonly Verdict[] = ['pass', 'fail', 'warn', 'unsupported', 'skip', 'error'];

/** Ends a check with a verdict other than pass. */
export class Outcome extends Error {
  constructor(
    readonly verdict: Exclude<Verdict, 'pass' | 'error'>,
    message: string,
  ) {
    super(message);
    this.name = 'Outcome';
  }
}

/**
 * A clean refusal: a 4xx with an OpenAI error envelope. It is a failure for a core feature
 * and `unsupported` for an optional one; shared oracles raise it so that each check that
 * uses them decides by its own `optional` flag.
 */
export class Declined extends Outcome {
  constructor(
    message: string,
    /** The text used when the refusal counts as `unsupported`. */
    readonly declined: string,
  ) {
    super('fail', message);
    this.name = 'Declined';
  }
}

/** The server broke the requirement. */
export function fail(message: string): never {
  throw new Outcome('fail', message);
}

/** The check does not apply here (a precondition is missing). */
export function skip(reason: string): never {
  throw new Outcome('skip', reason);
}

/** The server cleanly declined an optional feature. */
export function unsupported(message: string): never {
  throw new Outcome('unsupported', message);
}

/** A deviation worth reporting that does not break a requirement, or an inconclusive check. */
export function warn(message: string): never {
  throw new Outcome('warn', message);
}

/** Fails with `message` unless `condition` holds. */
export function check(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) fail(typeof message === 'function' ? message() : message);
}
