/**
 * Faults of the response shape and max_tokens.
 */
import { isObject, isCompletion, editBody, choices, envelope } from './helpers.js';
import type { Fault } from './types.js';

/** The response shape and max_tokens, in catalogue order. */
export const CORE_FAULTS: readonly Fault[] = [
  // -- response shape -------------------------------------------------------------------------
  {
    name: 'wrong-object',
    description: 'Completions report `object: "completion"` (a made-up name) instead of "text_completion".',
    targets: ['completions.shape', 'wire.response-schema'],
    response: (b, req) => (isCompletion(req) ? { ...b, object: 'completion' } : b),
  },
  {
    name: 'wrong-usage',
    description: 'usage.total_tokens is off by one (re-tokenized counts, as TGW computed them).',
    targets: ['completions.usage'],
    response: (b) => (isObject(b.usage) ? { ...b, usage: { ...b.usage, total_tokens: Number(b.usage.total_tokens) + 1 } } : b),
  },
  {
    name: 'frozen-created',
    description: '`created` is computed once at start-up (TGW before c026dbaf).',
    targets: ['completions.created'],
    response: (b, req, s) => (isCompletion(req) ? { ...b, created: s.startedAt } : b),
  },
  {
    name: 'unknown-field-500',
    description: 'An unknown request field crashes the handler (HTTP 500).',
    targets: ['completions.unknown-field'],
    request: (req) => (isCompletion(req) && Object.keys(req.body).some((k) => k.startsWith('x_')) ? { status: 500, body: envelope('internal error', 'server_error') } : undefined),
  },
  {
    name: 'prompt-optional',
    description: 'A missing prompt is treated as an empty one instead of an error.',
    targets: ['completions.prompt-required'],
    request: (req) => editBody(req, (b) => void (b.prompt ??= 'Hello')),
  },
  {
    name: 'model-renamed',
    description: 'The response names another model than the one asked for (llama.cpp after PR #17668).',
    targets: ['completions.model-echo'],
    response: (b, req) => (isCompletion(req) ? { ...b, model: 'some-other-model' } : b),
  },
  // -- max_tokens --------------------------------------------------------------------------------
  {
    name: 'length-reported-as-stop',
    description: 'finish_reason is "stop" even when max_tokens ran out (llama.cpp PR #7198).',
    targets: ['max_tokens.length'],
    response: (b) => {
      for (const c of choices(b)) if (c.finish_reason === 'length') c.finish_reason = 'stop';
      return b;
    },
  },
  {
    name: 'default-max-tokens-64',
    description: 'Without max_tokens the server generates up to 64 tokens (TGW defaults to 512, llama.cpp is unbounded).',
    targets: ['max_tokens.default'],
    request: (req) =>
      editBody(req, (b) => {
        if (b.max_tokens === undefined) {
          b.max_tokens = 64;
          b.ban_eos_token = true;
        }
      }),
  },
  {
    name: 'zero-means-default',
    description: 'max_tokens 0 is read as "not set" and the default budget is used.',
    targets: ['max_tokens.zero', 'echo.max-tokens-zero'],
    request: (req) => editBody(req, (b) => void (b.max_tokens === 0 && delete b.max_tokens)),
  },
  {
    name: 'over-context-500',
    description: 'A max_tokens beyond the context length crashes the handler.',
    targets: ['max_tokens.over-context'],
    request: (req) => (isCompletion(req) && typeof req.body.max_tokens === 'number' && req.body.max_tokens > 100_000 ? { status: 500, body: envelope('CUDA out of memory', 'server_error') } : undefined),
  },
];
