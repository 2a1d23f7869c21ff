/**
 * Runs a selection of checks against one server: connect, run the checks on a bounded
 * pool, turn outcomes into verdicts, apply the baseline, and build the report.
 */
import { CheckContext, type RunEnv } from '../checks/context.js';
import { isObject } from '../checks/observed.js';
import { FEATURES } from '../checks/features.js';
import { Outcome, type Level, type Verdict } from '../checks/outcome.js';
import { establish } from '../checks/preconditions.js';
import type { CheckDef } from '../checks/types.js';
import type { Profile } from '@textgen-spec/spec';
import { HttpClient, TransportError, type Exchange } from '../http/client.js';
import {
  REPORT_SCHEMA_ID,
  type ConformanceReport,
  type FeatureStatus,
  type ReportCheck,
  type ReportExchange,
  type ReportSummary,
} from '../report/types.js';
import { WireLog, type WireValidator } from '../wire/wire-log.js';
import { baselineCovers, type Baseline } from './select.js';

export interface RunOptions {
  /** Server root URL. */
  url: string;
  apiKey?: string;
  /** Model id; default: the first of GET /v1/models. */
  model?: string;
  profile: Profile;
  /** Per-request timeout, milliseconds. */
  timeoutMs: number;
  /** Checks to run (already selected). */
  checks: readonly CheckDef[];
  /** How many checks run at once. */
  concurrency: number;
  baseline?: Baseline;
  /** Validates bodies against the spec's schemas. */
  validator: WireValidator;
  /** Selectors, recorded in the report. */
  filters?: { only: string[]; skip: string[] };
  runner: { name: string; version: string };
  /** Called as each check starts and ends (progress display). */
  onProgress?: (event: ProgressEvent) => void;
}

export type ProgressEvent =
  | { type: 'start'; check: CheckDef; running: number; done: number; total: number }
  | { type: 'end'; check: CheckDef; result: ReportCheck; running: number; done: number; total: number; exchanges: readonly Exchange[] };

/** The server could not be reached, or is not a completions server we can talk to. */
export class ConnectError extends Error {
  constructor(
    message: string,
    /** 3 = unreachable, 2 = a usage problem (e.g. it needs an API key we do not have). */
    readonly exitCode: 2 | 3,
  ) {
    super(message);
    this.name = 'ConnectError';
  }
}

export interface ServerInfo {
  url: string;
  model: string;
  models: string[];
}

/** What connect() saw: the server info and the GET /v1/models answer (validated by the run). */
interface Connection {
  info: ServerInfo;
  list?: { json: unknown; exchange: Exchange };
}

/**
 * Connects: GET /v1/models must answer (unless a model is given, then any HTTP answer
 * will do). Throws ConnectError when the server cannot be used.
 */
export async function connect(client: HttpClient, model: string | undefined): Promise<ServerInfo> {
  return (await connectFully(client, model)).info;
}

async function connectFully(client: HttpClient, model: string | undefined): Promise<Connection> {
  let status: number;
  let json: unknown;
  let exchange: Exchange;
  try {
    const res = await client.request('GET', '/v1/models');
    status = res.status;
    json = res.json;
    exchange = res.exchange;
  } catch (err) {
    if (err instanceof TransportError) throw new ConnectError(`cannot reach ${client.baseUrl}: ${err.message}`, 3);
    throw err;
  }
  if (status === 401 || status === 403) {
    throw new ConnectError(`${client.baseUrl} answered GET /v1/models with HTTP ${status}: pass an API key with --api-key`, 2);
  }
  const models: string[] = [];
  if (status === 200 && isObject(json) && Array.isArray(json.data)) {
    for (const m of json.data) if (isObject(m) && typeof m.id === 'string') models.push(m.id);
  }
  const chosen = model ?? models[0];
  if (!chosen) {
    throw new ConnectError(
      status === 200
        ? `GET /v1/models on ${client.baseUrl} lists no model; pass --model`
        : `GET /v1/models on ${client.baseUrl} answered HTTP ${status}; pass --model to run anyway`,
      3,
    );
  }
  const info = { url: client.baseUrl, model: chosen, models };
  return status === 200 ? { info, list: { json, exchange } } : { info };
}

/** Waits until GET /v1/models answers 200 (a server still loading its model), up to `seconds`. */
export async function waitUntilReady(client: HttpClient, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    try {
      const res = await client.request('GET', '/v1/models');
      if (res.status === 200) return;
    } catch (err) {
      if (!(err instanceof TransportError)) throw err;
    }
    if (Date.now() >= deadline) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Effective level of a check in a profile. */
export function effectiveLevel(check: CheckDef, profile: Profile): Level {
  if (check.compatOnly && profile === 'strict') return 'INFO';
  return check.strictOnly && profile === 'compat' ? 'INFO' : check.level;
}

/** Runs the checks and returns the report. Throws ConnectError when the server is unusable. */
export async function runSuite(options: RunOptions): Promise<ConformanceReport> {
  const started = new Date();
  const client = new HttpClient({ baseUrl: options.url, apiKey: options.apiKey, timeoutMs: options.timeoutMs });
  const connection = await connectFully(client, options.model);
  const server = connection.info;
  const env: RunEnv = {
    client,
    model: server.model,
    profile: options.profile,
    wire: new WireLog(options.validator, options.profile),
    memo: new Map(),
    hasApiKey: Boolean(options.apiKey),
  };
  if (connection.list) env.wire.validate('model-list', connection.list.json, 'connect', connection.list.exchange);

  const first = options.checks.filter((c) => !c.runsLast && !c.exclusive);
  const alone = options.checks.filter((c) => !c.runsLast && c.exclusive);
  const last = options.checks.filter((c) => c.runsLast);
  const results = new Map<string, ReportCheck>();
  const total = options.checks.length;
  let running = 0;
  const runOne = async (check: CheckDef) => {
    running++;
    options.onProgress?.({ type: 'start', check, running, done: results.size, total });
    const { result, exchanges } = await runTracked(check, env);
    results.set(check.id, result);
    running--;
    options.onProgress?.({ type: 'end', check, result, running, done: results.size, total, exchanges });
  };
  await pool(first, Math.max(1, options.concurrency), runOne);
  await pool(alone, 1, runOne);
  await pool(last, 1, runOne);

  const checks = options.checks.map((c) => results.get(c.id)!);
  const staleEntries = applyBaseline(checks, options.baseline);
  const finished = new Date();
  const report: ConformanceReport = {
    $schema: REPORT_SCHEMA_ID,
    runner: options.runner,
    server: { ...server, systemFingerprint: fingerprintOf(env) },
    profile: options.profile,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    filters: options.filters ?? { only: [], skip: [] },
    summary: summarize(checks, staleEntries.length),
    features: featureMap(checks),
    checks,
  };
  if (options.baseline) report.baseline = { ...options.baseline, stale: staleEntries };
  return report;
}

/** Runs one check and turns its outcome into a result. */
export async function runCheck(check: CheckDef, env: RunEnv): Promise<ReportCheck> {
  return (await runTracked(check, env)).result;
}

/** Runs one check; its result, and every exchange it made (its own and its oracles'). */
async function runTracked(check: CheckDef, env: RunEnv): Promise<{ result: ReportCheck; exchanges: readonly Exchange[] }> {
  const ctx = new CheckContext(env, check);
  const t0 = Date.now();
  let verdict: Verdict;
  let message: string;
  try {
    for (const p of check.requires ?? []) await establish(ctx, p);
    const note = await check.run(ctx);
    verdict = 'pass';
    message = [ctx.message, note ?? ''].filter((m) => m !== '').join('; ');
  } catch (err) {
    if (err instanceof Outcome) {
      verdict = err.verdict;
      message = [err.message, ctx.message].filter((m) => m !== '').join('; ');
    } else {
      verdict = 'error';
      message = `the runner failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
    }
  }
  const level = effectiveLevel(check, env.profile);
  if (verdict === 'fail' && level === 'INFO') verdict = 'warn';
  const result: ReportCheck = {
    id: check.id,
    title: check.title,
    feature: check.feature,
    level,
    tags: check.tags ?? [],
    verdict,
    message,
    durationMs: Date.now() - t0,
    source: check.source,
  };
  if (check.exercises === false) result.exercises = false;
  if (verdict === 'fail' || verdict === 'error' || verdict === 'warn') {
    result.exchanges = ctx.exchanges.slice(-3).map(toReportExchange);
  }
  return { result, exchanges: ctx.exchanges };
}

function toReportExchange(e: Exchange): ReportExchange {
  const out: ReportExchange = { method: e.method, path: e.path, durationMs: e.durationMs };
  if (e.request !== undefined) out.request = e.request;
  if (e.status !== undefined) out.status = e.status;
  if (e.contentType !== undefined) out.contentType = e.contentType;
  if (e.response !== undefined) out.response = e.response.length > 1500 ? `${e.response.slice(0, 1500)}…` : e.response;
  if (e.error !== undefined) out.error = e.error;
  return out;
}

/**
 * Marks expected failures and stale entries. An entry is stale when every check it covers
 * that reached a verdict passed (a check that is skipped or unsupported proves nothing).
 */
export function applyBaseline(checks: ReportCheck[], baseline: Baseline | undefined): string[] {
  if (!baseline) return [];
  const stale: string[] = [];
  for (const entry of baseline.entries) {
    const covered = checks.filter((c) => baselineCovers(entry, c.id));
    for (const c of covered) if (c.verdict === 'fail' || c.verdict === 'error') c.expectedFailure = true;
    const decided = covered.filter((c) => c.verdict === 'pass' || c.verdict === 'fail' || c.verdict === 'error' || c.verdict === 'warn');
    if (decided.length > 0 && decided.every((c) => c.verdict === 'pass' || c.verdict === 'warn') && decided.some((c) => c.verdict === 'pass')) {
      stale.push(entry);
      for (const c of decided) if (c.verdict === 'pass') c.staleBaseline = true;
    }
  }
  return stale;
}

export function summarize(checks: readonly ReportCheck[], staleBaseline: number): ReportSummary {
  const count = (v: Verdict) => checks.filter((c) => c.verdict === v).length;
  const unexpected = checks.filter((c) => (c.verdict === 'fail' || c.verdict === 'error') && !c.expectedFailure).length;
  return {
    total: checks.length,
    pass: count('pass'),
    fail: count('fail'),
    warn: count('warn'),
    unsupported: count('unsupported'),
    skip: count('skip'),
    error: count('error'),
    expectedFailures: checks.filter((c) => c.expectedFailure).length,
    staleBaseline,
    exitCode: unexpected > 0 || staleBaseline > 0 ? 1 : 0,
  };
}

/** The compatibility-matrix row: one status per feature that had checks in this run. */
export function featureMap(checks: readonly ReportCheck[]): { [feature: string]: FeatureStatus } {
  const out: { [feature: string]: FeatureStatus } = {};
  for (const feature of FEATURES) {
    const mine = checks.filter((c) => c.feature === feature.id);
    if (mine.length === 0) continue;
    out[feature.id] = featureStatus(mine);
  }
  return out;
}

/**
 * A feature's status from its checks. It is "supported" only when every decided check
 * passed (or warned) and at least one of the passes exercised the feature: checks that
 * only show a value is accepted (`exercises: false`) prove nothing on their own.
 */
export function featureStatus(checks: readonly ReportCheck[]): FeatureStatus {
  const decided = checks.filter((c) => c.verdict !== 'skip');
  if (decided.length === 0) return 'untested';
  if (decided.every((c) => c.verdict === 'unsupported')) return 'unsupported';
  const good = (c: ReportCheck) => c.verdict === 'pass' || c.verdict === 'warn';
  const bad = decided.filter((c) => c.verdict === 'fail' || c.verdict === 'error');
  const exercising = decided.filter((c) => c.exercises !== false);
  if (!exercising.some(good)) {
    if (bad.length > 0) return 'failing';
    return exercising.some((c) => c.verdict === 'unsupported') ? 'unsupported' : 'untested';
  }
  return decided.every(good) ? 'supported' : 'partial';
}

function fingerprintOf(env: RunEnv): string | null {
  return env.fingerprint ?? null;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
