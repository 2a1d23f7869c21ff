export { createRng, randomSeed, seedToState, splitmix64 } from './rng.js';
export {
  acceptToken,
  argmax,
  candidateDistribution,
  createSequenceState,
  MAX_TOP_LOGPROBS,
  NoCandidateError,
  processLogits,
  sampleToken,
} from './sample.js';
export type { EmptyingStage, TokenProbability } from './sample.js';
export { logprobsAt, logSumExp, topLogprobs } from './logprobs.js';
export {
  DEFAULT_WARPER_ORDER,
  isGreedy,
  isProcessor,
  isStageActive,
  PROCESSOR_ORDER,
  resolveFullOrder,
  resolveSamplerOrder,
} from './order.js';
export { STAGES, stage } from './stages.js';
export { traceSamplerChain } from './trace.js';
export type { SamplerTrace, TraceStep } from './trace.js';
export type { Stage } from './stages.js';
export { TGW_DEVIATIONS } from './tgw-deviations.js';
export type { Deviation, DeviationId } from './tgw-deviations.js';
export type { OrderParams, StageName } from './order.js';
export { ADAPTIVE_P_PARAMS, defaultSamplingParams, samplingParamsFromRequest } from './params.js';
export type { ModelTokenInfo } from './params.js';
export { DRY_MAX_MATCH } from './processors.js';
export {
  createGrammarConstraint,
  Grammar,
  GrammarDeadline,
  GrammarLimitError,
  GrammarSyntaxError,
  parseGrammar,
} from './grammar/index.js';
export type {
  GrammarConstraint,
  GrammarConstraintOptions,
  GrammarLimitName,
  GrammarRule,
  GrammarState,
  GrammarSymbol,
  ParseGrammarOptions,
  TokenVocabulary,
} from './grammar/index.js';
export type {
  AdaptivePState,
  LogitsMask,
  Rng,
  SamplerName,
  SamplerStageName,
  SamplingParams,
  SamplingRequestFields,
  SequenceState,
  StepResult,
  TokenLogprob,
} from './types.js';
