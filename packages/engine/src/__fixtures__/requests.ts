/** Normalized requests for tests: TGW/OpenAI defaults plus the fields a test sets. */
import { parseCompletionRequest } from '@textgen-spec/spec';
import type { NormalizedCompletionRequest } from '@textgen-spec/spec';

/** The spec's own defaults: what the server hands the engine for `{ model, prompt: 'Hello' }`. */
export const DEFAULT_REQUEST: NormalizedCompletionRequest = defaultsFromSpec();

function defaultsFromSpec(): NormalizedCompletionRequest {
  const parsed = parseCompletionRequest({ model: 'test', prompt: 'Hello' });
  if (!parsed.ok) throw new Error(`the spec rejects its minimal request: ${parsed.error.error.message}`);
  return parsed.value;
}

export function makeRequest(overrides: Partial<NormalizedCompletionRequest> = {}): NormalizedCompletionRequest {
  return { ...DEFAULT_REQUEST, ...overrides };
}

/** Greedy decoding (temperature 0 resolves to do_sample false in the spec). */
export function greedy(overrides: Partial<NormalizedCompletionRequest> = {}): NormalizedCompletionRequest {
  return makeRequest({ temperature: 0, do_sample: false, ...overrides });
}
