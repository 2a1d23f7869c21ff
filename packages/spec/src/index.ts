export { DEFAULT_SAMPLER_PRIORITY, SAMPLER_NAMES, SAMPLER_PRIORITY_NAMES } from './normalized.js';
export type { NormalizedCompletionRequest, NormalizedPrompt, NormalizedStreamOptions, SamplerName, SamplerPriorityName } from './normalized.js';

export type {
  CompletionRequest,
  LogitBias,
  Prompt,
  PromptList,
  SamplerPriorityList,
  StopList,
  StreamOptions,
  TokenBanList,
  TokenIdList,
  TokenIdListBatch,
} from './types/completion-request.js';
export type {
  CompletionChoice,
  CompletionChunk,
  CompletionChunkChoice,
  CompletionResponse,
  FinishReason,
  Logprobs,
  TextOffsetList,
  TopLogprobs,
  Usage,
} from './types/completion-response.js';
export type { ErrorObject, ErrorResponse } from './types/error-response.js';
export type { Model, ModelList } from './types/models.js';
export type { Preset, PresetList, PresetParameter, PresetValues } from './types/presets.js';
export type {
  DecodeRequest,
  DecodeResponse,
  EncodeRequest,
  EncodeResponse,
  TokenCountRequest,
  TokenCountResponse,
  TokenIds,
} from './types/tokenizer.js';

export { PRESET_PARAMETERS } from './presets.js';
export { isProfile, openApiPath, PROFILES, SCHEMA_NAMES, SCHEMA_ROOT_TYPES, schemaId } from './schema-names.js';
export type { Profile, SchemaName, ValidationProfile } from './schema-names.js';
export { API_ROUTES, COMMON_ERRORS } from './api-routes.js';
export type { ApiRoute, ApiRouteError, InlineSchema } from './api-routes.js';
export { getOpenApiDocument, openApiText } from './openapi.js';
export type { OpenApiDocument } from './openapi.js';
export { getSchema } from './schemas.js';
export type { JsonSchema } from './schemas.js';
export { validateSchema } from './validate.js';
export type { SchemaIssue, SchemaValidation, ValidateOptions } from './validate.js';
export { errorResponse } from './errors.js';
export type { ErrorResponseOptions, ParseFailure, ParseResult } from './errors.js';
export {
  COMPLETION_DEFAULTS,
  DEFAULT_UNKNOWN_FIELDS,
  parseCompletionRequest,
  parseDecodeRequest,
  parseEncodeRequest,
  parseLoadModelRequest,
  parseLogitsRequest,
  parseTokenCountRequest,
} from './parse.js';
export type { NormalizedLogitsRequest, ParseOptions, UnknownFieldPolicy } from './parse.js';
export type {
  HealthResponse,
  LoadModelArgs,
  LoadModelRequest,
  LogitsRequest,
  LogitsResponse,
  ModelInfoResponse,
  ModelNameList,
} from './types/internal.js';
export { parseSamplerTraceRequest, SAMPLER_TRACE_TOP_LOGITS } from './parse-sampler-trace.js';
export type { ParsedSamplerTrace } from './parse-sampler-trace.js';
export type {
  SamplerTraceRequest,
  SamplerTraceResponse,
  SamplerTraceStep,
  SamplerTraceToken,
} from './types/sampler-trace.js';
export { REQUEST_DEFAULTS } from './request-defaults.js';
