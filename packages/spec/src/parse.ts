/**
 * Request parsing: validate a JSON body against the published schema of a profile, then
 * resolve it into the normalized form (defaults applied, alternative forms resolved,
 * cross-field rules checked). A failure is one OpenAI error envelope naming the parameter.
 */
import type { ErrorObject } from 'ajv';
import { describeSchema, describeValue, pluralize } from './describe.js';
import { invalid } from './errors.js';
import type { ParseFailure, ParseResult } from './errors.js';
import { SAMPLER_PRIORITY_NAMES } from './normalized.js';
import type { NormalizedCompletionRequest, NormalizedPrompt, SamplerPriorityName } from './normalized.js';
import type { Profile, SchemaName } from './schema-names.js';
import { REQUEST_DEFAULTS } from './request-defaults.js';
import { compiledValidator, loadSchema, openValidator } from './schemas.js';
import type { JsonSchema } from './schemas.js';
import type { CompletionRequest } from './types/completion-request.js';
import type { LoadModelRequest, LogitsRequest } from './types/internal.js';
import type { DecodeRequest, EncodeRequest, TokenCountRequest } from './types/tokenizer.js';

/** What a parser does with a top-level field that its schema does not define. */
export type UnknownFieldPolicy = 'reject' | 'ignore';

export interface ParseOptions {
  /** Defaults to `strict`. */
  profile?: Profile;
  /**
   * `reject`: 400 `unknown_parameter` naming the first unknown field (OpenAI's way).
   * `ignore`: drop unknown top-level fields and list them in the result's `ignored` (TGW's
   * way, never silent: the caller reports them). Defaults to the profile's behaviour
   * (`DEFAULT_UNKNOWN_FIELDS`). Known fields are validated either way.
   */
  unknownFields?: UnknownFieldPolicy;
}

/** Each profile's default for unknown fields: strict rejects as OpenAI, compat ignores as TGW. */
export const DEFAULT_UNKNOWN_FIELDS: Readonly<Record<Profile, UnknownFieldPolicy>> = Object.freeze({
  strict: 'reject',
  compat: 'ignore',
});

// The wire defaults whose normalized form is not the wire value: logit_bias and stop
// (null -> {} and []) and stream_options (resolved against stream) are resolved below.
const { logit_bias: _logitBias, stop: _stop, stream_options: _streamOptions, ...DIRECT_DEFAULTS } = REQUEST_DEFAULTS;

/**
 * The value each omitted (or null) parameter takes: OpenAI's defaults for OpenAI parameters,
 * TGW v1.14's for the extensions. Derived from REQUEST_DEFAULTS, which `npm run generate`
 * writes from the `@default` tags of src/types/completion-request.ts: the tags are the one
 * source. `best_of` defaults to `n`; `model` to "" (the server's default model, compat
 * profile only); `user`, which has no wire default, to null.
 */
export const COMPLETION_DEFAULTS = Object.freeze({
  ...DIRECT_DEFAULTS,
  user: null,
} satisfies Partial<NormalizedCompletionRequest>);

/**
 * Parses the JSON body of `POST /v1/completions` into a `NormalizedCompletionRequest`, or
 * returns a 400 with one error naming the offending parameter.
 */
export function parseCompletionRequest(body: unknown, options: ParseOptions = {}): ParseResult<NormalizedCompletionRequest> {
  const checked = checkSchema('completion-request', body, options);
  if (!checked.ok) return checked;
  return withIgnored(normalizeCompletionRequest(checked.value as CompletionRequest), checked.ignored);
}

/** Parses the body of `POST /v1/internal/encode`. */
export function parseEncodeRequest(body: unknown, options: ParseOptions = {}): ParseResult<EncodeRequest> {
  const checked = checkSchema('encode-request', body, options);
  if (!checked.ok) return checked;
  return withIgnored({ ok: true, value: { text: (checked.value as EncodeRequest).text } }, checked.ignored);
}

/** Parses the body of `POST /v1/internal/decode`. */
export function parseDecodeRequest(body: unknown, options: ParseOptions = {}): ParseResult<DecodeRequest> {
  const checked = checkSchema('decode-request', body, options);
  if (!checked.ok) return checked;
  return withIgnored({ ok: true, value: { tokens: [...(checked.value as DecodeRequest).tokens] } }, checked.ignored);
}

/** Parses the body of `POST /v1/internal/token-count`. */
export function parseTokenCountRequest(body: unknown, options: ParseOptions = {}): ParseResult<TokenCountRequest> {
  const checked = checkSchema('token-count-request', body, options);
  if (!checked.ok) return checked;
  return withIgnored({ ok: true, value: { text: (checked.value as TokenCountRequest).text } }, checked.ignored);
}

/** A parsed `POST /v1/internal/logits`: the completion request it implies, and TGW's two options. */
export interface NormalizedLogitsRequest {
  /** The prompt and generation options as a completion request (one prompt, n 1). */
  request: NormalizedCompletionRequest;
  use_samplers: boolean;
  top_logits: number;
}

/** Parses the body of `POST /v1/internal/logits` (TGW's LogitsRequest). */
export function parseLogitsRequest(body: unknown, options: ParseOptions = {}): ParseResult<NormalizedLogitsRequest> {
  const checked = checkSchema('logits-request', body, options);
  if (!checked.ok) return checked;
  const { use_samplers, top_logits, model: _model, ...rest } = checked.value as LogitsRequest;
  const request = normalizeCompletionRequest({ ...rest, model: '' });
  if (!request.ok) return request;
  const value = { request: request.value, use_samplers: use_samplers ?? false, top_logits: top_logits ?? 50 };
  return withIgnored({ ok: true, value }, checked.ignored);
}

/** Parses the body of `POST /v1/internal/model/load`. */
export function parseLoadModelRequest(body: unknown, options: ParseOptions = {}): ParseResult<LoadModelRequest> {
  const checked = checkSchema('load-model-request', body, options);
  if (!checked.ok) return checked;
  const { model_name, args } = checked.value as LoadModelRequest;
  return withIgnored({ ok: true, value: { model_name, args: args ? { ...args } : null } }, checked.ignored);
}

function withIgnored<T>(result: ParseResult<T>, ignored: readonly string[]): ParseResult<T> {
  return result.ok && ignored.length > 0 ? { ...result, ignored } : result;
}

// ---- unknown fields ---------------------------------------------------------------------

/** The top-level property names of each (name, profile) schema, read once. */
// Module-level cache on purpose: the schemas are immutable, and the lookup is on the hot path.
const knownFieldCache = new Map<string, ReadonlySet<string>>();

function knownFields(name: SchemaName, profile: Profile): ReadonlySet<string> {
  const key = `${profile}:${name}`;
  let known = knownFieldCache.get(key);
  if (!known) {
    known = new Set(Object.keys((loadSchema(name, profile).properties ?? {}) as Record<string, unknown>));
    knownFieldCache.set(key, known);
  }
  return known;
}

/**
 * The unknown top-level fields of a body, in body order, when the policy is `ignore`; null when
 * it is `reject` (the closed schema then rejects them).
 */
function unknownFieldsToIgnore(name: SchemaName, body: Record<string, unknown>, options: ParseOptions): string[] | null {
  const profile = options.profile ?? 'strict';
  if ((options.unknownFields ?? DEFAULT_UNKNOWN_FIELDS[profile]) === 'reject') return null;
  const known = knownFields(name, profile);
  const ignored: string[] = [];
  for (const key in body) if (!known.has(key)) ignored.push(key);
  return ignored;
}

// ---- schema check and its error message ----------------------------------------------

type Checked = { ok: true; value: unknown; ignored: string[] } | ParseFailure;

export function checkSchema(name: SchemaName, raw: unknown, options: ParseOptions): Checked {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return invalid(`The request body must be a JSON object (got ${describeValue(raw)}).`, null, 'invalid_body');
  }
  const profile = options.profile ?? 'strict';
  const body = raw as Record<string, unknown>;
  // With `ignore`, the body is validated as it is against the schema opened at the top level;
  // the normalization reads known fields only, so the unknown ones are dropped by not being read.
  const ignored = unknownFieldsToIgnore(name, body, options);
  const validate = ignored === null ? compiledValidator(name, profile, 'first-error') : openValidator(name, profile);
  if (validate(body)) return { ok: true, value: body, ignored: ignored ?? [] };
  const failure = schemaFailure(validate.errors ?? [], body as Record<string, unknown>, loadSchema(name, profile), profile);
  if (profile === 'strict' && compiledValidator(name, 'compat', 'first-error')(body)) {
    failure.error.error.message += ' (The strict profile follows OpenAI here; the compat profile accepts this request.)';
  }
  return failure;
}

/** One message for the first failing parameter, whatever the number of ajv errors. */
function schemaFailure(errors: readonly ErrorObject[], body: Record<string, unknown>, root: JsonSchema, profile: Profile): ParseFailure {
  const first = errors[0];
  if (!first) return invalid('The request is invalid.', null);
  if (first.instancePath === '' && first.keyword === 'required') {
    const param = (first.params as { missingProperty: string }).missingProperty;
    return invalid(`Missing required parameter: ${param}.`, param, 'missing_required_parameter');
  }
  if (first.instancePath === '' && first.keyword === 'additionalProperties') {
    const param = (first.params as { additionalProperty: string }).additionalProperty;
    return invalid(`Unknown parameter: ${param}. Parameters a server does not implement are rejected, not ignored.`, param, 'unknown_parameter');
  }

  const param = decodePointer(first.instancePath)[0] ?? '';
  const forParam = errors.filter((e) => decodePointer(e.instancePath)[0] === param);
  // The deepest path is the most precise location of what is wrong.
  const deepest = forParam.reduce((a, b) => (b.instancePath.length > a.instancePath.length ? b : a), first);
  const path = decodePointer(deepest.instancePath);
  const badKey = forParam.find((e) => e.keyword === 'propertyNames')?.params as { propertyName?: string } | undefined;

  if (param === 'sampler_priority' && deepest.keyword === 'enum') {
    return unknownSamplerName(String(valueAt(body, path)));
  }
  const propertySchema = (root.properties as Record<string, JsonSchema>)[param];
  const expected = expectation(param, propertySchema, root, profile);
  const extraField = deepest.keyword === 'additionalProperties'
    ? (deepest.params as { additionalProperty: string }).additionalProperty
    : undefined;
  let got = `${describeValue(valueAt(body, path))}${path.length > 1 ? ` at ${formatPath(body, path)}` : ''}`;
  if (badKey?.propertyName !== undefined) got = `key ${JSON.stringify(badKey.propertyName)}`;
  else if (extraField !== undefined) got = `unknown field ${JSON.stringify(extraField)}`;
  return invalid(`${param} must be ${expected} (got ${got}).`, param);
}

/** What a parameter accepts, in words; hand-written where the schema alone reads poorly. */
function expectation(param: string, schema: JsonSchema | undefined, root: JsonSchema, profile: Profile): string {
  const compat = profile === 'compat';
  switch (param) {
    case 'prompt':
      return 'a string, an array of strings, an array of token ids, or an array of token-id arrays (arrays must not be empty; token ids are integers >= 0)';
    case 'logit_bias': {
      const values = ((root.definitions as Record<string, JsonSchema>).LogitBias as JsonSchema).additionalProperties as JsonSchema;
      return `null or an object mapping token ids (decimal strings such as "50256") to ${pluralize(describeSchema(values, root))}`;
    }
    case 'sampler_priority':
      return `null, an array of sampler names${compat ? ', or a string of sampler names separated by commas or newlines' : ''}`;
    case 'dry_sequence_breakers':
      return `an array of strings${compat ? ', or a string holding a JSON array of strings or comma-separated JSON strings (TGW\'s forms, e.g. "[\\"\\\\n\\", \\":\\"]" or "\\"\\\\n\\", \\":\\"")' : ''}`;
    case 'custom_token_bans':
      return `an array of token ids (integers >= 0)${compat ? ', or a string of comma-separated token ids such as "1,2,3"' : ''}`;
    case 'stream_options':
      return 'null or an object with an optional boolean include_usage';
    default:
      return schema ? describeSchema(schema, root) : 'valid';
  }
}

function unknownSamplerName(name: string): ParseFailure {
  return invalid(
    `sampler_priority contains an unknown sampler name: ${JSON.stringify(name)}. Known names: ${SAMPLER_PRIORITY_NAMES.join(', ')}.`,
    'sampler_priority',
  );
}

function decodePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function valueAt(body: unknown, path: string[]): unknown {
  let value = body;
  for (const part of path) value = (value as Record<string, unknown> | undefined)?.[part];
  return value;
}

/** `["prompt", "1", "0"]` -> `prompt[1][0]`; object keys are quoted: `logit_bias["50256"]`. */
function formatPath(body: unknown, path: string[]): string {
  let text = path[0] ?? '';
  for (let i = 1; i < path.length; i++) {
    const part = path[i] as string;
    text += Array.isArray(valueAt(body, path.slice(0, i))) ? `[${part}]` : `[${JSON.stringify(part)}]`;
  }
  return text;
}

// ---- normalization ---------------------------------------------------------------------

const SAMPLER_NAME_SET: ReadonlySet<string> = new Set(SAMPLER_PRIORITY_NAMES);

/** Resolves a schema-valid request into the normalized form, checking the cross-field rules. */
function normalizeCompletionRequest(req: CompletionRequest): ParseResult<NormalizedCompletionRequest> {
  const d = COMPLETION_DEFAULTS;
  const n = req.n ?? d.n;
  const best_of = req.best_of ?? n;
  const stream = req.stream ?? d.stream;

  if (best_of < n) {
    return invalid(`best_of must be greater than or equal to n (got best_of ${best_of} and n ${n}).`, 'best_of');
  }
  // best_of > n picks the best candidates after generation, so it cannot stream; n > 1 alone can.
  if (stream && best_of > n) {
    return invalid(`best_of greater than n cannot be used with stream: true (got best_of ${best_of} and n ${n}).`, 'best_of');
  }
  if (req.stream_options != null && !stream) {
    return invalid('stream_options is only allowed when stream is true.', 'stream_options');
  }

  const samplerPriority = resolveSamplerPriority(req.sampler_priority);
  if (!samplerPriority.ok) return samplerPriority;
  const breakers = resolveDryBreakers(req.dry_sequence_breakers);
  if (!breakers.ok) return breakers;
  const bans = resolveTokenBans(req.custom_token_bans);
  if (!bans.ok) return bans;

  const value: NormalizedCompletionRequest = {
    ...withDefaults(req),
    model: req.model ?? '',
    prompts: resolvePrompts(req.prompt),
    best_of,
    logit_bias: resolveLogitBias(req.logit_bias),
    n,
    seed: req.seed == null || req.seed === -1 ? null : req.seed,
    stop: resolveStop(req.stop),
    stream,
    stream_options: stream && req.stream_options ? { include_usage: req.stream_options.include_usage ?? false } : null,
    sampler_priority: samplerPriority.value,
    dry_sequence_breakers: breakers.value,
    custom_token_bans: bans.value,
  };
  return { ok: true, value };
}

/** The parameters whose normalized value is the wire value or its default. */
type DirectParameters = { -readonly [K in keyof typeof COMPLETION_DEFAULTS]: NormalizedCompletionRequest[K] };

const DEFAULTED_KEYS = Object.keys(COMPLETION_DEFAULTS) as (keyof DirectParameters)[];

/** Each parameter of COMPLETION_DEFAULTS: the request's value, or the default when omitted or null. */
function withDefaults(req: CompletionRequest): DirectParameters {
  const wire = req as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of DEFAULTED_KEYS) out[key] = wire[key] ?? COMPLETION_DEFAULTS[key];
  return out as DirectParameters;
}

/** The four prompt forms -> one entry per prompt. */
function resolvePrompts(prompt: CompletionRequest['prompt']): NormalizedPrompt[] {
  if (typeof prompt === 'string') return [prompt];
  if (typeof prompt[0] === 'number') return [[...(prompt as number[])]];
  return (prompt as (string | number[])[]).map((p) => (typeof p === 'string' ? p : [...p]));
}

/** string or list -> list without empty strings or duplicates. */
function resolveStop(stop: CompletionRequest['stop']): string[] {
  if (stop == null) return [];
  const list = typeof stop === 'string' ? [stop] : stop;
  return [...new Set(list.filter((s) => s !== ''))];
}

function resolveLogitBias(bias: CompletionRequest['logit_bias']): Record<number, number> {
  const result: Record<number, number> = {};
  for (const [key, value] of Object.entries(bias ?? {})) result[Number(key)] = value;
  return result;
}

/** List, or TGW's string of names separated by newlines or commas -> de-duplicated list; empty -> null. */
function resolveSamplerPriority(priority: CompletionRequest['sampler_priority']): ParseResult<SamplerPriorityName[] | null> {
  if (priority == null) return { ok: true, value: null };
  const names = typeof priority === 'string'
    ? priority.split(/[\n,]/).map((s) => s.trim()).filter((s) => s !== '')
    : priority;
  const unknown = names.find((name) => !SAMPLER_NAME_SET.has(name));
  if (unknown !== undefined) return unknownSamplerName(unknown);
  const unique = [...new Set(names)] as SamplerPriorityName[];
  return { ok: true, value: unique.length ? unique : null };
}

/**
 * List, or one of TGW's string forms -> list without empty strings. As TGW does, a string
 * that does not start with `[` is wrapped in brackets; the result must parse as a JSON array
 * of strings.
 */
function resolveDryBreakers(breakers: CompletionRequest['dry_sequence_breakers']): ParseResult<string[]> {
  if (breakers == null) return { ok: true, value: [...COMPLETION_DEFAULTS.dry_sequence_breakers] };
  if (typeof breakers !== 'string') return { ok: true, value: breakers.filter((s) => s !== '') };
  let parsed: unknown;
  try {
    parsed = JSON.parse(breakers.startsWith('[') ? breakers : `[${breakers}]`);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every((s) => typeof s === 'string')) {
    return invalid(
      `dry_sequence_breakers as a string must be a JSON array of strings, such as "[\\"\\\\n\\", \\":\\"]", or comma-separated JSON strings, such as "\\"\\\\n\\", \\":\\", \\"*\\"" (got ${describeValue(breakers)}).`,
      'dry_sequence_breakers',
    );
  }
  return { ok: true, value: (parsed as string[]).filter((s) => s !== '') };
}

const TOKEN_BAN_STRING = /^\s*(\d+\s*(,\s*\d+\s*)*)?$/;

/** List, or TGW's "1,2,3" string -> list of token ids. */
function resolveTokenBans(bans: CompletionRequest['custom_token_bans']): ParseResult<number[]> {
  if (bans == null) return { ok: true, value: [] };
  if (typeof bans !== 'string') return { ok: true, value: [...bans] };
  if (!TOKEN_BAN_STRING.test(bans)) {
    return invalid(
      `custom_token_bans as a string must be token ids separated by commas, such as "1,2,3" (got ${describeValue(bans)}).`,
      'custom_token_bans',
    );
  }
  return { ok: true, value: bans.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number) };
}
