/**
 * The official `openai` npm client against the running server (tiny model): what users run.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TextgenServer } from './server.js';
import { startTestServer } from './__fixtures__/harness.js';

// Set once in beforeAll: one server for all the tests of this file (starting one per test is slow).
let server: TextgenServer;
let client: OpenAI;
let model: string;

beforeAll(async () => {
  server = await startTestServer({ apiKeys: ['sk-test'], maxConcurrency: 2 });
  model = (await server.ready).info.id;
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sk-test', maxRetries: 0, timeout: 30_000 });
});
afterAll(() => server.close());

describe('official openai client', () => {
  it('lists the model', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain(model);
    expect((await client.models.retrieve(model)).id).toBe(model);
  });

  it('completes without streaming', async () => {
    const completion = await client.completions.create({ model, prompt: 'Once upon a time', max_tokens: 8, temperature: 0 });
    expect(completion.object).toBe('text_completion');
    expect(completion.choices[0]!.text.length).toBeGreaterThan(0);
    expect(['stop', 'length']).toContain(completion.choices[0]!.finish_reason);
    expect(completion.usage!.total_tokens).toBe(completion.usage!.prompt_tokens + completion.usage!.completion_tokens);
  });

  it('streams, and the streamed text equals the non-streamed text', async () => {
    const params = { model, prompt: 'The old man', max_tokens: 12, temperature: 0 } as const;
    const plain = await client.completions.create(params);
    const stream = await client.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finishes = 0;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        text += choice.text;
        if (choice.finish_reason) finishes++;
      }
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(plain.choices[0]!.text);
    expect(finishes).toBe(1);
    expect(usage).toEqual(plain.usage);
  });

  it('completes a batch of prompts with n, prompt-major', async () => {
    const completion = await client.completions.create({ model, prompt: ['The cat', 'The dog', 'The bird'], n: 2, max_tokens: 3, temperature: 0 });
    expect(completion.choices.map((c) => c.index)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('returns logprobs', async () => {
    const completion = await client.completions.create({ model, prompt: 'The sea', max_tokens: 4, logprobs: 3, temperature: 0 });
    const logprobs = completion.choices[0]!.logprobs!;
    expect(logprobs.tokens!.join('')).toBe(completion.choices[0]!.text);
    expect(logprobs.token_logprobs!.every((lp) => typeof lp === 'number' && lp <= 0)).toBe(true);
    expect(logprobs.top_logprobs!.every((top) => Object.keys(top).length >= 1 && Object.keys(top).length <= 4)).toBe(true);
  });

  it('accepts the TGW extensions as extra body fields', async () => {
    const completion = await client.completions.create({
      model,
      prompt: 'The king',
      max_tokens: 6,
      temperature: 1,
      seed: 7,
      // @ts-expect-error extension parameters are not in the OpenAI types
      min_p: 0.1,
      top_k: 20,
      repetition_penalty: 1.1,
      dry_multiplier: 0.8,
      sampler_priority: ['top_k', 'min_p', 'temperature'],
    });
    expect(completion.choices).toHaveLength(1);
  });

  it('maps errors to the client error classes', async () => {
    // (A completion naming another model is served in the compat profile, as TGW: clients.test.ts.)
    const notFound = await client.models.retrieve('davinci-002').catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(OpenAI.NotFoundError);
    expect((notFound as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
    const bad = await client.completions.create({ model, prompt: 'x', max_tokens: -1 }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect((bad as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('max_tokens');
    const anonymous = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'wrong', maxRetries: 0 });
    await expect(anonymous.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });
});
