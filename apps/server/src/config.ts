/**
 * Command-line flags and environment variables of the server.
 *
 * Every flag has an environment variable (`--max-queue` <-> `TEXTGEN_MAX_QUEUE`); when both
 * are set the flag wins. `parseCommandLine` is pure (argv and env in, config out) so that it
 * can be tested without starting anything.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_BATCH_LIMITS, DEFAULT_PREFILL_PASS_MS, type Device, type Dtype, type RuntimeThreads } from '@textgen-spec/engine';
import type { LogLevel } from './logger.js';
import { DEFAULT_PRESETS_DIR } from './preset-dir.js';

import type { UnknownFieldPolicy, ValidationProfile } from '@textgen-spec/spec';

export type { ValidationProfile };

/**
 * `--thread-spin`: onnxruntime's idle threads spin waiting for work (on), spin only inside a
 * forward pass (run), or sleep (off).
 */
export type ThreadSpin = 'on' | 'run' | 'off';

/** The engine's onnxruntime thread options for a configuration. */
export function engineThreads(config: Pick<ServerConfig, 'threads' | 'threadSpin'>): RuntimeThreads {
  return { count: config.threads, spin: config.threadSpin === 'run' ? 'run' : config.threadSpin === 'on' };
}

/** The resolved configuration of one server process. */
export interface ServerConfig {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Folder or Hugging Face id; undefined = the embedded tiny model. */
  model: string | undefined;
  /** Extra names a request's `model` may use for the served model. */
  modelAliases: string[];
  device: Device;
  dtype: Dtype;
  cacheDir: string | undefined;
  /** Never download: a hub id must already be in the cache. */
  offline: boolean;
  /** Accepted Bearer tokens; empty = no authentication. */
  apiKeys: string[];
  /** Origins allowed by CORS (`*` for any); empty = no CORS headers. */
  corsOrigins: string[];
  maxBodyBytes: number;
  /**
   * Completions admitted into the engine at once (they decode together in one continuously
   * batched step, within maxBatchRows and maxBatchTokens); the others wait in the queue.
   */
  maxConcurrency: number;
  maxQueue: number;
  /** Engine batch rows (sequences) decoding at once over all requests (EngineLoadOptions.batch). */
  maxBatchRows: number;
  /** Engine KV cache positions (prompt + max_tokens per row) held at once over all requests. */
  maxBatchTokens: number;
  /** onnxruntime threads per forward pass (EngineLoadOptions.threads.count); 0 = one per physical core. */
  threads: number;
  /** Whether onnxruntime's idle threads spin waiting for work (EngineLoadOptions.threads.spin). */
  threadSpin: ThreadSpin;
  /** About how long one prefill pass may take (EngineLoadOptions.prefillPassMs); 0 = 256 positions always. */
  prefillPassMs: number;
  /** Milliseconds from arrival to the last byte; 0 = no limit. */
  requestTimeoutMs: number;
  /**
   * Milliseconds the model's worker thread may leave heartbeats unanswered before it is
   * replaced and its requests fail with 503; 0 = never.
   */
  workerStallTimeoutMs: number;
  /** Milliseconds a streamed write may wait for a client that stopped reading; then the stream is cancelled. 0 = forever. */
  writeTimeoutMs: number;
  /** Open connections accepted at once; more are refused at once. */
  maxConnections: number;
  logLevel: LogLevel;
  profile: ValidationProfile;
  /**
   * Unknown top-level request fields: `reject` (400 unknown_parameter) or `ignore` (dropped and
   * named in the X-Textgen-Ignored-Fields header and the log); null = the profile's default
   * (strict rejects, compat ignores).
   */
  unknownFields: UnknownFieldPolicy | null;
  /** Keys of the model-management endpoints (TGW's --admin-key); empty = those endpoints are off. */
  adminKeys: string[];
  /** Folder of model folders that /v1/internal/model/load may load (besides the embedded model); null = none. */
  modelsDir: string | null;
  /** Folder of `<name>.yaml` sampler presets; null = no presets. */
  presetsDir: string | null;
}

/** The defaults of every setting; servers copy it (`{ ...DEFAULT_CONFIG, ...options }`), never change it. */
export const DEFAULT_CONFIG: ServerConfig = {
  host: '127.0.0.1',
  port: 5000,
  model: undefined,
  modelAliases: [],
  device: 'cpu',
  dtype: 'auto',
  cacheDir: undefined,
  offline: false,
  apiKeys: [],
  corsOrigins: [],
  maxBodyBytes: 1024 * 1024,
  maxConcurrency: DEFAULT_BATCH_LIMITS.maxRows,
  maxQueue: 64,
  maxBatchRows: DEFAULT_BATCH_LIMITS.maxRows,
  maxBatchTokens: DEFAULT_BATCH_LIMITS.maxTokens,
  threads: 0,
  threadSpin: 'on',
  prefillPassMs: DEFAULT_PREFILL_PASS_MS,
  requestTimeoutMs: 600_000,
  workerStallTimeoutMs: 30_000,
  writeTimeoutMs: 30_000,
  maxConnections: 512,
  logLevel: 'info',
  profile: 'compat',
  unknownFields: null,
  adminKeys: [],
  modelsDir: null,
  presetsDir: DEFAULT_PRESETS_DIR,
};

/** One flag: its name, environment variable, value name for --help, and description. */
interface FlagSpec {
  name: string;
  env: string | null;
  kind: 'string' | 'boolean';
  value?: string;
  description: string;
}

const DEVICES: readonly Device[] = ['cpu', 'webgpu'];
const DTYPES: readonly Dtype[] = ['auto', 'fp32', 'fp16', 'q8', 'q4'];
const THREAD_SPIN: readonly ThreadSpin[] = ['on', 'run', 'off'];
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];
/** The profiles in the order `--profile`'s error message lists them (the default first). */
const PROFILES: readonly ValidationProfile[] = ['compat', 'strict'];
const UNKNOWN_FIELD_POLICIES: readonly UnknownFieldPolicy[] = ['ignore', 'reject'];

const d = DEFAULT_CONFIG;

/** Every flag, in the order --help lists them. */
export const FLAGS: readonly FlagSpec[] = [
  { name: 'host', env: 'TEXTGEN_HOST', kind: 'string', value: 'HOST', description: `Interface to listen on (default ${d.host}).` },
  { name: 'port', env: 'TEXTGEN_PORT', kind: 'string', value: 'PORT', description: `Port to listen on; 0 picks a free one (default ${d.port}).` },
  { name: 'model', env: 'TEXTGEN_MODEL', kind: 'string', value: 'PATH|ID', description: 'Embedded model name (textgen-tiny, textgen-tiny-llama3, textgen-tiny-qwen3, textgen-tiny-gemma3, textgen-tiny-llama2), model folder or Hugging Face id (default: textgen-tiny).' },
  { name: 'model-alias', env: 'TEXTGEN_MODEL_ALIAS', kind: 'string', value: 'NAMES', description: 'Extra names accepted as `model` in requests, comma-separated.' },
  { name: 'device', env: 'TEXTGEN_DEVICE', kind: 'string', value: 'DEVICE', description: `Where inference runs: ${DEVICES.join(', ')} (default ${d.device}).` },
  { name: 'dtype', env: 'TEXTGEN_DTYPE', kind: 'string', value: 'DTYPE', description: `Weight precision: ${DTYPES.join(', ')} (default ${d.dtype}).` },
  { name: 'cache-dir', env: 'TEXTGEN_CACHE_DIR', kind: 'string', value: 'DIR', description: 'Where downloaded and generated models are cached.' },
  { name: 'offline', env: 'TEXTGEN_OFFLINE', kind: 'boolean', description: 'Never download; a hub model must already be cached.' },
  { name: 'api-key', env: 'TEXTGEN_API_KEY', kind: 'string', value: 'KEYS', description: 'Require `Authorization: Bearer KEY` on /v1/*; comma-separate several keys.' },
  { name: 'api-key-file', env: 'TEXTGEN_API_KEY_FILE', kind: 'string', value: 'FILE', description: 'Read accepted keys from FILE, one per line (# starts a comment).' },
  { name: 'cors-origin', env: 'TEXTGEN_CORS_ORIGIN', kind: 'string', value: 'ORIGINS', description: 'Allow browser calls from these origins, comma-separated, or * (default: none).' },
  { name: 'max-body-bytes', env: 'TEXTGEN_MAX_BODY_BYTES', kind: 'string', value: 'N', description: `Largest request body accepted; larger is a 413 (default ${d.maxBodyBytes}).` },
  { name: 'max-concurrency', env: 'TEXTGEN_MAX_CONCURRENCY', kind: 'string', value: 'N', description: `Completions running at once, batched together; 1 runs them one after the other (default: --max-batch-rows).` },
  { name: 'max-queue', env: 'TEXTGEN_MAX_QUEUE', kind: 'string', value: 'N', description: `Completions waiting for a slot; beyond that a 429 (default ${d.maxQueue}).` },
  { name: 'max-batch-rows', env: 'TEXTGEN_MAX_BATCH_ROWS', kind: 'string', value: 'N', description: `Sequences decoding at once over all running completions; more wait (default ${d.maxBatchRows}).` },
  { name: 'max-batch-tokens', env: 'TEXTGEN_MAX_BATCH_TOKENS', kind: 'string', value: 'N', description: `KV cache positions (prompt + max_tokens per sequence) held at once over all running completions; more wait (default ${d.maxBatchTokens}).` },
  { name: 'threads', env: 'TEXTGEN_THREADS', kind: 'string', value: 'N', description: `CPU threads onnxruntime uses for one forward pass; 0 = one per physical core (default ${d.threads}).` },
  { name: 'thread-spin', env: 'TEXTGEN_THREAD_SPIN', kind: 'string', value: 'on|run|off', description: `What onnxruntime's idle threads do: spin (on: lowest latency), spin only inside a forward pass (run), or sleep (off: least CPU burnt) (default ${d.threadSpin}).` },
  { name: 'prefill-pass-ms', env: 'TEXTGEN_PREFILL_PASS_MS', kind: 'string', value: 'MS', description: `About how long one prefill pass may take; a model measured slower at load gets prompts in chunks under 256 positions; 0 = always 256 (default ${d.prefillPassMs}).` },
  { name: 'request-timeout', env: 'TEXTGEN_REQUEST_TIMEOUT', kind: 'string', value: 'SECONDS', description: `Longest a completion may take, queue included; 0 = no limit (default ${d.requestTimeoutMs / 1000}).` },
  { name: 'write-timeout', env: 'TEXTGEN_WRITE_TIMEOUT', kind: 'string', value: 'SECONDS', description: `Cancel a stream whose client stops reading for this long, freeing its slot; 0 = never (default ${d.writeTimeoutMs / 1000}).` },
  { name: 'max-connections', env: 'TEXTGEN_MAX_CONNECTIONS', kind: 'string', value: 'N', description: `Open connections at once; more are refused (default ${d.maxConnections}).` },
  { name: 'worker-stall-timeout', env: 'TEXTGEN_WORKER_STALL_TIMEOUT', kind: 'string', value: 'SECONDS', description: `Replace the model's worker thread when it answers no heartbeat this long; its requests get a 503; 0 = never (default ${d.workerStallTimeoutMs / 1000}).` },
  { name: 'profile', env: 'TEXTGEN_PROFILE', kind: 'string', value: 'PROFILE', description: `Request validation: compat accepts what real servers accept, strict enforces OpenAI's limits (default ${d.profile}).` },
  { name: 'unknown-fields', env: 'TEXTGEN_UNKNOWN_FIELDS', kind: 'string', value: 'POLICY', description: 'Unknown request fields: ignore (named in the X-Textgen-Ignored-Fields header) or reject (400) (default: compat ignores, strict rejects).' },
  { name: 'admin-key', env: 'TEXTGEN_ADMIN_KEY', kind: 'string', value: 'KEYS', description: 'Enable /v1/internal/model/load and /unload for `Authorization: Bearer KEY`; comma-separate several keys (default: disabled).' },
  { name: 'models-dir', env: 'TEXTGEN_MODELS_DIR', kind: 'string', value: 'DIR', description: 'Folder of model folders that /v1/internal/model/load may load (the embedded model is always available).' },
  { name: 'presets-dir', env: 'TEXTGEN_PRESETS_DIR', kind: 'string', value: 'DIR', description: 'Folder of <name>.yaml sampler presets a request may name in `preset` (default: the shipped TGW v1.14 presets).' },
  { name: 'log-level', env: 'TEXTGEN_LOG_LEVEL', kind: 'string', value: 'LEVEL', description: `Least severe log line printed: ${LOG_LEVELS.join(', ')} (default ${d.logLevel}).` },
  { name: 'help', env: null, kind: 'boolean', description: 'Print this help and exit.' },
  { name: 'version', env: null, kind: 'boolean', description: 'Print the version and exit.' },
];

/** A command line that cannot run; the CLI prints the message and exits with status 2. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type CommandLine =
  | { action: 'help' }
  | { action: 'version' }
  | { action: 'serve'; config: ServerConfig };

export interface ParseOptions {
  /** Reads --api-key-file; injectable for tests. */
  readFile?: (path: string) => string;
}

/** Parses argv (without `node cli.js`) and the environment into what the CLI should do. */
export function parseCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  options: ParseOptions = {},
): CommandLine {
  const values = parseFlags(argv);
  if (values.help === true) return { action: 'help' };
  if (values.version === true) return { action: 'version' };
  const flags = new FlagReader(values, env);
  // Read first, as before the split: with several bad settings, the same one is reported.
  const apiKeys = readApiKeys(flags, options);
  const requestTimeoutMs = readSeconds(flags, 'request-timeout', d.requestTimeoutMs);
  const maxBatchRows = flags.integer('max-batch-rows', d.maxBatchRows, 1, 4096);
  const config: ServerConfig = {
    host: flags.string('host') ?? d.host,
    port: flags.integer('port', d.port, 0, 65_535),
    model: flags.string('model'),
    modelAliases: list(flags.string('model-alias')),
    device: flags.oneOf('device', DEVICES, d.device),
    dtype: flags.oneOf('dtype', DTYPES, d.dtype),
    cacheDir: flags.string('cache-dir'),
    offline: flags.raw('offline') === true,
    apiKeys,
    corsOrigins: list(flags.string('cors-origin')),
    maxBodyBytes: flags.integer('max-body-bytes', d.maxBodyBytes, 1024, 1024 * 1024 * 1024),
    maxConcurrency: flags.integer('max-concurrency', maxBatchRows, 1, 4096),
    maxQueue: flags.integer('max-queue', d.maxQueue, 0, 1_000_000),
    maxBatchRows,
    maxBatchTokens: flags.integer('max-batch-tokens', d.maxBatchTokens, 1, 1_000_000_000),
    threads: flags.integer('threads', d.threads, 0, 1024),
    threadSpin: flags.oneOf('thread-spin', THREAD_SPIN, d.threadSpin),
    prefillPassMs: flags.integer('prefill-pass-ms', d.prefillPassMs, 0, 3_600_000),
    requestTimeoutMs,
    workerStallTimeoutMs: readSeconds(flags, 'worker-stall-timeout', d.workerStallTimeoutMs),
    writeTimeoutMs: readSeconds(flags, 'write-timeout', d.writeTimeoutMs),
    maxConnections: flags.integer('max-connections', d.maxConnections, 1, 1_000_000),
    logLevel: flags.oneOf('log-level', LOG_LEVELS, d.logLevel),
    profile: flags.oneOf('profile', PROFILES, d.profile),
    unknownFields: flags.string('unknown-fields') === undefined ? null : flags.oneOf('unknown-fields', UNKNOWN_FIELD_POLICIES, 'ignore'),
    adminKeys: list(flags.string('admin-key')),
    modelsDir: flags.string('models-dir') ?? d.modelsDir,
    presetsDir: flags.string('presets-dir') ?? d.presetsDir,
  };
  return { action: 'serve', config };
}

type FlagValues = Record<string, string | boolean | undefined>;

/** The flags given on the command line (node:util parseArgs, strict); a ConfigError for an unknown one. */
function parseFlags(argv: readonly string[]): FlagValues {
  const parseOptions: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const flag of FLAGS) parseOptions[flag.name] = { type: flag.kind };
  try {
    return parseArgs({ args: joinNegativeValues(argv), options: parseOptions, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

/**
 * `--port -1` as `--port=-1`: node:util's parseArgs (Node 20) takes a value that starts with `-`
 * for an option and reports the flag as missing its argument; joined, the value reaches the
 * flag's own check, whose message says what the flag accepts.
 */
function joinNegativeValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const flag = arg.startsWith('--') && !arg.includes('=') ? FLAGS.find((f) => f.name === arg.slice(2)) : undefined;
    if (flag?.kind === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** Each flag's value: the command line's, else its environment variable's, typed and checked. */
class FlagReader {
  constructor(
    readonly values: FlagValues,
    readonly env: Readonly<Record<string, string | undefined>>,
  ) {}

  /** The flag's value, else its environment variable's, else undefined. */
  raw(name: string): string | boolean | undefined {
    const flag = FLAGS.find((f) => f.name === name);
    if (this.values[name] !== undefined) return this.values[name];
    const fromEnv = flag?.env ? this.env[flag.env] : undefined;
    if (fromEnv === undefined || fromEnv === '') return undefined;
    if (flag?.kind === 'boolean') return parseBoolean(fromEnv, flag.env ?? name);
    return fromEnv;
  }

  string(name: string): string | undefined {
    const v = this.raw(name);
    return typeof v === 'string' ? v : undefined;
  }

  /** How an error names the setting: `--flag` when given on the command line, else the variable. */
  source(name: string): string {
    const flag = FLAGS.find((f) => f.name === name);
    return this.values[name] !== undefined || !flag?.env ? `--${name}` : flag.env;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const v = this.string(name);
    if (v === undefined) return fallback;
    return parseInteger(v, this.source(name), min, max);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const v = this.string(name);
    if (v === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(v)) {
      throw new ConfigError(`${this.source(name)} must be one of ${allowed.join(', ')} (got "${v}")`);
    }
    return v as T;
  }
}

/** --api-key's keys, then --api-key-file's; an empty or blank --api-key (or TEXTGEN_API_KEY) is an error, not "no auth". */
function readApiKeys(flags: FlagReader, options: ParseOptions): string[] {
  const given = flags.values['api-key'] ?? flags.env['TEXTGEN_API_KEY'];
  const apiKeys = list(typeof given === 'string' ? given : undefined);
  if (typeof given === 'string' && apiKeys.length === 0) {
    const source = flags.values['api-key'] !== undefined ? '--api-key' : 'TEXTGEN_API_KEY';
    throw new ConfigError(`${source} is empty or blank: give a key, or leave it unset to serve without authentication`);
  }
  const keyFile = flags.string('api-key-file');
  if (keyFile === undefined) return apiKeys;
  const read = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  let text: string;
  try {
    text = read(keyFile);
  } catch (error) {
    throw new ConfigError(`cannot read ${flags.source('api-key-file')} ${keyFile}: ${(error as Error).message}`);
  }
  const fromFile = parseKeyFile(text);
  if (fromFile.length === 0) throw new ConfigError(`${flags.source('api-key-file')} ${keyFile} holds no key`);
  return [...apiKeys, ...fromFile];
}

/** A duration flag (seconds, fractions allowed, at most a week) in milliseconds. */
function readSeconds(flags: FlagReader, name: string, fallbackMs: number): number {
  const timeoutSeconds = flags.string(name);
  if (timeoutSeconds === undefined) return fallbackMs;
  const seconds = Number(timeoutSeconds);
  if (timeoutSeconds.trim() === '' || !Number.isFinite(seconds) || seconds < 0 || seconds > 86_400 * 7) {
    throw new ConfigError(`${flags.source(name)} must be a number of seconds >= 0 (got "${timeoutSeconds}")`);
  }
  return Math.round(seconds * 1000);
}

/** The text `--help` prints. */
export function helpText(): string {
  const lines = [
    'Usage: textgen-server [options]',
    '',
    'Serves an OpenAI-compatible /v1/completions API (with the text-generation-webui',
    'sampler extensions) on a local model.',
    '',
    'Options (each also settable by the environment variable in brackets; the flag wins):',
  ];
  const labels = FLAGS.map((f) => `--${f.name}${f.value ? ` ${f.value}` : ''}`);
  const width = Math.max(...labels.map((l) => l.length)) + 2;
  FLAGS.forEach((flag, i) => {
    lines.push(`  ${labels[i]!.padEnd(width)}${flag.description}${flag.env ? ` [${flag.env}]` : ''}`);
  });
  lines.push(
    '',
    'Endpoints: POST /v1/completions, GET /v1/models, GET /v1/models/{id}, GET /health,',
    'POST /v1/internal/encode, /v1/internal/decode, /v1/internal/token-count,',
    'GET /v1/internal/presets, GET /openapi.json (this API as OpenAPI 3.1).',
  );
  return lines.join('\n');
}

/** Keys from a key file: one per line, blank lines and `#` comments ignored. */
export function parseKeyFile(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line !== '');
}

function list(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function parseInteger(value: string, name: string, min: number, max: number): number {
  if (!/^\s*-?\d+\s*$/.test(value)) throw new ConfigError(`${name} must be an integer (got "${value}")`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max} (got ${n})`);
  return n;
}

function parseBoolean(value: string, name: string): boolean {
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(`${name} must be true or false (got "${value}")`);
}
