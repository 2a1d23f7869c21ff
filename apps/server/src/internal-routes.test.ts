/** TGW's internal endpoints as clients use them (issue 12): health, model/info, stop-generation, logits. */
import { request as httpRequest } from 'node:http';
import { validateSchema } from '@textgen-spec/spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TextgenServer } from './server.js';
import { getJson, openPost, parseSse, postJson, startTestServer, waitFor } from './__fixtures__/harness.js';

// Set in beforeAll: the server this file's tests share.
let server: TextgenServer;
beforeAll(async () => {
  server = await startTestServer({ maxConcurrency: 2 });
});
afterAll(async () => {
  await server?.close();
});

const get = (path: string, headers: Record<string, string> = {}) => getJson(server.url, path, headers);

describe('GET /v1/internal/health and /v1/internal/model/info', () => {
  it("answer TGW's shapes", async () => {
    const health = await get('/v1/internal/health');
    expect(health).toEqual({ status: 200, body: { status: 'ok' } });
    expect(validateSchema('health-response', health.body).valid).toBe(true);
    const info = await get('/v1/internal/model/info');
    expect(info.status).toBe(200);
    expect(info.body).toEqual({ model_name: server.modelNames()[0], lora_names: [], loader: 'transformers.js' });
    expect(validateSchema('model-info-response', info.body).valid).toBe(true);
  });

  it('need the API key when one is set', async () => {
    const keyed = await startTestServer({ apiKeys: ['secret'] });
    try {
      const base = keyed.url;
      const status = (path: string, headers: Record<string, string> = {}) =>
        new Promise<number>((resolve) => httpRequest(new URL(path, base), { headers, agent: false }, (res) => (res.resume(), resolve(res.statusCode ?? 0))).end());
      expect(await status('/v1/internal/model/info')).toBe(401);
      expect(await status('/v1/internal/model/info', { Authorization: 'Bearer secret' })).toBe(200);
    } finally {
      await keyed.close();
    }
  });
});

describe('POST /v1/internal/logits', () => {
  it('returns token -> probability, most likely first, without and with the samplers', async () => {
    const raw = await postJson(server.url, '/v1/internal/logits', { prompt: 'This is the house that', top_logits: 5 });
    expect(raw.status).toBe(200);
    const probs = JSON.parse(raw.text) as Record<string, number>;
    expect(validateSchema('logits-response', probs).valid).toBe(true);
    const values = Object.values(probs);
    expect(values.length).toBeGreaterThan(0);
    expect(values.length).toBeLessThanOrEqual(5);
    expect([...values].sort((a, b) => b - a)).toEqual(values);
    const greedy = await postJson(server.url, '/v1/completions', { model: server.modelNames()[0], prompt: 'This is the house that', max_tokens: 1, temperature: 0 });
    expect(Object.keys(probs)[0]).toBe(JSON.parse(greedy.text).choices[0].text);

    const sampled = await postJson(server.url, '/v1/internal/logits', { prompt: 'This is the house that', use_samplers: true, top_k: 2, top_logits: 5 });
    const kept = Object.values(JSON.parse(sampled.text) as Record<string, number>).filter((p) => p > 0);
    expect(kept).toHaveLength(2);
    expect(kept[0]! + kept[1]!).toBeCloseTo(1, 5);
  });

  it('400 naming the parameter for a bad body', async () => {
    const bad = await postJson(server.url, '/v1/internal/logits', { prompt: 'x', top_logits: 0 });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).error.param).toBe('top_logits');
  });
});

describe('POST /v1/internal/stop-generation', () => {
  it('ends every running stream cleanly: final chunks and [DONE]', async () => {
    const body = { model: server.modelNames()[0], prompt: 'This is the', max_tokens: 2000, ban_eos_token: true, stream: true };
    const collect = () =>
      new Promise<{ status: number; raw: string }>((resolve, reject) => {
        const req = openPost(server.url, '/v1/completions', body);
        req.on('response', (res) => {
          let raw = '';
          res.on('data', (c: Buffer) => (raw += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, raw }));
        });
        req.on('error', reject);
      });
    const streams = [collect(), collect()];
    const engine = server.model.status === 'ready' ? server.model.engine : null;
    // Both are generating when the stop arrives.
    await waitFor(() => server.queue.running === 2, 5000, 'two running completions');
    const stop = await postJson(server.url, '/v1/internal/stop-generation', {});
    expect(stop.status).toBe(200);
    expect(JSON.parse(stop.text)).toBe('OK');
    for (const result of await Promise.all(streams)) {
      expect(result.status).toBe(200);
      const { events, done } = parseSse(result.raw);
      expect(done).toBe(true);
      const finish = events.flatMap((e: any) => e.choices ?? []).find((c: any) => c.finish_reason !== null);
      expect(finish.finish_reason).toBe('stop');
    }
    expect(await engine?.stopAll()).toBe(0);
  });
});
