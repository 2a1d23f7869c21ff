/**
 * The wire.* checks run last and report every schema violation the other checks' responses
 * produced (validated against packages/spec's JSON Schema in the run's profile), each with
 * the ajv message, the JSON path and the request that produced it.
 */
import type { CheckContext } from './context.js';
import { define } from './helpers.js';
import type { WireSchema } from '../wire/wire-log.js';
import { fail, skip } from './outcome.js';
import type { CheckDef } from './types.js';

function report(ctx: CheckContext, schemas: WireSchema[], what: string): string {
  const seen = schemas.reduce((n, s) => n + ctx.env.wire.validated[s], 0);
  if (seen === 0) skip(`no ${what} was received in this run`);
  const violations = schemas.flatMap((s) => ctx.env.wire.violations(s));
  if (violations.length === 0) return `${seen} ${what}(s) validated`;
  for (const v of violations.slice(0, 3)) ctx.exchanges.push(v.exchange);
  const lines = violations.slice(0, 8).map((v) => `${v.schema} ${v.path || '/'}: ${v.message} (${v.keyword}; ${v.count}x, first in ${v.checkId}; value ${v.value})`);
  fail(`${violations.length} schema violation(s) in ${seen} ${what}(s):\n${lines.join('\n')}`);
}

export const wireChecks: CheckDef[] = [
  define({
    id: 'wire.response-schema',
    title: 'Every completion response matches the schema',
    level: 'MUST',
    feature: 'wire',
    runsLast: true,
    sends: 'Nothing: it reports on every HTTP 200 completion body received by the other checks.',
    expects: 'Each validates against the spec\'s completion-response schema.',
    source: 'OpenAI `CreateCompletionResponse`; packages/spec completion-response.schema.json.',
    run: async (ctx) => report(ctx, ['completion-response'], 'completion response'),
  }),
  define({
    id: 'wire.chunk-schema',
    title: 'Every stream chunk matches the schema',
    level: 'MUST',
    feature: 'wire',
    runsLast: true,
    tags: ['stream'],
    sends: 'Nothing: it reports on every chunk received by the other checks.',
    expects: 'Each validates against the spec\'s completion-chunk schema.',
    source: 'OpenAI: streamed objects share the non-streamed shape; packages/spec completion-chunk.schema.json.',
    run: async (ctx) => report(ctx, ['completion-chunk'], 'chunk'),
  }),
  define({
    id: 'wire.error-schema',
    title: 'Every error body matches the schema',
    level: 'MUST',
    feature: 'wire',
    runsLast: true,
    sends: 'Nothing: it reports on every error body received by the other checks (4xx and 5xx with a JSON body, error events).',
    expects: 'Each validates against the spec\'s error-response schema.',
    source: 'OpenAI `ErrorResponse`; packages/spec error-response.schema.json.',
    run: async (ctx) => report(ctx, ['error-response'], 'error body'),
  }),
  define({
    id: 'wire.model-schema',
    title: 'The model list and model objects match the schema',
    level: 'MUST',
    feature: 'wire',
    runsLast: true,
    sends: 'Nothing: it reports on GET /v1/models and /v1/models/{id} bodies received by the models checks.',
    expects: 'They validate against the spec\'s model-list and model schemas.',
    source: 'OpenAI `ListModelsResponse`, `Model`.',
    run: async (ctx) => report(ctx, ['model-list', 'model'], 'model body'),
  }),
];
