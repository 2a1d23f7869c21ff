/** Normalized requests for tests: TGW/OpenAI defaults plus the fields a test sets. */
import { parseCompletionRequest } from '@textgen-spec/spec';
import type { NormalizedCompletionRequest } from '@textgen-spec/spec';

/** The spec's own defaults: what the server hands the engine for `{ model, prompt: 'Hello' }`. */
export const DEFAULT_REQUEST: NormalizedCompletionRequest = defaultsFromSpec();

function defaultsFromSpec(): NormalizedCompletionRequest {
  return parsedRequest({ model: 'test', prompt: 'Hello' });
}

export function makeRequest(overrides: Partial<NormalizedCompletionRequest> = {}): NormalizedCompletionRequest {
  return { ...DEFAULT_REQUEST, ...overrides };
}

/** Greedy decoding (temperature 0 resolves to do_sample false in the spec). */
export function greedy(overrides: Partial<NormalizedCompletionRequest> = {}): NormalizedCompletionRequest {
  return makeRequest({ temperature: 0, do_sample: false, ...overrides });
}

/** A request body as a client sends it, normalized by the spec's parser (throws if the spec rejects it). */
export function parsedRequest(body: Record<string, unknown>): NormalizedCompletionRequest {
  const parsed = parseCompletionRequest(body);
  if (!parsed.ok) throw new Error(`the spec rejects the request: ${parsed.error.error.message}`);
  return parsed.value;
}
