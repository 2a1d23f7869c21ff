/**
 * Parsing the body of `POST /v1/internal/sampler-trace`: its own schema (the sampling
 * parameters of a completion request, a string prompt, `top_logits`), then the completion
 * request's normalization, so every parameter means exactly what it means in a completion.
 */
import type { ParseResult } from './errors.js';
import type { NormalizedCompletionRequest } from './normalized.js';
import { checkSchema, parseCompletionRequest } from './parse.js';
import type { ParseOptions } from './parse.js';
import type { SamplerTraceRequest } from './types/sampler-trace.js';

/** What a sampler trace needs: the request as a completion would see it, and how many tokens to list per step. */
export interface ParsedSamplerTrace {
  request: NormalizedCompletionRequest;
  topLogits: number;
}

/** The default of `top_logits`. */
export const SAMPLER_TRACE_TOP_LOGITS = 20;

/** Parses the JSON body of `POST /v1/internal/sampler-trace`, or returns a 400 naming the parameter. */
export function parseSamplerTraceRequest(body: unknown, options: ParseOptions = {}): ParseResult<ParsedSamplerTrace> {
  // This endpoint is ours, not TGW's: no client sends it extra fields, and the output options of
  // a completion (n, echo, logprobs, stream...) must be refused rather than ignored in any profile.
  const checked = checkSchema('sampler-trace-request', body, { ...options, unknownFields: 'reject' });
  if (!checked.ok) return checked;
  const { top_logits: topLogits, ...completion } = checked.value as SamplerTraceRequest;
  const parsed = parseCompletionRequest(completion, options);
  if (!parsed.ok) return parsed;
  return { ok: true, value: { request: parsed.value, topLogits: topLogits ?? SAMPLER_TRACE_TOP_LOGITS } };
}
