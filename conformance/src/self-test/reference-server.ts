/**
 * Starts the reference server as a subprocess (never imported: the runner must stay
 * independent of it) and waits until GET /health answers 200.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ReferenceServer {
  url: string;
  /** What the process wrote to stderr (for diagnostics). */
  readonly stderr: string[];
  close(): Promise<void>;
}

/** apps/server/dist/cli.js of this repository, found by walking up from this file (the self-test builds it first, see turbo.json). */
export function referenceCli(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'apps', 'server', 'dist', 'cli.js');
    if (existsSync(join(dir, 'apps', 'server', 'package.json'))) return candidate;
    const up = dirname(dir);
    if (up === dir) return resolve('apps/server/dist/cli.js');
    dir = up;
  }
}

export interface StartOptions {
  /** Path of the server's CLI script. */
  cli?: string;
  /** Extra flags, e.g. ['--profile', 'strict', '--api-key', 'k']. */
  args?: string[];
  /** How long to wait for the model to load. */
  readyTimeoutMs?: number;
}

/** Spawns `node <cli> --port 0 --host 127.0.0.1 ...` and resolves once it serves. */
export async function startReferenceServer(options: StartOptions = {}): Promise<ReferenceServer> {
  const cli = options.cli ?? referenceCli();
  if (!existsSync(cli)) throw new Error(`the reference server is not built: ${cli} is missing (run npx turbo run build --filter=@textgen-spec/server)`);
  const child = spawn(process.execPath, [cli, '--port', '0', '--host', '127.0.0.1', '--log-level', 'warn', ...(options.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr.setEncoding('utf8').on('data', (d: string) => stderr.push(d));
  const close = () => stop(child);
  try {
    const url = await new Promise<string>((resolveUrl, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`the server printed no URL within 30 s; stderr: ${stderr.join('')}`)), 30_000);
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolveUrl(m[1]!.replace(/\/+$/, ''));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the server exited with code ${code}; stderr: ${stderr.join('')}`));
      });
    });
    const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
    for (;;) {
      const status = await fetch(`${url}/health`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) break;
      if (Date.now() > deadline) throw new Error(`GET /health did not answer 200 within ${options.readyTimeoutMs ?? 120_000} ms (last ${status})`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return { url, stderr, close };
  } catch (err) {
    await close();
    throw err;
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}
