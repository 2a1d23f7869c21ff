/**
 * Faults of streaming and stream_options.
 */
import { isObject, choices, chunks, streamText } from './helpers.js';
import type { Fault } from './types.js';

/** Streaming and stream_options, in catalogue order. */
export const STREAM_FAULTS: readonly Fault[] = [
  // -- streaming ----------------------------------------------------------------------------------
  {
    name: 'stream-content-type',
    description: 'The stream is served as text/plain.',
    targets: ['stream.content-type'],
    streamContentType: 'text/plain; charset=utf-8',
  },
  {
    name: 'no-done',
    description: 'The stream ends without `data: [DONE]` (TGW v1.14).',
    targets: ['stream.done'],
    events: (items) => items.filter((i) => i !== '[DONE]'),
  },
  {
    name: 'no-blank-lines',
    description: 'Events are not separated by blank lines, so SSE clients merge them.',
    targets: ['stream.framing'],
    serialize: (items) => `${items.map((i) => `data: ${typeof i === 'string' ? i : JSON.stringify(i)}`).join('\n')}\n\n`,
  },
  {
    name: 'chunk-object',
    description: 'Chunks are `"object": "text_completion.chunk"` (TGW v1.14).',
    targets: ['stream.chunk-shape', 'wire.chunk-schema'],
    events: (items) => items.map((i) => (isObject(i) ? { ...i, object: 'text_completion.chunk' } : i)),
  },
  {
    name: 'created-per-chunk',
    description:
      'Every chunk carries the time it was sent as `created`, so it changes within a stream that crosses a second (llama.cpp); simulated as a clock one second ahead from the middle of each stream on, so that the fault does not depend on how fast this machine streams.',
    targets: ['stream.chunk-shape'],
    events: (items) =>
      items.map((i, n) => (isObject(i) && typeof i.created === 'number' && n >= items.length / 2 ? { ...i, created: i.created + 1 } : i)),
  },
  {
    name: 'finish-twice',
    description: 'The chunk with finish_reason is sent twice.',
    targets: ['stream.single-finish'],
    events: (items) => {
      const at = items.findIndex((i) => isObject(i) && choices(i).some((c) => c.finish_reason !== null && c.finish_reason !== undefined));
      return at < 0 ? items : [...items.slice(0, at + 1), items[at]!, ...items.slice(at + 1)];
    },
  },
  {
    name: 'lost-chunk',
    description: 'One text chunk of the stream is lost (a race in the streaming loop).',
    targets: ['stream.equals-non-stream', 'echo.stream', 'stop.stream'],
    events: (items) => {
      const text = items.map((i, n) => ({ i, n })).filter(({ i }) => isObject(i) && choices(i).some((c) => typeof c.text === 'string' && c.text !== ''));
      const victim = text[Math.floor(text.length / 2)];
      return victim ? items.filter((_, n) => n !== victim.n) : items;
    },
  },
  {
    name: 'buffered-stream',
    description: 'The whole text arrives in one chunk at the end (a buffering proxy or server).',
    targets: ['stream.incremental'],
    events: (items) => {
      const withChoices = chunks(items).filter((c) => choices(c).length === 1);
      const first = withChoices[0];
      const last = withChoices[withChoices.length - 1];
      if (!first || !last) return items;
      const merged = { ...first, choices: [{ ...choices(first)[0]!, text: streamText(items), finish_reason: choices(last)[0]!.finish_reason }] };
      return [merged, ...items.filter((i) => isObject(i) && choices(i).length === 0), '[DONE]'];
    },
  },
  {
    name: 'split-utf8',
    description: 'A chunk ends in the middle of a multi-byte character, sent as U+FFFD.',
    targets: ['stream.utf8'],
    events: (items) => {
      let done = false;
      return items.map((i) => {
        if (done || !isObject(i)) return i;
        for (const c of choices(i)) {
          if (typeof c.text === 'string' && /[^\u0000-\u007f]/.test(c.text)) {
            c.text = c.text.replace(/[^\u0000-\u007f]/, '\uFFFD');
            done = true;
          }
        }
        return i;
      });
    },
  },
  {
    name: 'stream-error-as-event',
    description: 'A request that fails validation gets HTTP 200 and an error event instead of a 400.',
    targets: ['stream.error-before-start'],
    error: (status, body, req) =>
      isObject(req.body) && req.body.stream === true ? { status: 200, body: `data: ${JSON.stringify(body)}\n\ndata: [DONE]\n\n`, contentType: 'text/event-stream' } : { status, body },
  },
  // -- stream_options ----------------------------------------------------------------------------
  {
    name: 'usage-chunk-missing',
    description: 'include_usage is accepted but no usage chunk is sent.',
    targets: ['stream_options.usage-chunk', 'stream_options.usage-matches'],
    events: (items) => items.filter((i) => !(isObject(i) && choices(i).length === 0 && isObject(i.usage))),
  },
  {
    name: 'usage-key-missing',
    description: 'With include_usage, the other chunks have no `usage` member (OpenAI sends "usage": null).',
    targets: ['stream_options.usage-null'],
    events: (items) =>
      items.map((i) => {
        if (isObject(i) && i.usage === null) {
          const { usage: _usage, ...rest } = i;
          return rest;
        }
        return i;
      }),
  },
  {
    name: 'usage-chunk-wrong',
    description: 'The usage chunk counts one token more than the non-streamed response.',
    targets: ['stream_options.usage-matches'],
    events: (items) =>
      items.map((i) =>
        isObject(i) && isObject(i.usage)
          ? { ...i, usage: { ...i.usage, completion_tokens: Number(i.usage.completion_tokens) + 1, total_tokens: Number(i.usage.total_tokens) + 1 } }
          : i,
      ),
  },
  {
    name: 'usage-always',
    description: 'The last chunk carries usage although include_usage was not set (llama.cpp, TGW before 5a017aa3).',
    targets: ['stream_options.no-usage-by-default'],
    events: (items) => {
      const last = [...items].reverse().find((i) => isObject(i) && choices(i).length > 0);
      if (isObject(last) && !isObject(last.usage)) last.usage = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 };
      return items;
    },
  },
];
