/**
 * Which stages run, and in which order. The rule, in full:
 *
 * 1. The `LogitsMask` (grammar...) runs first, on a copy of the model's logits.
 * 2. **Logit processors** run next, in this fixed order (Hugging Face's processor order, then
 *    the request's logit_bias, then DRY last, as text-generation-webui v1.14 appends it):
 *    encoder_repetition_penalty, repetition_penalty, presence_penalty, frequency_penalty,
 *    no_repeat_ngram, suppress_tokens (custom_token_bans, ban_eos_token), logit_bias, dry.
 * 3. **Warpers** then run in `sampler_priority` order (default: `DEFAULT_SAMPLER_PRIORITY`).
 *    - Warpers that an explicit `sampler_priority` does not name run after the named ones, in
 *      default order (TGW gives them the sort key +inf, so they keep their default order).
 *    - A processor that `sampler_priority` names (TGW HEAD's names repetition_penalty,
 *      presence_penalty, frequency_penalty, dry, encoder_repetition_penalty, no_repeat_ngram)
 *      leaves step 2 and runs at that position among the warpers instead.
 *    - `temperature_last` then moves temperature, dynamic_temperature and quadratic_sampling to
 *      the very end, in that order, wherever sampler_priority put them (it takes precedence).
 * 4. The token is drawn from what is left (or, when greedy, taken by argmax).
 *
 * Greedy decoding (`do_sample` false, or `temperature` 0) runs steps 1 and 2 (and the processors
 * that sampler_priority placed among the warpers, in that order) but no warper.
 *
 * A stage whose parameter has its neutral value is not active and costs nothing.
 */
import { DEFAULT_SAMPLER_PRIORITY } from '@textgen-spec/spec';
/** Logit processors, in the order they run when sampler_priority does not place them. */
export const PROCESSOR_ORDER = [
    'encoder_repetition_penalty',
    'repetition_penalty',
    'presence_penalty',
    'frequency_penalty',
    'no_repeat_ngram',
    'suppress_tokens',
    'logit_bias',
    'dry',
];
const PROCESSORS = new Set(PROCESSOR_ORDER);
const WARPERS = new Set(DEFAULT_SAMPLER_PRIORITY);
const TEMPERATURE_SAMPLERS = ['temperature', 'dynamic_temperature', 'quadratic_sampling'];
/** True for the stages that run in greedy mode too (they edit logits, they do not truncate). */
export function isProcessor(stage) {
    return PROCESSORS.has(stage);
}
/**
 * The order of every stage, active or not: processors that sampler_priority does not name,
 * then the sorted part (warpers, and the processors sampler_priority names).
 */
export function resolveFullOrder(params) {
    const requested = params.sampler_priority;
    let sorted;
    if (requested === null) {
        sorted = [...DEFAULT_SAMPLER_PRIORITY];
    }
    else {
        sorted = [];
        for (const name of requested) {
            if ((WARPERS.has(name) || PROCESSORS.has(name)) && !sorted.includes(name))
                sorted.push(name);
        }
        for (const name of DEFAULT_SAMPLER_PRIORITY) {
            if (!sorted.includes(name))
                sorted.push(name);
        }
    }
    if (params.temperature_last) {
        sorted = sorted.filter((name) => !TEMPERATURE_SAMPLERS.includes(name));
        sorted.push(...TEMPERATURE_SAMPLERS);
    }
    const upFront = PROCESSOR_ORDER.filter((name) => !sorted.includes(name));
    return [...upFront, ...sorted];
}
/** True when this request decodes greedily: `do_sample` false or `temperature` 0. */
export function isGreedy(params) {
    return !params.do_sample || params.temperature === 0;
}
/** Whether a stage does anything with these parameters (its parameter is not neutral). */
export function isStageActive(stage, p) {
    switch (stage) {
        case 'encoder_repetition_penalty':
            return p.encoder_repetition_penalty !== 1;
        case 'repetition_penalty':
            return p.repetition_penalty !== 1;
        case 'presence_penalty':
            return p.presence_penalty !== 0;
        case 'frequency_penalty':
            return p.frequency_penalty !== 0;
        case 'no_repeat_ngram':
            return p.no_repeat_ngram_size > 0;
        case 'suppress_tokens':
            return p.suppress_tokens.length > 0;
        case 'logit_bias':
            for (const _ in p.logit_bias)
                return true;
            return false;
        case 'dry':
            return p.dry_multiplier > 0;
        case 'temperature':
            return p.temperature !== 1;
        case 'dynamic_temperature':
            return p.dynamic_temperature;
        case 'quadratic_sampling':
            return p.smoothing_factor > 0;
        case 'top_k':
            return p.top_k > 0;
        case 'top_p':
            return p.top_p < 1;
        case 'typical_p':
            return p.typical_p < 1;
        case 'epsilon_cutoff':
            return p.epsilon_cutoff > 0;
        case 'eta_cutoff':
            return p.eta_cutoff > 0;
        case 'tfs':
            return p.tfs < 1;
        case 'top_a':
            return p.top_a > 0;
        case 'min_p':
            return p.min_p > 0;
        case 'mirostat':
            return p.mirostat_mode === 1 || p.mirostat_mode === 2;
        case 'top_n_sigma':
            return p.top_n_sigma > 0;
        case 'xtc':
            return p.xtc_probability > 0;
    }
}
/**
 * The stages `sampleToken` runs for these parameters, in the order it runs them: only active
 * stages, and in greedy mode only the processors. See the module comment for the rule.
 */
export function resolveSamplerOrder(params) {
    const greedy = isGreedy(params);
    return resolveFullOrder(params).filter((stage) => isStageActive(stage, params) && (!greedy || isProcessor(stage)));
}
