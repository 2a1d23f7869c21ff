/**
 * The API checks are written against: send a completion (plain or streaming), expect a
 * rejection, share an oracle between checks, and record everything for the report.
 *
 * Every body the server returns is validated against the spec's schema here (through the
 * run's WireLog), so individual checks only assert behaviour.
 */
import { TransportError, type Exchange, type HttpClient, type HttpResponse, type StreamResponse } from '../http/client.js';
import type { WireLog } from '../wire/wire-log.js';
import { isObject, readChoices, type ChoiceView, type JsonObject, q } from './observed.js';
import { Declined, fail, Outcome, unsupported } from './outcome.js';
import type { CompletionRequest, Profile } from '@textgen-spec/spec';

/** State shared by every check of one run. */
export interface RunEnv {
  client: HttpClient;
  /** The model id sent in every request. */
  model: string;
  profile: Profile;
  wire: WireLog;
  /** Shared oracle results (promises, so concurrent checks wait for one computation). */
  memo: Map<string, Promise<{ value: unknown; exchanges: Exchange[] }>>;
  /** True when the user passed an API key (auth checks need one). */
  hasApiKey: boolean;
  /** `system_fingerprint` of the first completion that had one. */
  fingerprint?: string;
}

/**
 * Request fields of a completion, typed by the spec's request type (which carries the TGW
 * extensions and their compat-profile string forms); `model` is added by the context.
 */
export type Fields = Partial<CompletionRequest> & NativeAlternatives;

/**
 * Fields of other servers' own APIs that a precondition may try as the server's own way of
 * switching a feature on (see preconditions.ts), after the text-generation-webui field.
 */
export interface NativeAlternatives {
  /** llama.cpp: the mirostat version (0 off, 1, 2); TGW calls it mirostat_mode. */
  mirostat?: number;
  /** llama.cpp: dynamic temperature spans temperature ± dynatemp_range (0 off). */
  dynatemp_range?: number;
}

/**
 * A request body the spec's type does not allow, sent on purpose (a wrong type, an unknown
 * field) to see what the server does with it. Built only by `invalid()`, so each such
 * request is visible in the check that sends it.
 */
export class InvalidBody {
  constructor(readonly fields: Readonly<Record<string, unknown>>) {}
}

/** Marks a deliberately invalid request body (see InvalidBody). */
export function invalid(fields: Record<string, unknown>): InvalidBody {
  return new InvalidBody(fields);
}

export interface SendOptions {
  /** Treat a clean 4xx as `unsupported` even if the check is not marked optional. */
  optional?: boolean;
}

/** A successful non-streaming completion. */
export interface Completion {
  body: JsonObject;
  choices: ChoiceView[];
  /** Text of choice 0. */
  text: string;
  exchange: Exchange;
  headers: Headers;
}

/** A streaming completion, read to the end. */
export interface StreamResult {
  response: StreamResponse;
  /** JSON chunks in arrival order (every data event except [DONE] and non-JSON data). */
  chunks: JsonObject[];
  /** Data payloads that were neither JSON nor [DONE]. */
  nonJson: string[];
  /** Whether a `data: [DONE]` event arrived. */
  done: boolean;
  /** Events after [DONE] (there must be none). */
  eventsAfterDone: number;
  /** Chunks that carry an `error` member (an error event). */
  errorChunks: JsonObject[];
  /** Concatenated text of one choice index, in chunk order. */
  text(index?: number): string;
  /** Every non-null finish_reason of one index, with the position of its chunk. */
  finishes(index?: number): { reason: unknown; chunk: number }[];
  /** Choice indexes seen, ascending. */
  indexes(): number[];
}

/** An expected rejection. */
export interface Rejection {
  status: number;
  /** The `error` object of the envelope. */
  error: JsonObject;
  response: HttpResponse;
}

/** A precondition that holds, and the way that met it (see preconditions.ts). */
export interface Met {
  id: string;
  /** The way that worked, e.g. "`mirostat_mode: 2`". */
  label: string;
  /** Its switch fields, for the check's own requests. */
  fields: Fields;
  /** What the switch is compared with ({} unless the way says otherwise). */
  base: Fields;
  evidence: string;
}

export class CheckContext {
  /** Exchanges made for this check (its own and those of shared oracles it used). */
  readonly exchanges: Exchange[] = [];
  /** The check's preconditions, once established (by the runner, before the check runs). */
  readonly met = new Map<string, Met>();
  private readonly notes: string[] = [];

  constructor(
    readonly env: RunEnv,
    readonly check: { id: string; optional?: boolean },
  ) {}

  get model(): string {
    return this.env.model;
  }

  get profile(): Profile {
    return this.env.profile;
  }

  /** How precondition `id` was met; throws when the check did not list it in `requires`. */
  switchOf(id: string): Met {
    const met = this.met.get(id);
    if (!met) throw new Error(`${this.check.id} uses precondition ${id} without listing it in \`requires\``);
    return met;
  }

  /** Adds a line to the result message (shown for passing checks too). */
  note(text: string): void {
    this.notes.push(text);
  }

  /** The notes so far, joined. */
  get message(): string {
    return this.notes.join('; ');
  }

  /** Sends one request as is and records it; no expectation on the answer. */
  async send(
    method: string,
    path: string,
    options: { json?: unknown; raw?: string; noAuth?: boolean; noValidate?: boolean; headers?: Record<string, string> } = {},
  ): Promise<HttpResponse> {
    let res: HttpResponse;
    try {
      res = await this.env.client.request(method, path, options);
    } catch (err) {
      throw this.transport(err);
    }
    this.exchanges.push(res.exchange);
    if (res.status >= 400 && res.json !== undefined && !options.noValidate) this.validate('error-response', res.json, res.exchange);
    return res;
  }

  /** The JSON body of a completion request: the run's model, then the fields. */
  body(fields: Fields | InvalidBody): Record<string, unknown> {
    return { model: this.model, ...(fields instanceof InvalidBody ? fields.fields : fields) };
  }

  /** POSTs a completion request (model added) and returns the raw answer. */
  async post(fields: Fields | InvalidBody, options: { noAuth?: boolean } = {}): Promise<HttpResponse> {
    const res = await this.send('POST', '/v1/completions', { json: this.body(fields), ...options });
    if (res.status === 200 && res.json !== undefined) {
      this.validate('completion-response', res.json, res.exchange);
      if (isObject(res.json) && typeof res.json.system_fingerprint === 'string') this.env.fingerprint ??= res.json.system_fingerprint;
    }
    return res;
  }

  /** A non-streaming completion that must succeed (or be declined cleanly if optional). */
  async complete(fields: Fields, options: SendOptions = {}): Promise<Completion> {
    const res = await this.post({ ...fields, stream: false }, {});
    this.expectOk(res, options);
    if (!isObject(res.json)) fail(`the 200 response is not a JSON object: ${q(res.text, 200)}`);
    const choices = readChoices(res.json, 'response');
    if (choices.length === 0) fail('the response has an empty "choices" array');
    return { body: res.json, choices, text: choices[0]!.text, exchange: res.exchange, headers: res.headers };
  }

  /** A streaming completion (stream: true added) that must succeed; read to the end. */
  async stream(fields: Fields, options: SendOptions = {}): Promise<StreamResult> {
    const body = { ...this.body(fields), stream: true };
    let res: StreamResponse;
    try {
      res = await this.env.client.stream('/v1/completions', { json: body });
    } catch (err) {
      throw this.transport(err);
    }
    this.exchanges.push(res.exchange);
    if (res.status !== 200) {
      if (res.json !== undefined) this.validate('error-response', res.json, res.exchange);
      this.expectOk(res, options);
    }
    const result = readStream(res);
    for (const chunk of result.chunks) {
      this.validate(chunk.error !== undefined && chunk.choices === undefined ? 'error-response' : 'completion-chunk', chunk, res.exchange);
    }
    if (result.chunks.length === 0 && !result.done) {
      fail(`the 200 answer to a stream request carries no SSE events (Content-Type ${res.headers.get('content-type') ?? 'none'}): ${q(res.text, 200)}`);
    }
    if (result.errorChunks.length > 0) {
      const err = result.errorChunks[0]!.error;
      fail(`the stream carried an error event: ${q(JSON.stringify(err), 300)}`);
    }
    return result;
  }

  /**
   * Sends a request that must be rejected: a 4xx status with an OpenAI error envelope.
   * Fails on acceptance, on a 5xx and on a 4xx without an envelope.
   */
  async rejects(fields: Fields | InvalidBody | { raw: string }, what: string): Promise<Rejection> {
    const res =
      'raw' in fields && typeof fields.raw === 'string'
        ? await this.send('POST', '/v1/completions', { raw: fields.raw })
        : await this.post(fields as Fields | InvalidBody);
    return this.expectRejection(res, what);
  }

  /** Checks that a response is a 4xx with an error envelope (see `rejects`). */
  expectRejection(res: HttpResponse, what: string): Rejection {
    if (res.status < 400) fail(`${what} was accepted (HTTP ${res.status}); expected a 4xx error`);
    if (res.status >= 500) fail(`${what} caused a server error (HTTP ${res.status}) instead of a 4xx: ${q(res.text, 200)}`);
    const error = isObject(res.json) ? res.json.error : undefined;
    if (!isObject(error) || typeof error.message !== 'string') {
      fail(`${what} got HTTP ${res.status} without an OpenAI error envelope {"error": {"message", "type", "param", "code"}}: ${q(res.text, 200)}`);
    }
    return { status: res.status, error, response: res };
  }

  /**
   * A value computed once per run and shared by every check that asks for it (the
   * self-referential oracles: greedy answers, the tokenizer, seeds that diverge). Its
   * exchanges are added to each asking check; a failure is shared too (never retried).
   */
  async shared<T>(key: string, compute: (ctx: CheckContext) => Promise<T>): Promise<T> {
    let entry = this.env.memo.get(key);
    if (!entry) {
      // Oracles are computed as core requests: a refusal is raised as Declined and each
      // asking check turns it into `unsupported` or `fail` by its own optional flag.
      const ctx = new CheckContext(this.env, { id: this.check.id, optional: false });
      entry = compute(ctx).then(
        (value) => ({ value: value as unknown, exchanges: ctx.exchanges }),
        (err: unknown) => {
          if (err instanceof Outcome || err instanceof Error) (err as Error & { exchanges?: Exchange[] }).exchanges = ctx.exchanges;
          throw err;
        },
      );
      this.env.memo.set(key, entry);
    }
    try {
      const { value, exchanges } = await entry;
      this.exchanges.push(...exchanges);
      return value as T;
    } catch (err) {
      const exchanges = (err as { exchanges?: Exchange[] }).exchanges;
      if (exchanges) this.exchanges.push(...exchanges);
      if (err instanceof Declined && this.check.optional) throw new Outcome('unsupported', err.declined);
      throw err;
    }
  }

  private expectOk(res: HttpResponse, options: SendOptions): void {
    if (res.status === 200) return;
    const error = isObject(res.json) && isObject(res.json.error) ? res.json.error : undefined;
    const message = error && typeof error.message === 'string' ? error.message : res.text;
    const failure = `expected HTTP 200, got ${res.status}: ${q(message, 300)}`;
    if (res.status >= 400 && res.status < 500 && error && typeof error.message === 'string') {
      const declined = `declined with HTTP ${res.status}: ${q(message, 200)}`;
      if (options.optional || this.check.optional) unsupported(declined);
      throw new Declined(failure, declined);
    }
    fail(failure);
  }

  private validate(schema: Parameters<WireLog['validate']>[0], data: unknown, exchange: Exchange): void {
    this.env.wire.validate(schema, data, this.check.id, exchange);
  }

  private transport(err: unknown): unknown {
    if (err instanceof TransportError) {
      this.exchanges.push(err.exchange);
      return new Outcome('fail', err.timedOut ? `the server did not answer: ${err.message}` : `the request failed: ${err.message}`);
    }
    return err;
  }
}

/** Splits a stream response into chunks, [DONE] and per-index text. */
export function readStream(response: StreamResponse): StreamResult {
  const chunks: JsonObject[] = [];
  const nonJson: string[] = [];
  let done = false;
  let eventsAfterDone = 0;
  for (const event of response.sse.events) {
    if (done) {
      eventsAfterDone++;
      continue;
    }
    if (event.data.trim() === '[DONE]') {
      done = true;
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(event.data);
    } catch {
      nonJson.push(event.data);
      continue;
    }
    if (isObject(parsed)) chunks.push(parsed);
    else nonJson.push(event.data);
  }
  const errorChunks = chunks.filter((c) => c.error !== undefined && c.error !== null);
  const choicesOf = (chunk: JsonObject): JsonObject[] => (Array.isArray(chunk.choices) ? chunk.choices.filter(isObject) : []);
  return {
    response,
    chunks,
    nonJson,
    done,
    eventsAfterDone,
    errorChunks,
    text(index = 0) {
      let text = '';
      for (const chunk of chunks) {
        for (const choice of choicesOf(chunk)) {
          if ((choice.index ?? 0) === index && typeof choice.text === 'string') text += choice.text;
        }
      }
      return text;
    },
    finishes(index = 0) {
      const out: { reason: unknown; chunk: number }[] = [];
      chunks.forEach((chunk, i) => {
        for (const choice of choicesOf(chunk)) {
          if ((choice.index ?? 0) === index && choice.finish_reason !== null && choice.finish_reason !== undefined) {
            out.push({ reason: choice.finish_reason, chunk: i });
          }
        }
      });
      return out;
    },
    indexes() {
      const set = new Set<number>();
      for (const chunk of chunks) for (const choice of choicesOf(chunk)) if (typeof choice.index === 'number') set.add(choice.index);
      return [...set].sort((a, b) => a - b);
    },
  };
}
