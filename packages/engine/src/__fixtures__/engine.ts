/** Test support: one engine on the embedded tiny model per test file, and event helpers. */
import type { NormalizedCompletionRequest } from '@textgen-spec/spec';
import { loadEngine } from '../engine.js';
import type { CompletionEvent, CompletionUsageCounts, FinishReason, LocalEngine, LogprobsSlice } from '../types.js';

// Mutable on purpose: loading a model takes seconds, so every test of a file (vitest runs each
// file in its own module graph) shares the one engine, loaded on first use.
let shared: Promise<LocalEngine> | undefined;

export function tinyEngine(): Promise<LocalEngine> {
  shared ??= loadEngine({});
  return shared;
}

export interface Choice {
  text: string;
  finish: FinishReason | null;
  /** The slices of all text events, concatenated (null when logprobs was null). */
  logprobs: LogprobsSlice | null;
  /** Text of each text event, in order. */
  pieces: string[];
}

export interface Collected {
  events: CompletionEvent[];
  choices: Choice[];
  usage: CompletionUsageCounts;
  seed: number;
}

/** Runs a request to the end and assembles its choices the way a non-streaming server would. */
export async function collect(
  engine: LocalEngine,
  request: NormalizedCompletionRequest,
  signal?: AbortSignal,
): Promise<Collected> {
  const events: CompletionEvent[] = [];
  for await (const event of engine.complete(request, signal ? { signal } : {})) events.push(event);
  return assemble(events);
}

export function assemble(events: CompletionEvent[]): Collected {
  const choices: Choice[] = [];
  const choice = (i: number) => (choices[i] ??= { text: '', finish: null, logprobs: null, pieces: [] });
  let done: Extract<CompletionEvent, { type: 'done' }> | undefined;
  for (const event of events) {
    if (done) throw new Error('event after done');
    if (event.type === 'text') {
      const c = choice(event.index);
      if (c.finish !== null) throw new Error(`text after finish for choice ${event.index}`);
      c.text += event.text;
      c.pieces.push(event.text);
      if (event.logprobs) {
        c.logprobs ??= { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] };
        c.logprobs.tokens.push(...event.logprobs.tokens);
        c.logprobs.token_logprobs.push(...event.logprobs.token_logprobs);
        c.logprobs.top_logprobs.push(...event.logprobs.top_logprobs);
        c.logprobs.text_offset.push(...event.logprobs.text_offset);
      }
    } else if (event.type === 'finish') {
      const c = choice(event.index);
      if (c.finish !== null) throw new Error(`second finish for choice ${event.index}`);
      c.finish = event.finish_reason;
    } else {
      done = event;
    }
  }
  if (!done) throw new Error('no done event');
  for (const [i, c] of choices.entries()) {
    if (!c) throw new Error(`choice ${i} has no events`);
    if (c.finish === null) throw new Error(`choice ${i} never finished`);
  }
  return { events, choices, usage: done.usage, seed: done.seed };
}
