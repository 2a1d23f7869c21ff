export type {
  LogitsMask,
  Rng,
  SamplerName,
  SamplingParams,
  SamplingRequestFields,
  SequenceState,
  StepResult,
  TokenLogprob,
} from './types.js';
export { createRng, randomSeed, seedToState, splitmix64 } from './rng.js';
export { acceptToken, argmax, createSequenceState, MAX_TOP_LOGPROBS, NoCandidateError, sampleToken } from './sample.js';
export { logprobsAt, logSumExp, topLogprobs } from './logprobs.js';
export { isGreedy, isProcessor, isStageActive, PROCESSOR_ORDER, resolveFullOrder, resolveSamplerOrder } from './order.js';
export type { OrderParams, StageName } from './order.js';
export { defaultSamplingParams } from './params.js';
export { DRY_MAX_MATCH } from './processors.js';
