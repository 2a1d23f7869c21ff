/**
 * The built CLI (dist/cli.js) as users and the conformance self-test start it: --port 0, the
 * "listening on" line, /health 503 then 200, one completion, SIGTERM drains and exits 0.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FLAGS } from './config.js';
import { postJson, postStream } from './__fixtures__/harness.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** The environment without TEXTGEN_* variables (so the tests see only their own flags). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('TEXTGEN_')) env[key] = value;
  return { ...env, ...extra };
}

function run(args: string[], env: Record<string, string> = {}): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [cli, ...args], { env: cleanEnv(env) });
}

function collect(child: ChildProcessWithoutNullStreams) {
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (out.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out.stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { out, exit };
}

async function waitForOutput(out: { stdout: string }, pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(out.stdout);
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`no ${pattern} in stdout: ${out.stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('cli', () => {
  it('--help lists every flag and exits 0', async () => {
    const { out, exit } = collect(run(['--help']));
    expect(await exit).toBe(0);
    for (const flag of FLAGS) expect(out.stdout).toContain(`--${flag.name}`);
  });

  it('a bad flag or value exits 2 with a message', async () => {
    for (const args of [['--nope'], ['--port', 'x']]) {
      const { out, exit } = collect(run(args));
      expect(await exit).toBe(2);
      expect(out.stderr).toMatch(/--help/);
    }
    const fromEnv = collect(run([], { TEXTGEN_MAX_CONCURRENCY: '0' }));
    expect(await fromEnv.exit).toBe(2);
    expect(fromEnv.out.stderr).toContain('TEXTGEN_MAX_CONCURRENCY');
  });

  it('an invalid preset file stops the start with exit 2, naming the file and the parameter', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'presets-'));
    writeFileSync(join(dir, 'Hot.yaml'), 'temperature: 0.7\ntemprature: 2\n');
    const { out, exit } = collect(run(['--port', '0'], { TEXTGEN_PRESETS_DIR: dir }));
    expect(await exit).toBe(2);
    expect(out.stderr).toContain(join(dir, 'Hot.yaml'));
    expect(out.stderr).toContain('"temprature" is not a preset parameter');
    expect(out.stdout).not.toMatch(/listening/);
  });

  it('serves on --port 0: prints the URL and the model, answers, and drains on SIGTERM', async () => {
    const child = run(['--port', '0', '--log-level', 'info'], { TEXTGEN_HOST: '127.0.0.1' });
    const { out, exit } = collect(child);
    try {
      const [, url] = await waitForOutput(out, /listening on (http:\/\/\S+)/);
      const health = await fetch(`${url}/health`);
      // Usually still loading at this point; either way the body is well-formed.
      expect([200, 503]).toContain(health.status);
      const [, model] = await waitForOutput(out, /Serving model (\S+)/);
      expect((await fetch(`${url}/health`)).status).toBe(200);

      const completion = await postJson(url!, '/v1/completions', { model, prompt: 'Hello', max_tokens: 3 });
      expect(completion.status).toBe(200);

      // SIGTERM during a stream: the stream completes, then the process exits 0.
      const inflight = postStream(url!, { model, prompt: 'word '.repeat(5), max_tokens: 200, ban_eos_token: true, stream: true });
      await new Promise((resolve) => setTimeout(resolve, 50));
      child.kill('SIGTERM');
      const streamed = await inflight;
      expect(streamed.status).toBe(200);
      expect(streamed.done).toBe(true);
      expect(await exit).toBe(0);

      // One JSON log line per request on stderr (not a TTY), never the prompt.
      const lines = out.stderr
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const requests = lines.filter((line) => line.msg === 'request' && line.path === '/v1/completions');
      expect(requests).toHaveLength(2);
      expect(requests[0]).toMatchObject({ method: 'POST', status: 200, prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number), queue_ms: expect.any(Number), duration_ms: expect.any(Number), id: expect.stringMatching(/^req_/) });
      // A stream's line also has its time to first token, between 0 and its duration; a JSON response's has none.
      expect(requests[0]).not.toHaveProperty('ttft_ms');
      expect(requests[1]!.ttft_ms).toBeGreaterThan(0);
      expect(requests[1]!.ttft_ms).toBeLessThanOrEqual(requests[1]!.duration_ms as number);
      expect(out.stderr).not.toContain('Hello');
    } finally {
      child.kill('SIGKILL');
    }
  }, 90_000);

  it('exits 1 with a clear message when the model cannot be loaded', async () => {
    const { out, exit } = collect(run(['--port', '0', '--model', '/nonexistent/model-folder']));
    expect(await exit).toBe(1);
    expect(out.stdout).toMatch(/listening on http:\/\//);
    expect(out.stderr).toMatch(/failed to load/);
  }, 60_000);
});
