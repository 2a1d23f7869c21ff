/**
 * Extension probes of max_tokens_second.
 */
import { expectSame, sleep } from '../helpers.js';
import { completionTokens, greedy, PROMPTS } from '../oracles.js';
import { check, skip } from '../outcome.js';
import type { CheckDef } from '../types.js';
import { ext } from './shared.js';

export const THROTTLE_CHECKS: CheckDef[] = [
  ext({
    id: 'ext.max_tokens_second',
    title: 'max_tokens_second throttles streaming',
    feature: 'max_tokens_second',
    tags: ['stream'],
    sends: 'The main greedy request (8 tokens), streamed with `max_tokens_second: 10`.',
    expects: 'The plain greedy text, and at least 0.8 x (tokens - 1) / 10 seconds between the first and the last text chunk.',
    source: 'TGW `max_tokens_second`: limits the streaming rate.',
    async run(ctx) {
      const plain = await greedy(ctx, PROMPTS.main, 8);
      const n = completionTokens(plain);
      if (n < 3) skip('the answer has fewer than 3 tokens');
      const res = await ctx.stream({ prompt: PROMPTS.main, max_tokens: 8, temperature: 0, max_tokens_second: 10 });
      expectSame(res.text(0), plain.text, 'throttled text');
      const times = res.response.sse.events
        .filter((e) => {
          try {
            const c = JSON.parse(e.data) as { choices?: { text?: string }[] };
            return c.choices?.some((ch) => typeof ch.text === 'string' && ch.text !== '') ?? false;
          } catch {
            return false;
          }
        })
        .map((e) => e.at);
      const spanMs = (times[times.length - 1] ?? 0) - (times[0] ?? 0);
      const minMs = 0.8 * ((n - 1) / 10) * 1000;
      check(spanMs >= minMs, `${n} tokens streamed over ${spanMs} ms; at 10 tokens/s that takes at least ${Math.round(minMs)} ms`);
      return `${n} tokens over ${spanMs} ms`;
    },
  }),
  ext({
    id: 'ext.max_tokens_second_concurrent',
    title: 'A throttled stream does not hold up other requests',
    feature: 'max_tokens_second',
    tags: ['stream'],
    exclusive: true,
    sends:
      'The main greedy request streamed with a `max_tokens_second` that makes it last about 2 s (at least 5 times a plain request), and, once it is under way, the same request unthrottled.',
    expects: 'The stream is throttled, and the plain request finishes at least a quarter of the stream\'s duration before the stream does.',
    source: 'Issue 7 (throttling must not slow other requests). TGW sleeps while holding its generation lock, so a concurrent request waits for the throttled one.',
    async run(ctx) {
      const plain = await greedy(ctx, PROMPTS.main, 8);
      const n = completionTokens(plain);
      if (n < 3) skip('the answer has fewer than 3 tokens');
      const timed = async (): Promise<number> => {
        const t = Date.now();
        await ctx.complete({ prompt: PROMPTS.main, max_tokens: 8, temperature: 0 });
        return Date.now() - t;
      };
      const alone = Math.min(await timed(), await timed());
      const rate = Math.max(1, Math.floor(((n - 1) * 1000) / Math.max(2000, 5 * alone)));
      const durationMs = ((n - 1) / rate) * 1000;
      const started = Date.now();
      const stream = ctx.stream({ prompt: PROMPTS.main, max_tokens: 8, temperature: 0, max_tokens_second: rate });
      await sleep(Math.min(300, durationMs / 4));
      await ctx.complete({ prompt: PROMPTS.main, max_tokens: 8, temperature: 0 });
      const plainDone = Date.now() - started;
      await stream;
      const streamDone = Date.now() - started;
      check(streamDone >= 0.8 * durationMs, `the stream at max_tokens_second ${rate} took ${streamDone} ms; ${n} tokens need at least ${Math.round(durationMs)} ms: it was not throttled`);
      check(
        plainDone <= streamDone - durationMs / 4,
        `the plain request finished after ${plainDone} ms, the throttled stream after ${streamDone} ms: the plain request waited for the throttled one (alone it takes ${alone} ms)`,
      );
      return `plain request done at ${plainDone} ms, throttled stream (${rate} tokens/s) at ${streamDone} ms`;
    },
  }),
];
