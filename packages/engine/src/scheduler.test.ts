/**
 * Continuous batching: requests that run at once share decoding steps, join a running batch
 * and leave it, and each one's output is the output of the same request run alone.
 */
import type { NormalizedCompletionRequest } from '@textgen-spec/spec';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { assemble, collect, tinyEngine, type Collected } from './__fixtures__/engine.js';
import { greedy, makeRequest } from './__fixtures__/requests.js';
import { loadEngine } from './engine.js';
import { RequestRun } from './request-run.js';
import { EngineRequestError, type CompletionEvent, type LocalEngine } from './types.js';

let engine: LocalEngine;
beforeAll(async () => {
  engine = await tinyEngine();
});

const JSON_LIST = String.raw`
root ::= "[" string ("," ws string){0,2} "]"
string ::= "\"" [a-z ]{1,12} "\""
ws ::= " "?
`;

/** Requests of every kind that shares a step, and the two kinds that decode alone. */
const MIXED: Record<string, NormalizedCompletionRequest> = {
  sampled: makeRequest({ prompts: ['Once upon a time'], n: 2, seed: 11, temperature: 0.9, max_tokens: 24, ban_eos_token: true }),
  greedyLogprobs: greedy({ prompts: ['This is the house that Jack built'], max_tokens: 30, logprobs: 3 }),
  grammar: makeRequest({ prompts: ['This is the'], seed: 5, grammar_string: JSON_LIST, max_tokens: 60 }),
  guidance: makeRequest({ prompts: ['This is the malt'], seed: 7, guidance_scale: 1.5, negative_prompt: 'the rat', max_tokens: 20 }),
  bestOfStop: makeRequest({ prompts: ['This is the rat', 'That lay in'], n: 1, best_of: 3, seed: 3, stop: ['house'], max_tokens: 30, logprobs: 1 }),
  mirostatLong: makeRequest({ prompts: ['This is the cat that killed the rat that ate the malt. '.repeat(8)], seed: 2, mirostat_mode: 2, max_tokens: 40 }),
  contrastive: greedy({ prompts: ['Mary'], penalty_alpha: 0.6, top_k: 4, max_tokens: 20, logprobs: 0 }),
  promptLookup: makeRequest({ prompts: ['This is the house that Jack built. This is the'], seed: 9, prompt_lookup_num_tokens: 3, max_tokens: 30, logprobs: 1 }),
};

/** Equal choices: text, finish reasons and tokens identical; logprobs within float noise of batching. */
function expectSameChoices(actual: Collected, alone: Collected, label: string): void {
  expect(actual.choices.map((c) => [c.text, c.finish]), label).toEqual(alone.choices.map((c) => [c.text, c.finish]));
  expect(actual.usage, label).toEqual(alone.usage);
  actual.choices.forEach((choice, i) => {
    const reference = alone.choices[i]!.logprobs;
    if (reference === null) return expect(choice.logprobs, label).toBeNull();
    expect(choice.logprobs!.tokens, label).toEqual(reference.tokens);
    choice.logprobs!.token_logprobs.forEach((lp, t) => expect(lp!, label).toBeCloseTo(reference.token_logprobs[t]!, 4));
  });
}

/** Runs each request alone, one after the other. */
async function alone(on: LocalEngine, requests: readonly NormalizedCompletionRequest[]): Promise<Collected[]> {
  const results: Collected[] = [];
  for (const request of requests) results.push(await collect(on, request));
  return results;
}

/**
 * Starts the requests one by one, each once the previous one has yielded `after` events, so
 * that each joins a batch already decoding; resolves with every request's events.
 */
async function staggered(on: LocalEngine, requests: readonly NormalizedCompletionRequest[], after = 2): Promise<Collected[]> {
  const runs: Promise<Collected>[] = [];
  for (const request of requests) {
    let seen = 0;
    let started!: () => void;
    const ready = new Promise<void>((resolve) => (started = resolve));
    runs.push(
      (async () => {
        const events: CompletionEvent[] = [];
        for await (const event of on.complete(request)) {
          events.push(event);
          if (++seen === after) started();
        }
        started();
        return assemble(events);
      })(),
    );
    await ready;
  }
  return Promise.all(runs);
}

describe('continuous batching', () => {
  test('requests joining a running batch at different times give the output of each request run alone', async () => {
    const requests = Object.values(MIXED);
    const start = engine.batchStats().forwardPasses;
    const reference = await alone(engine, requests);
    const passesAlone = engine.batchStats().forwardPasses - start;
    const together = await staggered(engine, requests);
    const passesTogether = engine.batchStats().forwardPasses - start - passesAlone;
    Object.keys(MIXED).forEach((label, i) => expectSameChoices(together[i]!, reference[i]!, label));
    // They shared steps: more rows in one step than any request has, far fewer passes than alone.
    expect(engine.batchStats().peakRows).toBeGreaterThanOrEqual(5);
    expect(passesTogether).toBeLessThan(passesAlone * 0.8);
    expect(engine.batchStats().rows).toBe(0);
  });

  test('under load with clients leaving mid-stream, the requests that stay get their output alone', async () => {
    const requests = Array.from({ length: 8 }, (_, i) =>
      makeRequest({ prompts: [i % 2 ? 'This is the rat' : 'Once upon a time'], seed: 100 + i, temperature: 1, max_tokens: 30 + i, ban_eos_token: true }),
    );
    const reference = await alone(engine, requests);
    const outcomes = await Promise.allSettled(
      requests.map(async (request, i) => {
        const abort = new AbortController();
        const events: CompletionEvent[] = [];
        for await (const event of engine.complete(request, { signal: abort.signal })) {
          events.push(event);
          // Odd ones leave: by abort (a disconnect) or by dropping the iterator (a consumer gone).
          if (i % 4 === 1 && events.length === 3 + i) abort.abort();
          if (i % 4 === 3 && events.length === 2 + i) return events.length;
        }
        return assemble(events);
      }),
    );
    outcomes.forEach((outcome, i) => {
      if (i % 4 === 1) return expect(outcome).toMatchObject({ status: 'rejected', reason: { name: 'AbortError' } });
      expect(outcome.status).toBe('fulfilled');
      if (i % 2 === 0) expectSameChoices((outcome as PromiseFulfilledResult<Collected>).value as Collected, reference[i]!, `request ${i}`);
    });
    // Every row left the batch.
    await waitFor(() => engine.batchStats().rows === 0);
  });

  test('a request arriving during a long batch gets its first token after its prefill and at most two steps', async () => {
    const long = engine.complete(greedy({ prompts: ['Once upon a time'], max_tokens: 200, ban_eos_token: true, n: 3 }))[Symbol.asyncIterator]();
    for (let i = 0; i < 6; i++) await long.next();
    const start = engine.batchStats().forwardPasses;
    const late = engine.complete(greedy({ prompts: ['This is the rat'], max_tokens: 5 }))[Symbol.asyncIterator]();
    const first = await late.next();
    expect(first.value).toMatchObject({ type: 'text' });
    // One prefill chunk, plus the step running when it arrived and at most one more.
    expect(engine.batchStats().forwardPasses - start).toBeLessThanOrEqual(3);
    await late.return?.(undefined);
    await long.return?.(undefined);
  });

  // A request comes from outside the decode loop: a message from the HTTP thread (the engine in a
  // worker) or a timer, read between two turns of the event loop. onnxruntime-node runs a forward
  // pass synchronously, so the step in flight always ends first; what this checks is that no
  // further shared step goes before the new request's prefill. (A request read in the few
  // microseconds between the scheduler's turn and its next step can still wait for that step:
  // hence most, not all.)
  test('a request that arrives between two steps is prefilled before the next shared step', async () => {
    const runner = (engine as unknown as { runner: { runForward: (request: { tokens: number[][] }) => Promise<unknown> } }).runner;
    const ended: number[] = []; // rows of each pass, in the order the passes end
    const runForward = runner.runForward.bind(runner);
    runner.runForward = async (request) => {
      const result = await runForward(request);
      ended.push(request.tokens.length);
      return result;
    };
    const long = engine.complete(greedy({ prompts: ['Once upon a time'], max_tokens: 1000, ban_eos_token: true, n: 3 }))[Symbol.asyncIterator]();
    let reading = true;
    const draining = (async () => {
      while (reading && !(await long.next()).done);
    })();
    const sharedStepsFirst: number[] = [];
    try {
      for (let i = 0; i < 10; i++) {
        const late = await new Promise<AsyncIterator<CompletionEvent>>((resolve) =>
          setTimeout(() => {
            ended.length = 0;
            resolve(engine.complete(greedy({ prompts: ['This is the rat'], max_tokens: 2 }))[Symbol.asyncIterator]());
          }, 3),
        );
        expect((await late.next()).value).toMatchObject({ type: 'text' });
        // Passes that ended before its first token: shared steps (3 rows) before its prefill (1 row).
        expect(ended).toContain(1);
        sharedStepsFirst.push(ended.indexOf(1));
        while (!(await late.next()).done);
      }
    } finally {
      runner.runForward = runForward;
      reading = false;
      await long.return?.(undefined);
      await draining;
    }
    // Before the scheduler took a turn between steps, every one of them waited for one step more.
    expect(sharedStepsFirst.filter((steps) => steps <= 1).length).toBe(10);
    expect(sharedStepsFirst.filter((steps) => steps === 0).length).toBeGreaterThanOrEqual(7);
  });
});

describe('a request that fails in a shared step', () => {
  test('fails alone: the others in the step go on and give their output alone', async () => {
    const victim = makeRequest({ prompts: ['This is the rat'], seed: 999, temperature: 1, max_tokens: 40, ban_eos_token: true });
    const others = [greedy({ prompts: ['Once upon a time'], max_tokens: 30, ban_eos_token: true }), makeRequest({ prompts: ['That lay in'], n: 2, seed: 4, max_tokens: 30 })];
    const reference = await alone(engine, others);
    // Fault injection: the victim's sampling fails at its fifth token, as a 400 would (no_candidates).
    const sampleNext = RequestRun.prototype.sampleNext;
    let calls = 0;
    const spy = vi.spyOn(RequestRun.prototype, 'sampleNext').mockImplementation(function (this: RequestRun, ...args) {
      if (this.plan.seed === 999 && ++calls === 5) throw new EngineRequestError('injected', 'grammar_string', 'no_candidates');
      return sampleNext.apply(this, args);
    });
    try {
      const [failed, ...rest] = await Promise.allSettled([collect(engine, victim), ...others.map((r) => collect(engine, r))]);
      expect(failed).toMatchObject({ status: 'rejected', reason: { name: 'EngineRequestError', code: 'no_candidates' } });
      rest.forEach((r, i) => expectSameChoices((r as PromiseFulfilledResult<Collected>).value, reference[i]!, `request ${i}`));
    } finally {
      spy.mockRestore();
    }
    expect(engine.batchStats().rows).toBe(0);
  });
});

describe('requests that decode alone', () => {
  test.each([
    ['contrastive search', greedy({ prompts: ['Mary'], penalty_alpha: 0.6, top_k: 4, max_tokens: 80, ban_eos_token: true })],
    ['prompt lookup', greedy({ prompts: ['This is the house that Jack built. This is the'], prompt_lookup_num_tokens: 4, max_tokens: 80, ban_eos_token: true })],
  ])('%s takes turns with the shared batch: a shared request waits at most one of its steps', async (_, solo) => {
    const soloRun = collect(engine, solo);
    const shared = engine.complete(greedy({ prompts: ['Once upon a time'], max_tokens: 30, ban_eos_token: true }))[Symbol.asyncIterator]();
    const passes: number[] = [];
    for (let r = await shared.next(); !r.done; r = await shared.next()) {
      if (r.value.type === 'text') passes.push(engine.batchStats().forwardPasses);
    }
    await soloRun;
    const gaps = passes.slice(1).map((p, i) => p - passes[i]!);
    // Its own step and at most one step of the other batch between two of its tokens.
    expect(Math.max(...gaps)).toBeLessThanOrEqual(2);
  });
});

describe('batch limits', () => {
  let limited: LocalEngine;
  beforeAll(async () => {
    limited = await loadEngine({ batch: { maxRows: 2, maxTokens: 10_000 } });
  });
  afterAll(async () => {
    await limited?.dispose();
  });

  test('requests beyond maxRows wait for rows to leave, and a request wider than the limit still runs alone', async () => {
    const requests = [
      greedy({ prompts: ['Once upon a time'], max_tokens: 12, ban_eos_token: true }),
      makeRequest({ prompts: ['This is the rat'], seed: 4, max_tokens: 8, ban_eos_token: true }),
      greedy({ prompts: ['This is the malt'], max_tokens: 10, ban_eos_token: true }),
      makeRequest({ prompts: ['That lay in'], n: 3, seed: 8, max_tokens: 6, ban_eos_token: true }),
    ];
    const reference = await alone(limited, requests);
    const together = await Promise.all(requests.map((r) => collect(limited, r)));
    together.forEach((result, i) => expectSameChoices(result, reference[i]!, `request ${i}`));
    // The n=3 request ran, alone: the widest step it took is its own.
    expect(limited.batchStats().peakRows).toBe(3);
    expect(limited.batchStats().waiting).toBe(0);
  });

  test('limits must be positive integers', async () => {
    await expect(loadEngine({ batch: { maxRows: 0 } })).rejects.toThrow(/maxRows/);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}
