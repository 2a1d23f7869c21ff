/**
 * `seed` and determinism; the streaming wire format; `stream_options`.
 */
import { invalid, type CheckContext, type StreamResult } from './context.js';
import { define, expect400, expectSame, finishOf, sleep } from './helpers.js';
import { isObject, q, readChoices, readUsage } from './observed.js';
import { completionTokens, divergence, greedy, PROBE_SEEDS, PROMPTS, sampled, uncertainPoint } from './oracles.js';
import { check, fail, skip } from './outcome.js';
import type { CheckDef } from './types.js';

const P = PROMPTS.main;

function fmtTop(top: Record<string, number>): string {
  return Object.entries(top)
    .map(([t, p]) => `${JSON.stringify(t)} ${(p * 100).toFixed(1)}%`)
    .join(', ');
}

/** The main greedy request streamed (shared). */
function mainStream(ctx: Parameters<CheckDef['run']>[0]): Promise<StreamResult> {
  return ctx.shared('stream:main', (c) => c.stream({ prompt: P, max_tokens: 16, temperature: 0 }));
}

/** How long the long stream of stream.chunk-shape aims to last, in milliseconds. */
const LONG_STREAM_MS = 1300;

/**
 * A stream long enough to cross a second boundary: max_tokens from the main greedy
 * answer's speed (enough for LONG_STREAM_MS, 16 to 512 tokens), started so that a second
 * boundary of this machine's clock falls in its middle (a local server shares the clock).
 * When the chunks of that stream all arrived within one second of this clock (the speed
 * changed), a second stream is aimed with the first one's measured timing.
 */
async function longStream(ctx: CheckContext): Promise<{ res: StreamResult; tokens: number; ms: number; crossed: boolean }> {
  const plain = await greedy(ctx, P, 16);
  const perToken = Math.max(0.05, plain.exchange.durationMs / Math.max(1, completionTokens(plain)));
  let tokens = Math.min(512, Math.max(16, Math.ceil(LONG_STREAM_MS / perToken)));
  let middle = Math.min(500, (tokens * perToken) / 2);
  let last: { res: StreamResult; tokens: number; ms: number; crossed: boolean } | undefined;
  // Up to four tries, each aimed by the last one's timing: a short stream (a fast server) can
  // miss the boundary by the jitter of its first chunk's latency.
  for (let attempt = 0; attempt < 4 && !last?.crossed; attempt++) {
    await sleep((2000 - (middle % 1000) - (Date.now() % 1000)) % 1000);
    const t0 = Date.now();
    const res = await ctx.stream({ prompt: P, max_tokens: tokens, temperature: 0 });
    const t1 = Date.now();
    const times = res.response.sse.events.map((e) => e.at);
    const span = times.length > 0 ? Math.max(...times) - Math.min(...times) : 0;
    last = { res, tokens, ms: t1 - t0, crossed: Math.floor((t1 - span) / 1000) !== Math.floor(t1 / 1000) };
    middle = t1 - t0 - span / 2;
    if (span < 300) tokens = Math.min(512, tokens * 2);
  }
  return last!;
}

/** Fails unless every chunk has the shape of a text_completion and the first chunk's id and created. */
function expectChunkShape(res: StreamResult, what: string): void {
  const first = res.chunks[0];
  check(first, `${what}: no chunks`);
  res.chunks.forEach((c, n) => {
    check(c.object === 'text_completion', `${what}, chunk ${n}: "object" is ${JSON.stringify(c.object)}, expected "text_completion"`);
    check(typeof c.id === 'string' && c.id === first.id, `${what}, chunk ${n}: "id" is ${JSON.stringify(c.id)}, the first chunk's is ${JSON.stringify(first.id)}`);
    check(typeof c.created === 'number' && c.created === first.created, `${what}, chunk ${n}: "created" is ${JSON.stringify(c.created)}, the first chunk's is ${JSON.stringify(first.created)}`);
    check(typeof c.model === 'string', `${what}, chunk ${n}: "model" is ${JSON.stringify(c.model)}`);
    check(Array.isArray(c.choices), `${what}, chunk ${n}: no "choices" array`);
    c.choices.forEach((ch, i) => {
      check(isObject(ch), `${what}, chunk ${n}: choices[${i}] is not an object`);
      check(typeof ch.text === 'string', `${what}, chunk ${n}: choices[${i}].text is ${JSON.stringify(ch.text)}`);
      check(typeof ch.index === 'number', `${what}, chunk ${n}: choices[${i}].index is ${JSON.stringify(ch.index)}`);
      check('logprobs' in ch && 'finish_reason' in ch, `${what}, chunk ${n}: choices[${i}] lacks "logprobs" or "finish_reason" (null when not set)`);
    });
  });
}

export const seedStreamChecks: CheckDef[] = [
  // ---- seed ---------------------------------------------------------------------------------
  define({
    id: 'seed.greedy-repeatable',
    title: 'Greedy answers repeat, one after another and concurrently',
    level: 'SHOULD',
    feature: 'seed',
    sends: 'The main greedy request 2 more times in a row, then 3 times at once.',
    expects: 'All texts equal the first answer.',
    source: 'llama.cpp `test_consistent_result_same_seed`; llama.cpp #2838 (non-determinism on identical requests).',
    async run(ctx) {
      const first = await greedy(ctx, P, 16);
      const fields = { prompt: P, max_tokens: 16, temperature: 0 };
      for (let i = 0; i < 2; i++) expectSame((await ctx.complete(fields)).text, first.text, `repeat ${i + 1}`);
      const together = await Promise.all([0, 1, 2].map(() => ctx.complete(fields)));
      together.forEach((r, i) => expectSame(r.text, first.text, `concurrent request ${i + 1}`));
    },
  }),
  define({
    id: 'seed.same-seed',
    title: 'The same seed gives the same sample',
    level: 'SHOULD',
    feature: 'seed',
    sends: '`{"temperature": 1, "seed": 42, "max_tokens": 16}` three times.',
    expects: 'Three identical texts.',
    source: 'OpenAI `seed`: "repeated requests with the same seed and parameters should return the same result" (best effort); vllm#1595, #51226.',
    async run(ctx) {
      const fields = { prompt: P, max_tokens: 16, temperature: 1, seed: 42 };
      const a = await ctx.complete(fields);
      for (let i = 0; i < 2; i++) expectSame((await ctx.complete(fields)).text, a.text, `seed 42, repeat ${i + 1}`);
      const d = await divergence(ctx).catch(() => undefined);
      if (d && new Set(d.samples.values()).size === 1) return 'every probe seed gives the same sample on this model, so this check is weak here';
    },
  }),
  define({
    id: 'seed.different-seeds',
    title: 'Different seeds give different samples',
    level: 'SHOULD',
    feature: 'seed',
    sends:
      'At the most uncertain position of the main greedy answer (found with `logprobs: 5`, legacy or chat format), six one-token temperature-1 requests with seeds 11, 22, ..., 66. Without usable logprobs (or where that position is too certain), the main prompt\'s 16-token temperature-1 samples with the same seeds.',
    expects:
      'At least two different answers. Six equal one-token answers fail only where the model\'s own distribution makes that less likely than 0.1%; otherwise, and when six equal 16-token samples cannot be weighed without logprobs, the check is skipped.',
    source: 'llama.cpp `test_different_result_different_seed`; ollama#5044 (a seed forced temperature 0).',
    async run(ctx) {
      const u = await uncertainPoint(ctx);
      if (u) {
        const texts = [];
        for (const seed of PROBE_SEEDS) texts.push((await ctx.complete({ prompt: u.prompt, max_tokens: 1, temperature: 1, seed })).text);
        const distinct = new Set(texts).size;
        if (distinct >= 2) return `${distinct} different tokens from ${texts.length} seeds`;
        if (u.bound < 1e-3) {
          fail(`${texts.length} seeds all sampled ${q(texts[0]!)}; with the model's distribution there (${fmtTop(u.top)}) that happens with probability below ${u.bound.toExponential(1)}: the seed or the temperature is ignored`);
        }
      }
      const samples = await Promise.all(PROBE_SEEDS.map((seed) => sampled(ctx, P, 16, seed)));
      const distinct = new Set(samples.map((s) => s.text)).size;
      const why = u ? 'the most uncertain position is too certain to judge one-token samples' : 'no usable logprobs to find an uncertain position';
      if (distinct >= 2) return `${distinct} different 16-token samples from ${samples.length} seeds (${why})`;
      skip(`all ${samples.length} seeds gave the 16-token sample ${q(samples[0]!.text, 60)}, and ${why}, so this cannot be weighed`);
    },
  }),
  define({
    id: 'seed.concurrent',
    title: 'A seeded sample does not change when other requests run beside it',
    level: 'SHOULD',
    feature: 'seed',
    exclusive: true,
    sends: 'A seeded temperature-1 request alone (no other check in flight), then 3 copies of it at once with 3 differently seeded requests interleaved.',
    expects: 'Every copy equals the lone answer (not only each other: a server that reseeds under load can agree with itself).',
    source: 'vllm#1595 (batching breaks per-request seeds), #51226; llama.cpp FIXME on slots other than 0.',
    async run(ctx) {
      const alone = await ctx.complete({ prompt: P, max_tokens: 16, temperature: 1, seed: 7 });
      const mixed = await Promise.all(
        [7, 8, 7, 9, 7, 10].map((seed, i) => ctx.complete({ prompt: i % 2 ? PROMPTS.second : P, max_tokens: 16, temperature: 1, seed: i % 2 ? seed : 7 })),
      );
      mixed.forEach((r, i) => {
        if (i % 2 === 0) expectSame(r.text, alone.text, `seed 7 under concurrency (copy ${i / 2 + 1})`);
      });
    },
  }),
  define({
    id: 'seed.unseeded-varies',
    title: 'Without a seed, samples vary',
    level: 'INFO',
    feature: 'seed',
    sends:
      'Six one-token temperature-1 requests without a seed at the position seed.different-seeds uses; without usable logprobs (or where that position is too certain), six unseeded 16-token samples of the main prompt.',
    expects: 'At least two different answers (a deviation only where six equal one-token draws are less likely than 0.1%; otherwise skipped).',
    source: 'llama-cpp-python#1809 and TGW #6487 (a fixed default seed).',
    async run(ctx) {
      const u = await uncertainPoint(ctx);
      if (u) {
        const texts = await Promise.all(PROBE_SEEDS.map(() => ctx.complete({ prompt: u.prompt, max_tokens: 1, temperature: 1 })));
        if (new Set(texts.map((t) => t.text)).size >= 2) return;
        if (u.bound < 1e-3) fail(`${texts.length} unseeded samples all gave ${q(texts[0]!.text)} (chance below ${u.bound.toExponential(1)}): the server seems to use a fixed default seed`);
      }
      const samples = await Promise.all(PROBE_SEEDS.map(() => ctx.complete({ prompt: P, max_tokens: 16, temperature: 1 })));
      const distinct = new Set(samples.map((s) => s.text)).size;
      const why = u ? 'the most uncertain position is too certain to judge one-token samples' : 'no usable logprobs to find an uncertain position';
      if (distinct >= 2) return `${distinct} different 16-token samples from ${samples.length} unseeded requests (${why})`;
      skip(`all ${samples.length} unseeded 16-token samples gave ${q(samples[0]!.text, 60)}, and ${why}, so this cannot be weighed`);
    },
  }),

  // ---- streaming ----------------------------------------------------------------------------
  define({
    id: 'stream.content-type',
    title: 'A stream is served as text/event-stream',
    level: 'MUST',
    feature: 'streaming',
    tags: ['stream'],
    sends: `\`{"prompt": "${P}", "max_tokens": 16, "temperature": 0, "stream": true}\``,
    expects: 'HTTP 200, `Content-Type: text/event-stream`.',
    source: 'OpenAI `stream`: "data-only server-sent events".',
    async run(ctx) {
      const res = await mainStream(ctx);
      const type = res.response.headers.get('content-type') ?? '';
      check(res.response.isEventStream, `Content-Type is ${JSON.stringify(type)}, expected text/event-stream`);
    },
  }),
  define({
    id: 'stream.done',
    title: 'A stream ends with data: [DONE]',
    level: 'MUST',
    feature: 'streaming',
    tags: ['stream'],
    sends: 'The main greedy request, streamed.',
    expects: 'The last event is `data: [DONE]`; nothing follows it.',
    source: 'OpenAI: the stream is "terminated by a data: [DONE] message"; TGW v1.14 sent no [DONE] (fixed in 5a017aa3).',
    async run(ctx) {
      const res = await mainStream(ctx);
      check(res.done, 'the stream ended without a `data: [DONE]` event');
      check(res.eventsAfterDone === 0, `${res.eventsAfterDone} event(s) after [DONE]`);
    },
  }),
  define({
    id: 'stream.framing',
    title: 'Every event is a data: line with JSON, separated by blank lines',
    level: 'MUST',
    feature: 'streaming',
    tags: ['stream'],
    sends: 'The main greedy request, streamed.',
    expects: 'Only `data:` fields (comments allowed), each event terminated by a blank line, each payload JSON or [DONE].',
    source: 'WHATWG server-sent events; OpenAI "data-only server-sent events".',
    async run(ctx) {
      const res = await mainStream(ctx);
      const problems = [
        ...res.response.sse.anomalies.map((a) => a.detail),
        ...res.nonJson.map((d) => `a data payload that is not JSON: ${q(d)}`),
        ...res.response.sse.events.filter((e) => e.event !== undefined && e.event !== 'message').map((e) => `an "event: ${e.event}" field (OpenAI streams are data-only)`),
      ];
      if (problems.length > 0) fail(problems.slice(0, 3).join('; '));
      if (res.response.sse.comments > 0) return `${res.response.sse.comments} comment line(s) (keep-alive), allowed`;
    },
  }),
  define({
    id: 'stream.chunk-shape',
    title: 'Chunks are text_completion objects sharing one id and created',
    level: 'MUST',
    feature: 'streaming',
    tags: ['stream'],
    sends: `The main greedy request, streamed; then the main prompt streamed with \`max_tokens\` enough for about ${LONG_STREAM_MS / 1000} s at the server's speed (16 to 512 tokens), started so that a second boundary falls in its middle (up to three more tries, each aimed by the last one's timing, while its chunks all came within one second).`,
    expects:
      'Every chunk of both streams: `object` "text_completion" (not "text_completion.chunk"), the same `id` and `created` as the first chunk (also across a second boundary), `model`, and choices with `text` (string), `index`, `logprobs` and `finish_reason` (null until the end).',
    source:
      'OpenAI: "both the streamed and non-streamed response objects share the same shape"; TGW v1.14 used "text_completion.chunk"; llama.cpp stamps each chunk with its own `created`, which shows only in a stream that crosses a second.',
    async run(ctx) {
      expectChunkShape(await mainStream(ctx), 'main stream');
      const long = await longStream(ctx);
      expectChunkShape(long.res, `${long.tokens}-token stream`);
      return `the long stream (${long.tokens} tokens) lasted ${long.ms} ms${long.crossed ? ' across a second boundary of this machine\'s clock' : ' and crossed no second boundary here: created across seconds unobserved'}`;
    },
  }),
  define({
    id: 'stream.single-finish',
    title: 'Each choice gets exactly one finish_reason, in its last chunk',
    level: 'MUST',
    feature: 'streaming',
    tags: ['stream'],
    sends: 'The main greedy request, streamed.',
    expects: 'Exactly one chunk with a non-null finish_reason for index 0, and no text for index 0 after it.',
    source: 'vLLM `test_completion_streaming`; sglang PR #8417; ollama#4357 (finish_reason "" while streaming).',
    async run(ctx) {
      const res = await mainStream(ctx);
      const finishes = res.finishes(0);
      check(finishes.length === 1, `${finishes.length} chunks carry a finish_reason for index 0 (${JSON.stringify(finishes.map((f) => f.reason))}); exactly one expected`);
      const at = finishes[0]!.chunk;
      res.chunks.slice(at + 1).forEach((c, n) => {
        for (const ch of Array.isArray(c.choices) ? c.choices : []) {
          if (isObject(ch) && (ch.index ?? 0) === 0 && typeof ch.text === 'string' && ch.text !== '') fail(`chunk ${at + 1 + n} carries text ${q(ch.text)} after index 0 finished`);
        }
      });
    },
  }),
  define({
    id: 'stream.equals-non-stream',
    title: 'The streamed text equals the non-streamed text',
    level: 'MUST',
    feature: 'streaming',
    tags: ['stream'],
    sends: 'The main greedy request, streamed and not.',
    expects: 'The concatenated chunk text and the finish_reason equal the non-streamed ones.',
    source: 'vLLM and llama.cpp `test_completion_stream_vs_non_stream`.',
    async run(ctx) {
      const plain = await greedy(ctx, P, 16);
      const res = await mainStream(ctx);
      expectSame(res.text(0), plain.text, 'streamed text');
      const f = res.finishes(0)[0]?.reason;
      check(f === finishOf(plain), `streamed finish_reason ${JSON.stringify(f)}, non-streamed ${JSON.stringify(finishOf(plain))}`);
    },
  }),
  define({
    id: 'stream.incremental',
    title: 'Text arrives in several chunks, not all at the end',
    level: 'SHOULD',
    feature: 'streaming',
    tags: ['stream'],
    sends: 'The main greedy request, streamed.',
    expects: 'When the answer has 2 or more tokens, at least 2 chunks carry text.',
    source: 'The point of streaming: tokens are sent as they are generated (OpenAI `stream`).',
    async run(ctx) {
      const plain = await greedy(ctx, P, 16);
      if (completionTokens(plain) < 2) skip('the answer has fewer than 2 tokens');
      const res = await mainStream(ctx);
      const withText = res.chunks.filter((c) => Array.isArray(c.choices) && c.choices.some((ch) => isObject(ch) && typeof ch.text === 'string' && ch.text !== '')).length;
      check(withText >= 2, `a ${completionTokens(plain)}-token answer came in ${withText} chunk(s) with text`);
    },
  }),
  define({
    id: 'stream.utf8',
    title: 'No chunk splits a UTF-8 character',
    level: 'SHOULD',
    feature: 'streaming',
    tags: ['stream'],
    sends: 'A prompt with accents, symbols and an emoji, streamed with `echo: true` (without echo when that is declined).',
    expects:
      'No chunk contains U+FFFD unless the non-streamed text does; the concatenation equals the non-streamed text. Skipped when the non-streamed text has no non-ASCII character (echo ignored and a model that answers in ASCII): nothing could be split.',
    source: 'TGW skips chunks that end in an incomplete character (U+FFFD guard); byte-level tokenizers split characters across tokens.',
    async run(ctx) {
      const prompt = 'Café crème, naïve façade — 東京 😀 ✓';
      let fields: Record<string, unknown> = { prompt, max_tokens: 12, temperature: 0, echo: true };
      const echoed = await ctx.post({ ...fields, stream: false });
      if (echoed.status >= 400 && echoed.status < 500) fields = { prompt, max_tokens: 12, temperature: 0 };
      const ref = (echoed.status === 200 ? readChoices(echoed.json, 'response')[0]?.text : (await ctx.complete(fields)).text) ?? '';
      if (!/[^\u0000-\u007f]/.test(ref)) {
        skip(`the text ${q(ref, 80)} has no non-ASCII character${fields.echo ? ' (echo: true did not echo the prompt)' : ''}, so no chunk could split one`);
      }
      const res = await ctx.stream(fields);
      if (!ref.includes('\uFFFD')) {
        res.chunks.forEach((c, n) => {
          for (const ch of Array.isArray(c.choices) ? c.choices : []) {
            if (isObject(ch) && typeof ch.text === 'string' && ch.text.includes('\uFFFD')) fail(`chunk ${n} text ${q(ch.text)} contains U+FFFD (a split character)`);
          }
        });
      }
      expectSame(res.text(0), ref, 'streamed text');
      return fields.echo ? 'echoed prompt and answer streamed' : 'answer streamed (echo declined)';
    },
  }),
  define({
    id: 'stream.error-before-start',
    title: 'An invalid streaming request gets an HTTP error, not a stream',
    level: 'SHOULD',
    feature: 'streaming',
    tags: ['stream'],
    sends: '`{"stream": true, "temperature": "hot"}`',
    expects: 'HTTP 400 with a JSON error envelope (errors found before generation starts are not sent as SSE events).',
    source: 'OpenAI returns the error status before any event; vLLM and llama.cpp send SSE error events only once the stream has started.',
    async run(ctx) {
      const res = await ctx.send('POST', '/v1/completions', { json: ctx.body(invalid({ prompt: P, stream: true, temperature: 'hot' })) });
      if (res.status === 200) fail(`the request was answered with HTTP 200 (${res.headers.get('content-type') ?? 'no content type'}): ${q(res.text, 200)}`);
      expect400(ctx, ctx.expectRejection(res, 'a streaming request with temperature "hot"'), 'stream with temperature "hot"');
    },
  }),

  // ---- stream_options -------------------------------------------------------------------------
  define({
    id: 'stream_options.usage-chunk',
    title: 'include_usage adds a final usage chunk with empty choices',
    level: 'MUST',
    feature: 'stream_options',
    optional: true,
    tags: ['stream'],
    sends: 'The main greedy request, streamed with `stream_options: {"include_usage": true}`.',
    expects: 'The last chunk before [DONE] has `choices: []` and a complete `usage` (total = prompt + completion).',
    source: 'OpenAI `stream_options.include_usage`: "an additional chunk will be streamed before the data: [DONE] message ... the choices field will always be an empty array".',
    async run(ctx) {
      const res = await ctx.shared('stream:usage', (c) => c.stream({ prompt: P, max_tokens: 16, temperature: 0, stream_options: { include_usage: true } }));
      const last = res.chunks[res.chunks.length - 1];
      check(last, 'no chunks');
      check(Array.isArray(last.choices) && last.choices.length === 0, `the last chunk has choices ${q(JSON.stringify(last.choices), 120)}, expected []`);
      const u = readUsage(last.usage, 'the last chunk');
      check(u.total_tokens === u.prompt_tokens + u.completion_tokens, `usage.total_tokens ${u.total_tokens} != ${u.prompt_tokens} + ${u.completion_tokens}`);
    },
  }),
  define({
    id: 'stream_options.usage-null',
    title: 'With include_usage, every other chunk has "usage": null',
    level: 'MUST',
    feature: 'stream_options',
    optional: true,
    tags: ['stream'],
    sends: 'The same stream as stream_options.usage-chunk.',
    expects: 'Every chunk before the usage chunk has a `usage` member whose value is null.',
    source: 'OpenAI: "All other chunks will also include a usage field, but with a null value."',
    async run(ctx) {
      const res = await ctx.shared('stream:usage', (c) => c.stream({ prompt: P, max_tokens: 16, temperature: 0, stream_options: { include_usage: true } }));
      res.chunks.slice(0, -1).forEach((c, n) => {
        check('usage' in c, `chunk ${n} has no "usage" member`);
        check(c.usage === null, `chunk ${n} has usage ${JSON.stringify(c.usage)}, expected null`);
      });
    },
  }),
  define({
    id: 'stream_options.usage-matches',
    title: 'The streamed usage equals the non-streamed usage',
    level: 'SHOULD',
    feature: 'stream_options',
    optional: true,
    tags: ['stream'],
    sends: 'The same stream as stream_options.usage-chunk, and the request without streaming.',
    expects: 'prompt_tokens, completion_tokens and total_tokens are equal.',
    source: 'Consistency: the same greedy request generates the same tokens.',
    async run(ctx) {
      const plain = readUsage((await greedy(ctx, P, 16)).body.usage, 'response');
      const res = await ctx.shared('stream:usage', (c) => c.stream({ prompt: P, max_tokens: 16, temperature: 0, stream_options: { include_usage: true } }));
      const u = readUsage(res.chunks[res.chunks.length - 1]?.usage, 'the usage chunk');
      check(
        u.prompt_tokens === plain.prompt_tokens && u.completion_tokens === plain.completion_tokens && u.total_tokens === plain.total_tokens,
        `streamed usage ${JSON.stringify(u)}, non-streamed ${JSON.stringify(plain)}`,
      );
    },
  }),
  define({
    id: 'stream_options.no-usage-by-default',
    title: 'Without include_usage, no chunk carries usage',
    level: 'SHOULD',
    feature: 'stream_options',
    exercises: false,
    tags: ['stream'],
    sends: 'The main greedy request, streamed, without stream_options.',
    expects: 'No chunk has a non-null `usage`.',
    source: 'vLLM `test_completion_stream_options`; TGW 5a017aa3 ("Stop including usage in streaming chunks when include_usage is not set"); llama.cpp sends usage on the last text-completion chunk.',
    async run(ctx) {
      const res = await mainStream(ctx);
      res.chunks.forEach((c, n) => check(c.usage === undefined || c.usage === null, `chunk ${n} carries usage ${JSON.stringify(c.usage)} although include_usage was not set`));
    },
  }),
  define({
    id: 'stream_options.requires-stream',
    title: 'stream_options without stream is rejected',
    level: 'SHOULD',
    feature: 'stream_options',
    exercises: false,
    sends: '`{"stream": false, "stream_options": {"include_usage": true}}`',
    expects: 'HTTP 400 with an error envelope.',
    source: 'OpenAI: "Only set this when you set stream: true"; vLLM rejects it.',
    async run(ctx) {
      const rej = await ctx.rejects({ prompt: P, max_tokens: 2, stream: false, stream_options: { include_usage: true } }, 'stream_options with stream false');
      expect400(ctx, rej, 'stream_options without stream');
    },
  }),
];
