/**
 * What the extension probes share: their declaration defaults and the repetitive prompt.
 */
import { define } from '../helpers.js';
import { PROMPTS } from '../oracles.js';
import type { CheckDef } from '../types.js';

export const REP = PROMPTS.repetitive;

/** Common declaration fields of an extension probe. */
export function ext(def: Omit<CheckDef, 'level' | 'optional'>): CheckDef {
  return define({ ...def, level: 'EXT', optional: true });
}
