/**
 * Which stages run, and in which order, derived from the stage table (`stages.ts`). The rule:
 *
 * 1. The `LogitsMask` (grammar...) runs first, on a copy of the model's logits.
 * 2. **Logit processors** run next, in the table's order (transformers' processor order, then
 *    the request's logit_bias, then DRY last, as text-generation-webui v1.14 appends it):
 *    encoder_repetition_penalty, repetition_penalty, presence_penalty, frequency_penalty,
 *    no_repeat_ngram, suppress_tokens (custom_token_bans, ban_eos_token), logit_bias, dry.
 * 3. **Warpers** then run in `sampler_priority` order (null: `DEFAULT_WARPER_ORDER`).
 *    - Warpers that an explicit `sampler_priority` does not name run after the named ones, in
 *      the order TGW v1.14 builds them (temperature, top_k, top_p, min_p, typical_p,
 *      epsilon_cutoff, eta_cutoff, tfs, top_a, dynamic_temperature, quadratic_sampling,
 *      mirostat; then top_n_sigma, adaptive_p, xtc): TGW sorts with a stable sort and the key
 *      +inf for them.
 *    - A processor that `sampler_priority` names (TGW HEAD's names repetition_penalty,
 *      presence_penalty, frequency_penalty, dry, encoder_repetition_penalty, no_repeat_ngram)
 *      leaves step 2 and runs at that position among the warpers instead.
 *    - `temperature_last` then moves temperature, dynamic_temperature and quadratic_sampling to
 *      the very end, in that order, named or not (TGW HEAD; v1.14 only moves named ones).
 * 4. The token is drawn from what is left (or, when greedy, taken by argmax).
 *
 * Greedy decoding (`do_sample` false, or `temperature` 0) runs steps 1 and 2 (and the processors
 * that sampler_priority placed among the warpers, in that order) but no warper.
 *
 * A stage whose parameter has its neutral value is not active and costs nothing.
 */
import { STAGES, isStageName, stage } from './stages.js';
import type { StageName } from './stages.js';
import type { SamplerStageName, SamplingParams } from './types.js';

export type { StageName } from './stages.js';

/** Logit processors, in the order they run when sampler_priority does not place them. */
export const PROCESSOR_ORDER: readonly StageName[] = STAGES.filter((s) => s.kind === 'processor').map((s) => s.name);

/** The warper order when sampler_priority is null. */
export const DEFAULT_WARPER_ORDER: readonly SamplerStageName[] = STAGES.filter((s) => s.kind === 'warper').map(
  (s) => s.name as SamplerStageName,
);

/** Warpers in TGW v1.14's build order: where unnamed warpers go. */
const BUILD_ORDER: readonly StageName[] = STAGES.filter((s) => s.kind === 'warper')
  .sort((a, b) => a.buildRank! - b.buildRank!)
  .map((s) => s.name);

const TEMPERATURE_SAMPLERS: readonly StageName[] = ['temperature', 'dynamic_temperature', 'quadratic_sampling'];

/** True for the stages that run in greedy mode too (they edit logits, they do not truncate). */
export function isProcessor(name: StageName): boolean {
  return stage(name).kind === 'processor';
}

/** The parameters that decide the order (a subset of SamplingParams). */
export type OrderParams = Pick<SamplingParams, 'sampler_priority' | 'temperature_last'>;

/**
 * The order of every stage, active or not: processors that sampler_priority does not name,
 * then the sorted part (warpers, and the processors sampler_priority names).
 */
export function resolveFullOrder(params: OrderParams): StageName[] {
  let sorted: StageName[] = params.sampler_priority === null ? [...DEFAULT_WARPER_ORDER] : explicitOrder(params.sampler_priority);
  if (params.temperature_last) {
    sorted = sorted.filter((name) => !TEMPERATURE_SAMPLERS.includes(name));
    sorted.push(...TEMPERATURE_SAMPLERS);
  }
  const upFront = PROCESSOR_ORDER.filter((name) => !sorted.includes(name));
  return [...upFront, ...sorted];
}

/** The named stages (first occurrence of each), then every unnamed warper in build order. */
function explicitOrder(requested: readonly string[]): StageName[] {
  const sorted: StageName[] = [];
  for (const name of requested) {
    if (isStageName(name) && stage(name).orderable && !sorted.includes(name)) sorted.push(name);
  }
  for (const name of BUILD_ORDER) if (!sorted.includes(name)) sorted.push(name);
  return sorted;
}

/** True when this request decodes greedily: `do_sample` false or `temperature` 0. */
export function isGreedy(params: Pick<SamplingParams, 'do_sample' | 'temperature'>): boolean {
  return !params.do_sample || params.temperature === 0;
}

/** Whether a stage does anything with these parameters (its parameter is not neutral). */
export function isStageActive(name: StageName, p: SamplingParams): boolean {
  return stage(name).active(p);
}

/**
 * The stages `sampleToken` runs for these parameters, in the order it runs them: only active
 * stages, and in greedy mode only the processors. See the module comment for the rule.
 */
export function resolveSamplerOrder(params: SamplingParams): StageName[] {
  const greedy = isGreedy(params);
  return resolveFullOrder(params).filter((name) => {
    const s = stage(name);
    return s.active(params) && (!greedy || s.kind === 'processor');
  });
}
