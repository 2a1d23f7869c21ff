/**
 * Turns the engine's events into the wire objects: one `text_completion` response, or the
 * chunks of a stream. Pure functions: the engine already computed text, counts and logprobs;
 * this module only arranges them.
 */
import type { CompletionEvent, CompletionUsageCounts, FinishReason, LogprobsSlice } from '@textgen-spec/engine';
import type { CompletionChunk, CompletionResponse } from '@textgen-spec/spec';

/** What every response and chunk of one request shares. */
export interface ResponseContext {
  /** "cmpl-..." */
  id: string;
  /** Unix seconds when the request arrived. */
  created: number;
  model: string;
  systemFingerprint: string;
}

type Choice = CompletionResponse['choices'][number];
type ChunkChoice = CompletionChunk['choices'][number];

/** An empty legacy logprobs object, for a choice or chunk that covers no token. */
export function emptyLogprobs(): LogprobsSlice {
  return { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] };
}

/**
 * Collects the events of one request into a non-streamed response. Text and logprobs of a
 * choice are the concatenation of its text events, exactly what a streaming client sees.
 */
export class CompletionCollector {
  readonly #choices: { text: string; logprobs: LogprobsSlice | null; finishReason: FinishReason | null }[];
  #usage: CompletionUsageCounts | null = null;

  /**
   * @param choiceCount prompts x n, the number of choices the response must hold.
   * @param logprobsRequested whether the request asked for logprobs (then every choice has an object).
   */
  constructor(choiceCount: number, logprobsRequested: boolean) {
    this.#choices = Array.from({ length: choiceCount }, () => ({
      text: '',
      logprobs: logprobsRequested ? emptyLogprobs() : null,
      finishReason: null,
    }));
  }

  add(event: CompletionEvent): void {
    if (event.type === 'done') {
      this.#usage = event.usage;
      return;
    }
    const choice = this.#choices[event.index];
    if (choice === undefined) throw new Error(`engine event for choice ${event.index}, out of range`);
    if (event.type === 'text') {
      choice.text += event.text;
      if (choice.logprobs !== null && event.logprobs !== null) appendLogprobs(choice.logprobs, event.logprobs);
    } else {
      choice.finishReason = event.finish_reason;
    }
  }

  /** The response; throws when the engine ended without a usage or a finish_reason per choice. */
  toResponse(context: ResponseContext): CompletionResponse {
    if (this.#usage === null) throw new Error('engine finished without a done event');
    const choices: Choice[] = this.#choices.map((choice, index) => {
      if (choice.finishReason === null) throw new Error(`engine finished without a finish_reason for choice ${index}`);
      return { text: choice.text, index, logprobs: choice.logprobs, finish_reason: choice.finishReason };
    });
    return {
      id: context.id,
      object: 'text_completion',
      created: context.created,
      model: context.model,
      system_fingerprint: context.systemFingerprint,
      choices,
      usage: { ...this.#usage },
    };
  }
}

function appendLogprobs(into: LogprobsSlice, slice: LogprobsSlice): void {
  into.tokens.push(...slice.tokens);
  into.token_logprobs.push(...slice.token_logprobs);
  into.top_logprobs.push(...slice.top_logprobs);
  into.text_offset.push(...slice.text_offset);
}

/** Options that decide the shape of every chunk of one stream. */
export interface StreamShape {
  /** stream_options.include_usage: `usage: null` on every chunk, then one usage chunk. */
  includeUsage: boolean;
  /** Whether logprobs were requested: the finish chunk then carries an empty logprobs object. */
  logprobsRequested: boolean;
}

function chunk(context: ResponseContext, shape: StreamShape, choices: ChunkChoice[]): CompletionChunk {
  const result: CompletionChunk = {
    id: context.id,
    object: 'text_completion',
    created: context.created,
    model: context.model,
    system_fingerprint: context.systemFingerprint,
    choices,
  };
  if (shape.includeUsage) result.usage = null;
  return result;
}

/**
 * The chunk for one engine event, or null for the `done` event (which produces the usage
 * chunk, see `usageChunk`, only when include_usage is set).
 */
export function eventChunk(context: ResponseContext, shape: StreamShape, event: CompletionEvent): CompletionChunk | null {
  if (event.type === 'text') {
    return chunk(context, shape, [{ text: event.text, index: event.index, logprobs: event.logprobs, finish_reason: null }]);
  }
  if (event.type === 'finish') {
    const logprobs = shape.logprobsRequested ? emptyLogprobs() : null;
    return chunk(context, shape, [{ text: '', index: event.index, logprobs, finish_reason: event.finish_reason }]);
  }
  return null;
}

/** The last chunk before [DONE] when include_usage is set: no choices, the whole usage. */
export function usageChunk(context: ResponseContext, usage: CompletionUsageCounts): CompletionChunk {
  return {
    id: context.id,
    object: 'text_completion',
    created: context.created,
    model: context.model,
    system_fingerprint: context.systemFingerprint,
    choices: [],
    usage: { ...usage },
  };
}
