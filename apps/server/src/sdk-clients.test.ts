/**
 * Two popular SDKs' completion clients against a real listening server (issue 12): LangChain's
 * `OpenAI` completion class (@langchain/openai) and the AI SDK's openai-compatible completion
 * model (ai + @ai-sdk/openai-compatible), beside the official openai client (openai-client.test.ts).
 */
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { OpenAI as LangChainOpenAI } from '@langchain/openai';
import { generateText, streamText } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TextgenServer } from './server.js';
import { postJson, startTestServer } from './__fixtures__/harness.js';

// Set once in beforeAll: one server for all the tests of this file.
let server: TextgenServer;
let model: string;

beforeAll(async () => {
  server = await startTestServer({ apiKeys: ['sk-test'], maxConcurrency: 2 });
  model = (await server.ready).info.id;
});
afterAll(() => server.close());

/** The server's own greedy answer, through plain HTTP. */
async function greedyText(prompt: string, maxTokens: number): Promise<string> {
  const response = await postJson(server.url, '/v1/completions', { model, prompt, max_tokens: maxTokens, temperature: 0 }, { Authorization: 'Bearer sk-test' });
  return JSON.parse(response.text).choices[0].text as string;
}

describe("LangChain's OpenAI completion class", () => {
  const llm = () =>
    new LangChainOpenAI({ model, temperature: 0, maxTokens: 8, apiKey: 'sk-test', maxRetries: 0, configuration: { baseURL: `${server.url}/v1` } });

  it('invokes and gets the greedy completion', async () => {
    expect(await llm().invoke('This is the house that')).toBe(await greedyText('This is the house that', 8));
  });

  it('streams the same text', async () => {
    let text = '';
    for await (const piece of await llm().stream('This is the cat')) text += piece;
    expect(text).toBe(await greedyText('This is the cat', 8));
  });
});

describe("the AI SDK's openai-compatible completion model", () => {
  // The SDK turns its prompt into a chat-style text ("user:\n...\n\nassistant:\n") with a stop
  // sequence, so the bodies it sends are recorded and replayed to find the expected answer.
  const sent: Record<string, unknown>[] = [];
  const provider = () =>
    createOpenAICompatible({
      name: 'textgen',
      baseURL: `${server.url}/v1`,
      apiKey: 'sk-test',
      fetch: (input, init) => {
        if (typeof init?.body === 'string') sent.push(JSON.parse(init.body) as Record<string, unknown>);
        return fetch(input, init);
      },
    });

  /** The text the server gives for the last recorded body, sent without streaming. */
  async function replayLast(): Promise<string> {
    const { stream: _stream, stream_options: _options, ...body } = sent.at(-1)!;
    const response = await postJson(server.url, '/v1/completions', body, { Authorization: 'Bearer sk-test' });
    expect(response.status, response.text).toBe(200);
    expect(response.headers['x-textgen-ignored-fields']).toBeUndefined();
    return JSON.parse(response.text).choices[0].text as string;
  }

  it('generates the greedy completion, with usage and a finish reason', async () => {
    const result = await generateText({ model: provider().completionModel(model), prompt: 'This is the house that', maxOutputTokens: 8, temperature: 0, maxRetries: 0 });
    expect(sent.at(-1)).toMatchObject({ model, max_tokens: 8, temperature: 0 });
    expect(String(sent.at(-1)!.prompt)).toContain('This is the house that');
    expect(result.text).toBe(await replayLast());
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(['stop', 'length']).toContain(result.finishReason);
  });

  it('streams the same text', async () => {
    const result = streamText({ model: provider().completionModel(model), prompt: 'This is the cat', maxOutputTokens: 8, temperature: 0, maxRetries: 0 });
    let text = '';
    for await (const piece of result.textStream) text += piece;
    expect(sent.at(-1)).toMatchObject({ stream: true });
    expect(text).toBe(await replayLast());
  });
});
