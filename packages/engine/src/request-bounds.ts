/**
 * The bounds that keep one request's work and memory finite, checked before anything is
 * tokenized or computed (each excess is a 400 naming its parameter):
 * - best_of (and n) at most MAX_BEST_OF, OpenAI's limit;
 * - prompts x best_of, the rows of the batch, at most MAX_BATCH_ROWS;
 * - a text prompt no longer than the context could hold even if every token were the longest
 *   of the vocabulary (`maxInputChars`): anything longer cannot fit, so it is refused
 *   (context_length_exceeded) without the cost of tokenizing it; with truncation_length, only
 *   its tail is tokenized;
 * - stop strings and dry_sequence_breakers at most MAX_STRING_LIST_CHARS in all.
 */
import type { NormalizedCompletionRequest } from '@textgen-spec/spec';
import { EngineRequestError, type ModelInfo } from './types.js';

/** Most candidates per prompt (best_of, or n when larger): OpenAI's limit. */
export const MAX_BEST_OF = 20;
/** Most sequences one request may decode at once: prompts x max(best_of, n). */
export const MAX_BATCH_ROWS = 256;
/** Most characters the stop strings (or the DRY sequence breakers) of one request may hold in all. */
export const MAX_STRING_LIST_CHARS = 16_384;
/** The longest text (UTF-16 code units) that could possibly tokenize into the model's context: every token the longest. */
export function maxInputChars(info: Pick<ModelInfo, 'contextLength' | 'maxTokenChars'>): number {
  return info.contextLength * info.maxTokenChars;
}

/** Throws EngineRequestError for a request over one of the bounds above. */
export function checkBounds(request: NormalizedCompletionRequest, info: ModelInfo): void {
  const candidates = Math.max(request.best_of, request.n);
  if (candidates > MAX_BEST_OF) {
    const param = request.best_of >= request.n ? 'best_of' : 'n';
    throw new EngineRequestError(`${param} is limited to ${MAX_BEST_OF} (got ${candidates})`, param, 'invalid_value');
  }
  const rows = request.prompts.length * candidates;
  if (rows > MAX_BATCH_ROWS) {
    throw new EngineRequestError(
      `this request would decode ${rows} sequences at once (${request.prompts.length} prompts x ${candidates}); the limit is ${MAX_BATCH_ROWS}: send fewer prompts per request`,
      'prompt',
      'too_many_sequences',
    );
  }
  for (const [param, list] of [['stop', request.stop], ['dry_sequence_breakers', request.dry_sequence_breakers]] as const) {
    const chars = list.reduce((sum, s) => sum + s.length, 0);
    if (chars > MAX_STRING_LIST_CHARS) {
      throw new EngineRequestError(`${param} holds ${chars} characters in all; the limit is ${MAX_STRING_LIST_CHARS}`, param, 'invalid_value');
    }
  }
  if (request.truncation_length > 0) return;
  const limit = maxInputChars(info);
  request.prompts.forEach((prompt, index) => {
    if (typeof prompt === 'string' && prompt.length > limit) {
      throw new EngineRequestError(
        `This model's maximum context length is ${info.contextLength} tokens, and prompt ${index} (${prompt.length} characters) is longer than that many tokens could be. Shorten the prompt or set truncation_length to truncate it.`,
        'prompt',
        'context_length_exceeded',
      );
    }
  });
}

/**
 * With truncation_length, only the prompt's tail can survive: the text is cut to twice what
 * `limit` tokens can span before tokenizing (the margin keeps the tokens at the cut out of the
 * kept ones).
 */
export function truncatableTail(text: string, limitTokens: number, info: ModelInfo): string {
  const keep = 2 * limitTokens * info.maxTokenChars;
  return text.length > keep ? text.slice(text.length - keep) : text;
}
