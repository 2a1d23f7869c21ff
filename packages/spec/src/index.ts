export { DEFAULT_SAMPLER_PRIORITY, SAMPLER_NAMES } from './normalized.js';
export type { NormalizedCompletionRequest, NormalizedPrompt, NormalizedStreamOptions, SamplerName } from './normalized.js';
