/**
 * GET /openapi.json serves the spec's document of the running profile, and the server's route
 * table is the spec's (API_ROUTES, the table the OpenAPI documents are generated from).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES, getOpenApiDocument } from '@textgen-spec/spec';
import { ROUTES } from './routes.js';
import type { TextgenServer } from './server.js';
import { startTestServer } from './__fixtures__/harness.js';

describe('GET /openapi.json', () => {
  const servers: TextgenServer[] = [];
  beforeAll(async () => {
    servers.push(await startTestServer({ profile: 'strict', apiKeys: ['secret'] }), await startTestServer({ profile: 'compat' }));
  });
  afterAll(() => Promise.all(servers.map((s) => s.close())));

  it('answers the document of the profile the server runs, without the API key', async () => {
    for (const server of servers) {
      const res = await fetch(`${server.url}/openapi.json`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await res.json()) as { openapi: string; info: { title: string } };
      expect(body).toEqual(getOpenApiDocument(server.config.profile));
      expect(body.info.title).toContain(`(${server.config.profile})`);
    }
    const [strict] = servers;
    expect((await fetch(`${strict!.url}/v1/models`)).status).toBe(401);
  });
});

describe('the route table', () => {
  it('is the spec route table: same methods, paths (a {param} = a prefix route) and auth', () => {
    // The playground's pages (GET / and /playground/...) are a user interface, not API routes.
    const served = ROUTES.filter((r) => r.path !== '/' && r.path !== '/playground/').map((r) => `${r.method} ${r.path} auth=${r.auth}`).sort();
    const specified = API_ROUTES.map((r) => `${r.method} ${r.path.replace(/\{[^}/]+\}$/, '')} auth=${r.auth}`).sort();
    expect(served).toEqual(specified);
  });
});
