/**
 * What a check is: a stable id, a level, the feature it belongs to, documentation (what it
 * sends, what it expects, why, and where that comes from) and the code that runs it.
 */
import type { CheckContext } from './context.js';
import type { FeatureId } from './features.js';
import type { Level } from './outcome.js';
import type { Precondition } from './preconditions.js';

/** A check definition. Checks are code; see registry.ts for the list. */
export interface CheckDef {
  /** Stable id, `<area>.<name>` in kebab-case, e.g. `stop.earliest-match`. Never reused. */
  id: string;
  /** One line: what the server must do. */
  title: string;
  level: Level;
  /** The level holds only in the strict profile; in compat the check is INFO. */
  strictOnly?: boolean;
  /** The level holds only in the compat profile; in strict the check is INFO (real clients' TGW bodies). */
  compatOnly?: boolean;
  /** Feature (one row of the compatibility matrix), see FEATURES. */
  feature: FeatureId;
  /** Extra selectors for --only/--skip, e.g. "stream", "tokenizer". */
  tags?: string[];
  /**
   * The feature is optional: when the server rejects the check's request cleanly (4xx and
   * an OpenAI error envelope) the verdict is `unsupported` instead of `fail`.
   */
  optional?: boolean;
  /** What the check sends (docs). */
  sends: string;
  /** What it expects back (docs). */
  expects: string;
  /** Why: the spec sentence, the issue or the pain point behind it. */
  source: string;
  /**
   * Runs after every other check of the run (the wire.* checks, which report what the
   * others received). Such checks ignore --only but honour --skip.
   */
  runsLast?: boolean;
  /**
   * What must hold before the check's own requests mean anything (usually its feature's
   * switch), established by the runner before `run`; when one does not, the check skips
   * naming it (see preconditions.ts). The check reads the switch with `ctx.switchOf(id)`.
   */
  requires?: readonly Precondition[];
  /**
   * False for a check that can pass without the feature doing anything (it only shows that
   * a value is accepted or a bad one rejected): its pass alone never makes the feature
   * "supported" in the matrix. Default true.
   */
  exercises?: boolean;
  /**
   * Runs with no other check in flight (after the others, before the runsLast ones): for
   * checks that compare a request sent alone with the same request under load, and for checks
   * whose requests act on the whole server (stop-generation ends every running completion).
   */
  exclusive?: boolean;
  /** Runs the check; resolves to an optional note (pass) or throws an Outcome. */
  run(ctx: CheckContext): Promise<string | void>;
}
