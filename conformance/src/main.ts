/**
 * The command line: `textgen-conformance --url URL [options]` and `textgen-conformance list`.
 *
 * Exit status: 0 nothing unexpected failed, 1 something did (or a baseline entry is stale),
 * 2 bad usage, 3 the server cannot be reached.
 */
import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CHECKS } from './checks/registry.js';
import { LEVELS } from './checks/outcome.js';
import type { CheckDef } from './checks/types.js';
import type { Profile } from '@textgen-spec/spec';
import { renderGithub, renderJunit, renderMarkdown } from './reporters/ci.js';
import { createProgress, renderText } from './reporters/text.js';
import { ConnectError, runSuite, waitUntilReady, type RunOptions } from './runner/run.js';
import { HttpClient } from './http/client.js';
import { baselineCovers, parseBaseline, selectChecks, splitSelectors, unknownSelectors, type Baseline } from './runner/select.js';
import { RUNNER } from './version.js';
import { specValidator } from './wire/spec-validator.js';

export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

/** Environment variable read when --api-key is not given. */
export const API_KEY_ENV = 'TEXTGEN_CONFORMANCE_API_KEY';

export const USAGE = `Usage: textgen-conformance --url URL [options]
       textgen-conformance list [--only SEL] [--skip SEL]

Checks an OpenAI-compatible /v1/completions server (with the text-generation-webui
extensions) and reports where it follows the spec and where it does not.

Options:
  --url URL            server root, e.g. http://127.0.0.1:5000 (required)
  --model ID           model to use (default: the first of GET /v1/models)
  --api-key KEY        Bearer token (default: $${API_KEY_ENV})
  --profile P          strict (OpenAI's limits) or compat (what real servers accept; default)
  --only SEL           run only matching checks (repeatable, comma-separated)
  --skip SEL           skip matching checks (repeatable, comma-separated)
                       SEL: a check id, an id prefix ending in * (stop.*), a feature
                       (logprobs), a tag (stream), a level (must, should, ext, info)
  --json FILE          write the report as JSON (schema: report.schema.json)
  --junit FILE         write JUnit XML
  --markdown FILE      write a Markdown summary (append to $GITHUB_STEP_SUMMARY in CI)
  --github             print GitHub Actions annotations
                       (report files: a missing directory is created; a path that
                       cannot be written fails with exit 2 before any check runs)
  --baseline FILE      expected failures: check ids or prefix.* patterns, one per line,
                       # comments; an entry whose checks now pass is stale and fails the run
  --timeout SECONDS    per-request timeout (default 60)
  --concurrency N      checks run at once (default 4)
  --wait SECONDS       wait up to this long for GET /v1/models to answer 200 first
  --verbose            print the requests and responses of failed checks
  --no-color           plain output even on a terminal (also NO_COLOR=1)
  --list               same as the list command
  --version            print the runner version
  -h, --help           this help

Exit status: 0 nothing unexpected failed, 1 something did, 2 bad usage, 3 server unreachable.`;

/** Where output goes (injectable for tests). */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stdout is a terminal (pretty output, progress). */
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
  stderrStream?: NodeJS.WriteStream;
}

class UsageError extends Error {}

/** The command-line options (node:util parseArgs). */
const OPTIONS = {
  url: { type: 'string' },
  model: { type: 'string' },
  'api-key': { type: 'string' },
  profile: { type: 'string' },
  only: { type: 'string', multiple: true },
  skip: { type: 'string', multiple: true },
  json: { type: 'string' },
  junit: { type: 'string' },
  markdown: { type: 'string' },
  github: { type: 'boolean' },
  baseline: { type: 'string' },
  timeout: { type: 'string' },
  concurrency: { type: 'string' },
  wait: { type: 'string' },
  verbose: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  list: { type: 'boolean' },
  version: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>['values'];

/** Runs the CLI and resolves to its exit status. */
export async function main(argv: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: OPTIONS });
  } catch (err) {
    io.stderr(`textgen-conformance: ${argumentError(err as NodeJS.ErrnoException)} (see textgen-conformance --help)\n`);
    return EXIT.usage;
  }
  try {
    return await command(parsed.values, parsed.positionals, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`textgen-conformance: ${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof ConnectError) {
      io.stderr(`textgen-conformance: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}

/** Runs the parsed command: help, version, list, or a run. */
async function command(values: Values, positionals: string[], io: Io): Promise<number> {
  if (values.help) {
    io.stdout(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (values.version) {
    io.stdout(`${RUNNER.version}\n`);
    return EXIT.ok;
  }
  const name = positionals[0];
  if (positionals.length > 1 || (name !== undefined && name !== 'list' && name !== 'run')) {
    throw new UsageError(`unknown command: ${positionals.join(' ')}`);
  }
  const only = splitSelectors(values.only);
  const skipped = splitSelectors(values.skip);
  const unknown = unknownSelectors(CHECKS, [...only, ...skipped]);
  if (unknown.length > 0) throw new UsageError(`no check matches ${unknown.map((s) => JSON.stringify(s)).join(', ')} (see textgen-conformance list)`);
  const checks = selectChecks(CHECKS, only, skipped);
  const profile = (values.profile ?? 'compat') as Profile;
  if (profile !== 'strict' && profile !== 'compat') throw new UsageError(`--profile must be strict or compat, not ${JSON.stringify(values.profile)}`);

  if (name === 'list' || values.list) {
    io.stdout(`${renderList(checks, profile)}\n`);
    return EXIT.ok;
  }
  return run(values, { checks, profile, only, skipped }, io);
}

/** A run: checks the options, runs the suite, writes the reports; resolves to the exit status. */
async function run(
  values: Values,
  selection: { checks: readonly CheckDef[]; profile: Profile; only: string[]; skipped: string[] },
  io: Io,
): Promise<number> {
  if (!values.url) throw new UsageError('--url is required');
  checkUrl(values.url);
  const timeoutMs = seconds(values.timeout, 'timeout', 60) * 1000;
  const concurrency = integer(values.concurrency, 'concurrency', 4);
  const waitSeconds = seconds(values.wait, 'wait', 0);
  const baseline = values.baseline ? readBaseline(values.baseline) : undefined;
  // Before any check runs: each report's directory is created, and the file must be writable.
  for (const flag of ['json', 'junit', 'markdown'] as const) {
    const path = values[flag];
    if (path !== undefined) prepareReportPath(path, flag);
  }
  const apiKey = values['api-key'] ?? io.env[API_KEY_ENV] ?? undefined;
  const color = io.isTTY && !values['no-color'] && !io.env.NO_COLOR;

  if (waitSeconds > 0) {
    await waitUntilReady(new HttpClient({ baseUrl: values.url, apiKey, timeoutMs }), waitSeconds);
  }
  const progress = io.isTTY && io.stderrStream ? createProgress(io.stderrStream) : undefined;
  const report = await runSuite({
    url: values.url,
    apiKey,
    model: values.model,
    profile: selection.profile,
    timeoutMs,
    checks: selection.checks,
    concurrency,
    baseline,
    validator: specValidator,
    filters: { only: selection.only, skip: selection.skipped },
    runner: RUNNER,
    onProgress: progress ? progressHandler(progress) : undefined,
  });
  progress?.clear();

  if (values.json) writeReport(values.json, `${JSON.stringify(report, null, 2)}\n`);
  if (values.junit) writeReport(values.junit, renderJunit(report));
  if (values.markdown) writeReport(values.markdown, renderMarkdown(report), 'a');
  if (values.github) io.stdout(`${renderGithub(report)}\n`);
  io.stdout(`${renderText(report, { color, verbose: Boolean(values.verbose) })}\n`);
  return report.summary.exitCode;
}

/** node:util parseArgs's error, as one short line. */
function argumentError(err: NodeJS.ErrnoException): string {
  const message = err.message ?? String(err);
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /'([^']+)'/.exec(message)?.[1];
    return `unknown option ${option ?? ''}`.trimEnd();
  }
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const option = /'(-[^ ']+)/.exec(message)?.[1];
    if (option && /argument missing/.test(message)) return `${option} needs a value`;
  }
  return message.split('\n')[0] ?? message;
}

/** --url must be an http(s) URL. */
function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url is not a URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`--url must be an http:// or https:// URL, not ${JSON.stringify(url)}`);
  }
}

/**
 * A report path, before the run: creates its directory (as `mkdir -p` would) and checks that
 * the file can be written, so that a typo fails in a second, not after every check.
 */
function prepareReportPath(path: string, flag: string): void {
  const fail = (why: string): never => {
    throw new UsageError(`--${flag} ${path}: ${why}`);
  };
  try {
    mkdirSync(dirname(resolve(path)), { recursive: true });
  } catch (err) {
    fail(`cannot create its directory (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (existsSync(path) && statSync(path).isDirectory()) fail('is a directory');
  try {
    accessSync(existsSync(path) ? path : dirname(resolve(path)), constants.W_OK);
  } catch (err) {
    fail(`not writable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** Writes a report after the run; a failure is a usage error (one line), not a crash. */
function writeReport(path: string, text: string, flag: 'w' | 'a' = 'w'): void {
  try {
    writeFileSync(path, text, { flag });
  } catch (err) {
    throw new UsageError(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Reads and parses --baseline; every entry must match some check. */
function readBaseline(path: string): Baseline {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the baseline ${path}: ${(err as Error).message}`);
  }
  const baseline = parseBaseline(text, path);
  const orphans = baseline.entries.filter((e) => !CHECKS.some((c) => baselineCovers(e, c.id)));
  if (orphans.length > 0) throw new UsageError(`baseline entries match no check: ${orphans.join(', ')}`);
  return baseline;
}

/** Feeds the terminal progress line: checks running now and failures so far. */
function progressHandler(progress: ReturnType<typeof createProgress>): NonNullable<RunOptions['onProgress']> {
  let failed = 0;
  const running = new Set<string>();
  return (e) => {
    if (e.type === 'start') running.add(e.check.id);
    else running.delete(e.check.id);
    if (e.type === 'end' && (e.result.verdict === 'fail' || e.result.verdict === 'error')) failed++;
    progress.update(e.done, e.total, failed, [...running]);
  };
}

/** `list`: one line per check: id, level, feature, tags, title. */
export function renderList(checks: readonly { id: string; level: string; strictOnly?: boolean; compatOnly?: boolean; feature: string; tags?: string[]; title: string }[], profile: Profile): string {
  const idWidth = Math.max(...checks.map((c) => c.id.length));
  const lines = checks.map((c) => {
    const level = (c.strictOnly && profile === 'compat') || (c.compatOnly && profile === 'strict') ? 'INFO*' : c.level;
    const tags = [c.feature, ...(c.tags ?? [])].join(',');
    return `${c.id.padEnd(idWidth)}  ${level.padEnd(6)} ${tags.padEnd(28)} ${c.title}`;
  });
  const counts = LEVELS.map((l) => `${checks.filter((c) => c.level === l).length} ${l}`).join(', ');
  return [...lines, '', `${checks.length} checks (${counts}); INFO* = strict-only check, INFO in the ${profile} profile`].join('\n');
}

function seconds(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a number of seconds, not ${JSON.stringify(value)}`);
  return n;
}

function integer(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, not ${JSON.stringify(value)}`);
  return n;
}
