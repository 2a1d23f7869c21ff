export { loadEngine } from './engine.js';
export { EMBEDDED_MODEL_ID } from './load-model.js';
export { MAX_CONTRASTIVE_TOP_K, MAX_PROMPT_LOOKUP_TOKENS } from './request-plan.js';
export { EngineLoadError, EngineRequestError } from './types.js';
export type {
  CompleteOptions,
  CompletionEvent,
  CompletionUsageCounts,
  Device,
  Dtype,
  Engine,
  EngineLoadErrorCode,
  EngineLoadOptions,
  FinishReason,
  LoadProgressEvent,
  LogprobsSlice,
  ModelInfo,
  NextTokenOptions,
  NextTokenProbability,
} from './types.js';
export { IncrementalDetokenizer, codePointLength } from './detokenizer.js';
export type { TokenCodec } from './detokenizer.js';
export { StopStringMatcher } from './stop-strings.js';
export type { StopMatch } from './stop-strings.js';
