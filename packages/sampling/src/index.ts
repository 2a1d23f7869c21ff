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
