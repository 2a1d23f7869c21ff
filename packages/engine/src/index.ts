export { EngineRequestError } from './types.js';
export type {
  CompleteOptions,
  CompletionEvent,
  CompletionUsageCounts,
  Device,
  Dtype,
  Engine,
  EngineLoadOptions,
  FinishReason,
  LoadProgressEvent,
  LogprobsSlice,
  ModelInfo,
} from './types.js';
