/** TGW's model management behind the admin key (issue 12): model/list, model/load, model/unload. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_MODEL_IDS } from '@textgen-spec/engine';
import type { TextgenServer } from './server.js';
import { getJson, postJson, startTestServer } from './__fixtures__/harness.js';

const ADMIN = { Authorization: 'Bearer adm' };
// Set in beforeAll: the server this file's tests share.
let server: TextgenServer;
beforeAll(async () => {
  server = await startTestServer({ adminKeys: ['adm'], apiKeys: ['user'] });
});
afterAll(async () => {
  await server?.close();
});

const get = (path: string, headers: Record<string, string> = {}) => getJson(server.url, path, headers);

const completion = () => postJson(server.url, '/v1/completions', { prompt: 'This is the', max_tokens: 2 }, { Authorization: 'Bearer user' });

describe('model management', () => {
  it('needs the admin key (the API key is not enough); off when the server has no key at all', async () => {
    expect((await get('/v1/internal/model/list', {})).status).toBe(401);
    expect((await get('/v1/internal/model/list', { Authorization: 'Bearer user' })).status).toBe(401);
    expect(await get('/v1/internal/model/list', ADMIN)).toEqual({ status: 200, body: { model_names: EMBEDDED_MODEL_IDS } });
    const open = await startTestServer();
    try {
      const response = await postJson(open.url, '/v1/internal/model/unload', {});
      expect(response.status).toBe(403);
      expect(JSON.parse(response.text).error.code).toBe('admin_disabled');
    } finally {
      await open.close();
    }
  });

  it('an unknown name is a 400 listing the available models', async () => {
    const response = await postJson(server.url, '/v1/internal/model/load', { model_name: 'nope' }, ADMIN);
    expect(response.status).toBe(400);
    const error = JSON.parse(response.text).error;
    expect(error.param).toBe('model_name');
    expect(error.message).toContain("'textgen-tiny'");
  });

  it('unload: completions get 503; load: 503 with Retry-After while loading, then it serves again', async () => {
    const unload = await postJson(server.url, '/v1/internal/model/unload', {}, ADMIN);
    expect(unload.status).toBe(200);
    expect(JSON.parse(unload.text)).toBe('OK');
    const none = await completion();
    expect(none.status).toBe(503);
    expect(JSON.parse(none.text).error.code).toBe('model_not_loaded');

    const loading = postJson(server.url, '/v1/internal/model/load', { model_name: 'textgen-tiny', args: { dtype: 'fp32' } }, ADMIN);
    await new Promise((r) => setTimeout(r, 20));
    const during = await completion();
    expect(during.status).toBe(503);
    expect(during.headers['retry-after']).toBeDefined();
    const loaded = await loading;
    expect(loaded.status, loaded.text).toBe(200);
    const after = await completion();
    expect(after.status, after.text).toBe(200);
  });

  it('loads an embedded family model by name; GET /v1/models then lists it', async () => {
    expect(EMBEDDED_MODEL_IDS).toContain('textgen-tiny-llama2');
    const loaded = await postJson(server.url, '/v1/internal/model/load', { model_name: 'textgen-tiny-llama2' }, ADMIN);
    expect(loaded.status, loaded.text).toBe(200);
    try {
      const models = await get('/v1/models', { Authorization: 'Bearer user' });
      expect(models.body.data.map((m: { id: string }) => m.id)).toContain('textgen-tiny-llama2');
      const answer = await completion();
      expect(answer.status, answer.text).toBe(200);
      expect(JSON.parse(answer.text).model).toBe('textgen-tiny-llama2');
    } finally {
      await postJson(server.url, '/v1/internal/model/load', { model_name: 'textgen-tiny' }, ADMIN);
    }
  });
});
