/**
 * Check selection (--only / --skip) and the baseline of expected failures (--baseline).
 */
import type { CheckDef } from '../checks/types.js';
import { FEATURES } from '../checks/features.js';

/** Tags a check answers to besides its id: its feature, its tags, its level, its group. */
export function selectorsOf(check: CheckDef): string[] {
  const group = FEATURES.find((f) => f.id === check.feature)?.group;
  const out = [check.feature, ...(check.tags ?? []), check.level.toLowerCase()];
  if (group === 'tgw') out.push('ext', 'tgw');
  return out;
}

/**
 * Whether a selector matches a check: its exact id, an id prefix ending in "*"
 * (`stop.*`), its feature, one of its tags, its level (`must`, `should`, `ext`, `info`).
 */
export function matches(check: CheckDef, selector: string): boolean {
  const s = selector.trim();
  if (s === '') return false;
  if (s === check.id) return true;
  if (s.endsWith('*')) return check.id.startsWith(s.slice(0, -1));
  const lower = s.toLowerCase();
  return selectorsOf(check).some((t) => t.toLowerCase() === lower);
}

/** Splits repeatable, comma-separated selector flags into a flat list. */
export function splitSelectors(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((s) => s.trim()).filter((s) => s !== '');
}

/** Selectors that match no check at all (a typo, usually). */
export function unknownSelectors(checks: readonly CheckDef[], selectors: readonly string[]): string[] {
  return selectors.filter((s) => !checks.some((c) => matches(c, s)));
}

/**
 * Applies --only and --skip. Checks that run last (wire.*) are kept whenever anything else
 * runs, because they report on every response the others received; --skip still drops them.
 */
export function selectChecks(checks: readonly CheckDef[], only: readonly string[], skipped: readonly string[]): CheckDef[] {
  const kept = checks.filter((c) => !skipped.some((s) => matches(c, s)));
  if (only.length === 0) return kept;
  const chosen = kept.filter((c) => !c.runsLast && only.some((s) => matches(c, s)));
  const last = kept.filter((c) => c.runsLast && (chosen.length > 0 || only.some((s) => matches(c, s))));
  return [...chosen, ...last];
}

/** Expected failures: check ids (or `prefix.*` patterns), one per line, `#` comments. */
export interface Baseline {
  file: string;
  entries: string[];
}

/** Parses a baseline file's text. Blank lines and `#` comments (whole-line or trailing) are ignored. */
export function parseBaseline(text: string, file: string): Baseline {
  const entries = text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line !== '');
  return { file, entries };
}

/** Whether a baseline entry covers a check id. */
export function baselineCovers(entry: string, id: string): boolean {
  return entry.endsWith('*') ? id.startsWith(entry.slice(0, -1)) : entry === id;
}
