/**
 * Preconditions: what must hold before a check's own request can mean anything, usually
 * that its feature's switch is honoured (mirostat_eta says nothing while mirostat is off).
 *
 * A check lists its preconditions in `requires`. Before the check runs, the runner
 * establishes each one (once per run, shared by every check that requires it); the check
 * then reads the fields that worked with `ctx.met(id)` and adds them to its own requests.
 * A precondition that does not hold ends the check as `skip`, naming the precondition and
 * why; one that every way of meeting it was declined (a clean 4xx) ends it as `unsupported`.
 * So a check's verdict is always about its own request, never a shared step's failure.
 *
 * A precondition can be met in several ways, tried in order: the text-generation-webui
 * field first, then a server's own alternative (llama.cpp switches mirostat on with
 * `mirostat`, not `mirostat_mode`, and dynamic temperature with `dynatemp_range`).
 */
import type { CheckContext, Fields, Met } from './context.js';
import { Declined, Outcome, skip } from './outcome.js';

/** One way of meeting a precondition: the fields that switch the feature on. */
export interface Way {
  /** How it is named in messages and docs, e.g. "`mirostat_mode: 2`". */
  label: string;
  /** The switch: added to the requiring check's requests. */
  fields: Fields;
  /** What the switch is compared with, when it needs more than its own fields (default {}). */
  base?: Fields;
}

export interface Precondition {
  /** Stable id, `<feature>.<what>`, e.g. `mirostat.on`. */
  id: string;
  /** What holds when it is met, e.g. "mirostat can be switched on". */
  title: string;
  /** How it is proved (docs). */
  proof: string;
  ways: readonly Way[];
  /** Proves that `way` works; resolves to the evidence, throws an Outcome (fail: ignored). */
  prove(ctx: CheckContext, way: Way): Promise<string | void>;
}

/** Declares a precondition (an identity function that gives the literal its type). */
export function precondition(p: Precondition): Precondition {
  return p;
}

/**
 * Establishes `p` for the asking check (shared per run) and records how in `ctx.met`.
 * Throws `skip` when no way works, Declined (unsupported for optional checks) when every
 * way was declined, and passes an oracle's own skip through.
 */
export async function establish(ctx: CheckContext, p: Precondition): Promise<Met> {
  const met = await ctx.shared(`precondition:${p.id}`, async (c): Promise<Met> => {
    const reasons: string[] = [];
    let declined = 0;
    for (const way of p.ways) {
      try {
        const evidence = (await p.prove(c, way)) ?? '';
        return { id: p.id, label: way.label, fields: way.fields, base: way.base ?? {}, evidence };
      } catch (err) {
        if (err instanceof Declined) {
          declined++;
          reasons.push(`${way.label} ${err.declined}`);
        } else if (err instanceof Outcome && err.verdict === 'fail') {
          reasons.push(`${way.label}: ${err.message}`);
        } else {
          throw err;
        }
      }
    }
    const why = `precondition \`${p.id}\` (${p.title}) does not hold: ${reasons.join('; ')}`;
    if (declined === p.ways.length) throw new Declined(why, why);
    skip(why);
  });
  ctx.met.set(p.id, met);
  if (met.label !== p.ways[0]?.label) ctx.note(`${p.id} met through ${met.label}`);
  return met;
}
