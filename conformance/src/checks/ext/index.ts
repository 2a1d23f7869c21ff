/**
 * Probes of the text-generation-webui extension parameters. Each is model-agnostic: it
 * compares the server's answers with and without the parameter, using settings whose
 * documented effect is visible on any model:
 *
 * - collapse: a setting that leaves one candidate per step (top_k 1, min_p 1, ...) turns a
 *   temperature-1 sample into the greedy answer;
 * - seed independence: a setting that leaves one (not necessarily the top) candidate makes
 *   the answer the same for every seed;
 * - change: a setting that reshapes the distribution changes the sample for some seed;
 * - penalties: a repetitive prompt's greedy answer changes;
 * - constructed distributions (semantics.ts): logit_bias gives a few tokens known logits, and
 *   one-token draws show which of them a sampler keeps, judged by TGW's semantics.
 *
 * A server that does not know a parameter should reject it (4xx + envelope): `unsupported`.
 * One that accepts it and does nothing fails.
 */
import type { CheckDef } from '../types.js';
import { DECODING_CHECKS } from './decoding.js';
import { DRY_CHECKS } from './dry.js';
import { GRAMMAR_CHECKS } from './grammar.js';
import { GUIDANCE_CHECKS } from './guidance.js';
import { INTERNAL_API_CHECKS } from './internal-api.js';
import { ORDER_CHECKS } from './order.js';
import { PENALTY_CHECKS } from './penalties.js';
import { PRESET_CHECKS } from './preset.js';
import { CONSTRUCTED_CHECKS } from './semantics.js';
import { THROTTLE_CHECKS } from './throttle.js';
import { TOKEN_CHECKS } from './tokens.js';
import { TRUNCATION_CHECKS } from './truncation.js';

/** The sampler and token-control probes, in report order. */
export const extChecks: CheckDef[] = [...TRUNCATION_CHECKS, ...ORDER_CHECKS, ...CONSTRUCTED_CHECKS, ...PENALTY_CHECKS, ...DRY_CHECKS, ...TOKEN_CHECKS];

/** The grammar, guidance, decoding, throttle and preset probes, in report order. */
export const advancedChecks: CheckDef[] = [...GRAMMAR_CHECKS, ...GUIDANCE_CHECKS, ...DECODING_CHECKS, ...THROTTLE_CHECKS, ...PRESET_CHECKS, ...INTERNAL_API_CHECKS];
