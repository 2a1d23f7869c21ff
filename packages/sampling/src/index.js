export { createRng, randomSeed, seedToState, splitmix64 } from './rng.js';
export { acceptToken, argmax, candidateDistribution, createSequenceState, MAX_TOP_LOGPROBS, NoCandidateError, processLogits, sampleToken, } from './sample.js';
export { logprobsAt, logSumExp, topLogprobs } from './logprobs.js';
export { isGreedy, isProcessor, isStageActive, PROCESSOR_ORDER, resolveFullOrder, resolveSamplerOrder } from './order.js';
export { defaultSamplingParams, samplingParamsFromRequest } from './params.js';
export { DRY_MAX_MATCH } from './processors.js';
export { createGrammarConstraint, Grammar, GrammarSyntaxError, parseGrammar } from './grammar/index.js';
