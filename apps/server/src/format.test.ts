import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CompletionEvent, LogprobsSlice } from '@textgen-spec/engine';
import { CompletionCollector, emptyLogprobs, eventChunk, usageChunk } from './format.js';
import type { ResponseContext } from './format.js';

const context: ResponseContext = { id: 'cmpl-test', created: 1_700_000_000, model: 'tiny', systemFingerprint: 'fp_x' };
const usage = { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 };

function slice(tokens: string[], offset: number): LogprobsSlice {
  const text_offset: number[] = [];
  for (const token of tokens) {
    text_offset.push(offset);
    offset += [...token].length;
  }
  return {
    tokens,
    token_logprobs: tokens.map(() => -0.5),
    top_logprobs: tokens.map((t) => ({ [t]: -0.5 })),
    text_offset,
  };
}

describe('CompletionCollector', () => {
  it('concatenates text and logprobs per choice, in index order', () => {
    const collector = new CompletionCollector(2, true);
    const events: CompletionEvent[] = [
      { type: 'text', index: 1, text: 'B', logprobs: slice(['B'], 0) },
      { type: 'text', index: 0, text: 'He', logprobs: slice(['He'], 5) },
      { type: 'text', index: 0, text: 'llo', logprobs: slice(['l', 'lo'], 7) },
      { type: 'finish', index: 0, finish_reason: 'length' },
      { type: 'finish', index: 1, finish_reason: 'stop' },
      { type: 'done', usage, seed: 1 },
    ];
    for (const event of events) collector.add(event);
    expect(collector.toResponse(context)).toEqual({
      id: 'cmpl-test',
      object: 'text_completion',
      created: 1_700_000_000,
      model: 'tiny',
      system_fingerprint: 'fp_x',
      choices: [
        {
          index: 0,
          text: 'Hello',
          finish_reason: 'length',
          logprobs: {
            tokens: ['He', 'l', 'lo'],
            token_logprobs: [-0.5, -0.5, -0.5],
            top_logprobs: [{ He: -0.5 }, { l: -0.5 }, { lo: -0.5 }],
            text_offset: [5, 7, 8],
          },
        },
        { index: 1, text: 'B', finish_reason: 'stop', logprobs: slice(['B'], 0) },
      ],
      usage,
    });
  });

  it('gives an empty logprobs object to a choice without tokens when logprobs were requested, null otherwise', () => {
    for (const requested of [true, false]) {
      const collector = new CompletionCollector(1, requested);
      collector.add({ type: 'finish', index: 0, finish_reason: 'length' });
      collector.add({ type: 'done', usage: { prompt_tokens: 1, completion_tokens: 0, total_tokens: 1 }, seed: 0 });
      expect(collector.toResponse(context).choices[0]!.logprobs).toEqual(requested ? emptyLogprobs() : null);
    }
  });

  it('refuses to build a response from an incomplete event sequence', () => {
    const collector = new CompletionCollector(2, false);
    collector.add({ type: 'finish', index: 0, finish_reason: 'stop' });
    expect(() => collector.toResponse(context)).toThrow(/without a done event/);
    collector.add({ type: 'done', usage, seed: 0 });
    expect(() => collector.toResponse(context)).toThrow(/finish_reason for choice 1/);
    expect(() => collector.add({ type: 'finish', index: 2, finish_reason: 'stop' })).toThrow(/out of range/);
  });
});

describe('stream chunks', () => {
  it('puts usage: null on every chunk with include_usage, and no usage key without it', () => {
    const text: CompletionEvent = { type: 'text', index: 0, text: 'x', logprobs: null };
    const withUsage = eventChunk(context, { includeUsage: true, logprobsRequested: false }, text)!;
    const without = eventChunk(context, { includeUsage: false, logprobsRequested: false }, text)!;
    expect(withUsage).toMatchObject({ object: 'text_completion', usage: null, choices: [{ text: 'x', index: 0, finish_reason: null }] });
    expect('usage' in without).toBe(false);
    expect(eventChunk(context, { includeUsage: true, logprobsRequested: false }, { type: 'done', usage, seed: 0 })).toBeNull();
  });

  it('the usage chunk has no choices and the whole usage', () => {
    expect(usageChunk(context, usage)).toEqual({
      id: 'cmpl-test',
      object: 'text_completion',
      created: 1_700_000_000,
      model: 'tiny',
      system_fingerprint: 'fp_x',
      choices: [],
      usage,
    });
  });

  it('the finish chunk has empty text, the finish_reason, and empty logprobs when they were requested', () => {
    const finish: CompletionEvent = { type: 'finish', index: 3, finish_reason: 'stop' };
    expect(eventChunk(context, { includeUsage: false, logprobsRequested: true }, finish)!.choices).toEqual([
      { text: '', index: 3, logprobs: emptyLogprobs(), finish_reason: 'stop' },
    ]);
    expect(eventChunk(context, { includeUsage: false, logprobsRequested: false }, finish)!.choices[0]!.logprobs).toBeNull();
  });

  it('concatenating the chunks of any event sequence gives the non-streamed response', () => {
    const eventSequence = fc
      .array(fc.array(fc.string({ maxLength: 4 }), { maxLength: 5 }), { minLength: 1, maxLength: 4 })
      .chain((perChoice) =>
        fc.shuffledSubarray([...perChoice.keys()], { minLength: perChoice.length }).map((finishOrder) => {
          const events: CompletionEvent[] = [];
          perChoice.forEach((pieces, index) => {
            let offset = 0;
            for (const piece of pieces) {
              events.push({ type: 'text', index, text: piece, logprobs: slice([piece], offset) });
              offset += [...piece].length;
            }
          });
          for (const index of finishOrder) events.push({ type: 'finish', index, finish_reason: index % 2 ? 'stop' : 'length' });
          events.push({ type: 'done', usage, seed: 0 });
          return { count: perChoice.length, events };
        }),
      );
    fc.assert(
      fc.property(eventSequence, ({ count, events }) => {
        const collector = new CompletionCollector(count, true);
        const streamed = Array.from({ length: count }, () => ({ text: '', logprobs: emptyLogprobs(), finish: [] as string[] }));
        for (const event of events) {
          collector.add(event);
          const chunk = eventChunk(context, { includeUsage: false, logprobsRequested: true }, event);
          for (const choice of chunk?.choices ?? []) {
            const into = streamed[choice.index]!;
            into.text += choice.text;
            const lp = choice.logprobs!;
            into.logprobs.tokens.push(...lp.tokens);
            into.logprobs.token_logprobs.push(...lp.token_logprobs);
            into.logprobs.top_logprobs.push(...lp.top_logprobs);
            into.logprobs.text_offset.push(...lp.text_offset);
            if (choice.finish_reason !== null) into.finish.push(choice.finish_reason);
          }
        }
        const response = collector.toResponse(context);
        response.choices.forEach((choice, i) => {
          expect(streamed[i]!.text).toBe(choice.text);
          expect(streamed[i]!.logprobs).toEqual(choice.logprobs);
          expect(streamed[i]!.finish).toEqual([choice.finish_reason]);
        });
      }),
    );
  });
});
