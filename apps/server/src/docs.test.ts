/**
 * docs/server.md stays true: every option is in its table, and every curl example in it runs
 * against a real server (tiny model) and succeeds.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, FLAGS } from './config.js';
import type { TextgenServer } from './server.js';
import { postJson, startTestServer } from './__fixtures__/harness.js';

const guide = readFileSync(fileURLToPath(new URL('../../../docs/server.md', import.meta.url)), 'utf8');

/** The usage examples docs/api.md shows, from packages/spec/examples/completion-request/. */
function usageExamples(): { parameter: string; body: Record<string, unknown> }[] {
  const dir = new URL('../../../packages/spec/examples/completion-request/', import.meta.url);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as { parameter: string; usage?: { body: Record<string, unknown> } })
    .filter((example) => example.usage !== undefined)
    .map((example) => ({ parameter: example.parameter, body: example.usage!.body }));
}

/** The curl commands of the guide: URL path and the JSON of `-d '...'` (GET when there is none). */
function curlExamples(): { path: string; body: unknown }[] {
  const commands: string[] = [];
  for (const block of guide.matchAll(/```sh\n([\s\S]*?)```/g)) {
    let current = '';
    for (const line of block[1]!.split('\n')) {
      current += (current ? ' ' : '') + line.replace(/\\$/, '');
      // A command goes on while a quote is open or the line ends with a backslash.
      if ((current.split("'").length - 1) % 2 === 1 || line.endsWith('\\')) continue;
      if (current.trim().startsWith('curl ')) commands.push(current);
      current = '';
    }
  }
  return commands.map((command) => {
    const url = /http:\/\/127\.0\.0\.1:5000(\/\S*)/.exec(command);
    if (!url) throw new Error(`no server URL in: ${command}`);
    const data = /-d '([^']*)'/.exec(command);
    return { path: url[1]!, body: data ? (JSON.parse(data[1]!) as unknown) : undefined };
  });
}

// Set once in beforeAll: one server for all the tests of this file (starting one per test is slow).
let server: TextgenServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('docs/server.md', () => {
  it('lists every option with its environment variable, and the defaults the code uses', () => {
    for (const flag of FLAGS) {
      if (flag.name === 'help' || flag.name === 'version') continue;
      const row = guide.split('\n').find((line) => line.startsWith(`| \`--${flag.name}`));
      expect(row, `--${flag.name} in the options table`).toBeDefined();
      expect(row).toContain(`\`${flag.env}\``);
    }
    expect(guide).toContain(`| \`${DEFAULT_CONFIG.host}\` |`);
    expect(guide).toContain(`| \`${DEFAULT_CONFIG.port}\` |`);
    expect(guide).toContain(`| \`${DEFAULT_CONFIG.maxBodyBytes}\` |`);
    expect(guide).toContain(`| \`${DEFAULT_CONFIG.maxQueue}\` |`);
    expect(guide).toContain(`| \`${DEFAULT_CONFIG.requestTimeoutMs / 1000}\` |`);
  });

  it('names the model the server actually serves', async () => {
    const engine = await server.ready;
    expect(guide).toContain(`"model": "${engine.info.id}"`);
  });

  it('every usage example of docs/api.md runs on the reference server', async () => {
    const examples = usageExamples();
    expect(examples.length).toBeGreaterThanOrEqual(7);
    const responses = await Promise.all(examples.map(({ body }) => postJson(server.url, '/v1/completions', body)));
    responses.forEach((response, i) => expect(response.status, `${examples[i]!.parameter}: ${response.text}`).toBe(200));
  });

  it('every curl example succeeds', async () => {
    const examples = curlExamples();
    expect(examples.length).toBeGreaterThanOrEqual(8);
    for (const { path, body } of examples) {
      const response =
        body === undefined ? await fetch(`${server.url}${path}`) : await postJson(server.url, path, body);
      expect(response.status, `${path} ${JSON.stringify(body)}`).toBe(200);
    }
  });
});
