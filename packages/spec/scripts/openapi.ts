/**
 * Renders the OpenAPI 3.1 documents (openapi/strict.json, openapi/compat.json) from the route
 * table (src/api-routes.ts) and the generated JSON Schemas: each schema's root type and its
 * `definitions` become `components.schemas`, so the document stands alone.
 */
import { API_ROUTES, COMMON_ERRORS } from '../src/api-routes.js';
import type { ApiRoute, ApiRouteError, InlineSchema } from '../src/api-routes.js';
import { openApiPath, SCHEMA_NAMES, SCHEMA_ROOT_TYPES } from '../src/schema-names.js';
import type { Profile, SchemaName } from '../src/schema-names.js';
import type { SchemaNode } from './schema-generator.js';

type Schemas = Record<SchemaName, Record<Profile, SchemaNode>>;

const PROFILE_TEXT: Record<Profile, string> = {
  strict: "The strict profile: OpenAI's limits (`model` required, `logprobs` <= 5, up to 4 stop strings...).",
  compat: 'The compat profile: what real servers (text-generation-webui, llama.cpp, vLLM) accept.',
};

/** The OpenAPI document of a profile. */
export function renderOpenApi(schemas: Schemas, profile: Profile, version: string): SchemaNode {
  return {
    openapi: '3.1.0',
    info: {
      title: `Textgen Spec completions API (${profile})`,
      version,
      summary: 'The OpenAI-compatible text-completion API with the text-generation-webui sampler extensions.',
      description: `${PROFILE_TEXT[profile]} Generated from the types of @textgen-spec/spec; every schema is also published as JSON Schema (draft-07) in @textgen-spec/spec/schema/${profile}/.`,
      license: { name: 'MIT', identifier: 'MIT' },
    },
    tags: [
      { name: 'completions', description: 'Text completion (OpenAI) with the TGW sampler extensions.' },
      { name: 'models', description: 'The served model and its aliases (OpenAI).' },
      { name: 'tokenizer', description: "text-generation-webui's tokenizer endpoints." },
      { name: 'server', description: 'Readiness, presets and this document.' },
    ],
    paths: renderPaths(),
    components: {
      schemas: componentSchemas(schemas, profile),
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Required only when the server is started with an API key.' },
      },
    },
  };
}

function renderPaths(): SchemaNode {
  const paths: Record<string, Record<string, SchemaNode>> = {};
  for (const route of API_ROUTES) {
    const item = (paths[route.path] ??= {});
    item[route.method.toLowerCase()] = renderOperation(route);
  }
  return paths;
}

function renderOperation(route: ApiRoute): SchemaNode {
  const operation: SchemaNode = {
    operationId: route.operationId,
    summary: route.summary,
    description: route.description,
    tags: [route.tag],
    // Optional auth: the key is needed only when the server has one ({} = no credentials).
    security: route.auth ? [{ bearer: [] }, {}] : [],
  };
  if (route.pathParameters) {
    operation.parameters = route.pathParameters.map((p) => ({ name: p.name, in: 'path', required: true, description: p.description, schema: { type: 'string' } }));
  }
  if (route.request) {
    operation.requestBody = { required: true, content: { 'application/json': { schema: ref(route.request) } } };
  }
  operation.responses = renderResponses(route);
  return operation;
}

function renderResponses(route: ApiRoute): SchemaNode {
  const content: SchemaNode = { 'application/json': { schema: bodySchema(route.response) } };
  if (route.stream) {
    content['text/event-stream'] = {
      schema: {
        type: 'string',
        description: `Server-sent events: each \`data:\` line holds one ${SCHEMA_ROOT_TYPES[route.stream]} as JSON; the last is \`data: [DONE]\`.`,
      },
      'x-textgen-event-data': ref(route.stream),
    };
  }
  const responses: SchemaNode = { '200': { description: route.stream ? 'The result (JSON), or the stream with `stream: true`.' : 'The result.', content } };
  for (const error of routeErrors(route)) {
    responses[String(error.status)] = {
      description: error.description,
      content: { 'application/json': { schema: ref('error-response') } },
    };
  }
  return responses;
}

/** The route's errors and the common ones (401 only with auth), by status; the route's description wins. */
function routeErrors(route: ApiRoute): ApiRouteError[] {
  const byStatus = new Map<number, ApiRouteError>();
  for (const error of COMMON_ERRORS) if (error.status !== 401 || route.auth) byStatus.set(error.status, error);
  for (const error of route.errors) byStatus.set(error.status, error);
  return [...byStatus.values()].sort((a, b) => a.status - b.status);
}

function bodySchema(body: SchemaName | InlineSchema): SchemaNode {
  return typeof body === 'string' ? ref(body) : body;
}

function ref(name: SchemaName): SchemaNode {
  return { $ref: `#/components/schemas/${SCHEMA_ROOT_TYPES[name]}` };
}

/**
 * Every published schema under its root type name, and every definition under its own name;
 * a name two schemas define differently is an error (the document would be ambiguous).
 */
export function componentSchemas(schemas: Schemas, profile: Profile): Record<string, SchemaNode> {
  const components: Record<string, SchemaNode> = {};
  const add = (name: string, schema: SchemaNode, from: string): void => {
    const existing = components[name];
    if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(schema)) {
      throw new Error(`OpenAPI: ${name} differs between schemas (seen again in ${from})`);
    }
    components[name] = schema;
  };
  for (const name of SCHEMA_NAMES) {
    const { $schema: _s, $id: _i, definitions, ...root } = schemas[name][profile] as SchemaNode & { definitions?: Record<string, SchemaNode> };
    add(SCHEMA_ROOT_TYPES[name], rewriteRefs(root) as SchemaNode, name);
    for (const [definition, schema] of Object.entries(definitions ?? {})) add(definition, rewriteRefs(schema) as SchemaNode, name);
  }
  return Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b)));
}

/** `#/definitions/X` -> `#/components/schemas/X`, everywhere in a schema. */
function rewriteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node === null || typeof node !== 'object') return node;
  const out: SchemaNode = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] = key === '$ref' && typeof value === 'string' ? value.replace(/^#\/definitions\//, '#/components/schemas/') : rewriteRefs(value);
  }
  return out;
}

/** The generated files: openapi/<profile>.json. */
export function openApiFiles(schemas: Schemas, profiles: readonly Profile[], version: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const profile of profiles) files.set(openApiPath(profile), `${JSON.stringify(renderOpenApi(schemas, profile, version), null, 2)}\n`);
  return files;
}
