/**
 * Every check, in report order. Ids are stable: a check that changes meaning gets a new id.
 */
import { choiceChecks } from './choices.js';
import { clientChecks } from './clients.js';
import { coreChecks } from './core.js';
import { echoLogprobsChecks } from './echo-logprobs.js';
import { advancedChecks, extChecks } from './ext/index.js';
import { seedStreamChecks } from './seed-stream.js';
import { stopChecks } from './stop.js';
import type { CheckDef } from './types.js';
import { wireChecks } from './wire.js';

export const CHECKS: readonly CheckDef[] = [
  ...coreChecks,
  ...stopChecks,
  ...echoLogprobsChecks,
  ...seedStreamChecks,
  ...choiceChecks,
  ...extChecks,
  ...advancedChecks,
  ...clientChecks,
  ...wireChecks,
];
