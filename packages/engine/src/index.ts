export { DEFAULT_PREFILL_PASS_MS, loadEngine } from './engine.js';
export { DEFAULT_BATCH_LIMITS } from './scheduler.js';
export { EMBEDDED_MODEL_ID, EMBEDDED_MODEL_IDS } from './load-model.js';
export { MAX_CONTRASTIVE_TOP_K, MAX_PROMPT_LOOKUP_TOKENS } from './request-plan.js';
export { MAX_BATCH_ROWS, MAX_BEST_OF, MAX_STRING_LIST_CHARS, maxInputChars } from './request-bounds.js';
export { EngineLoadError, EngineRequestError, EngineUnavailableError } from './types.js';
export type {
  BatchLimits,
  BatchStats,
  CompleteOptions,
  CompletionEvent,
  CompletionUsageCounts,
  Device,
  Dtype,
  Engine,
  EngineLoadErrorCode,
  EngineLoadOptions,
  EngineUnavailableCode,
  LocalEngine,
  FinishReason,
  LoadProgressEvent,
  LogprobsSlice,
  ModelInfo,
  RuntimeThreads,
  SamplerTraceOptions,
  SamplerTraceResult,
  NextTokenOptions,
  NextTokenProbability,
} from './types.js';
export { IncrementalDetokenizer, codePointLength } from './detokenizer.js';
export type { TokenCodec } from './detokenizer.js';
export { StopStringMatcher } from './stop-strings.js';
export type { StopMatch } from './stop-strings.js';
export { loadEngineInWorker } from './worker/worker-engine.js';
export type { WorkerEngineOptions } from './worker/worker-engine.js';
