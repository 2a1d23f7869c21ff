/**
 * The published JSON Schemas: one per top-level wire type, in each profile.
 * File `schema/<profile>/<name>.schema.json` holds the schema of `SCHEMA_ROOT_TYPES[name]`.
 */

/** `strict` follows OpenAI's limits; `compat` accepts what real servers accept. */
export type Profile = 'strict' | 'compat';

/** The same type under the name the server's configuration uses (`--profile`). */
export type ValidationProfile = Profile;

/** Every profile; the one list other packages should use rather than write their own. */
export const PROFILES: readonly Profile[] = ['strict', 'compat'];

/** Whether a value (a CLI flag, an environment variable...) names a profile. */
export function isProfile(value: unknown): value is Profile {
  return (PROFILES as readonly unknown[]).includes(value);
}

/** Schema base name -> the TypeScript type it is generated from. */
export const SCHEMA_ROOT_TYPES = {
  'completion-request': 'CompletionRequest',
  'completion-response': 'CompletionResponse',
  'completion-chunk': 'CompletionChunk',
  'error-response': 'ErrorResponse',
  model: 'Model',
  'model-list': 'ModelList',
  'encode-request': 'EncodeRequest',
  'encode-response': 'EncodeResponse',
  'decode-request': 'DecodeRequest',
  'decode-response': 'DecodeResponse',
  'token-count-request': 'TokenCountRequest',
  'token-count-response': 'TokenCountResponse',
  'preset-list': 'PresetList',
  'sampler-trace-request': 'SamplerTraceRequest',
  'sampler-trace-response': 'SamplerTraceResponse',
  'health-response': 'HealthResponse',
  'model-info-response': 'ModelInfoResponse',
  'model-name-list': 'ModelNameList',
  'load-model-request': 'LoadModelRequest',
  'logits-request': 'LogitsRequest',
  'logits-response': 'LogitsResponse',
} as const;

export type SchemaName = keyof typeof SCHEMA_ROOT_TYPES;

export const SCHEMA_NAMES = Object.keys(SCHEMA_ROOT_TYPES) as SchemaName[];

/** The stable `$id` of a published schema. */
export function schemaId(name: SchemaName, profile: Profile): string {
  return `urn:textgen-spec:schema:${profile}:${name}`;
}

/** Path of a schema file, relative to the package root. */
export function schemaPath(name: SchemaName, profile: Profile): string {
  return `schema/${profile}/${name}.schema.json`;
}

/** Path of the OpenAPI 3.1 document of a profile, relative to the package root. */
export function openApiPath(profile: Profile): string {
  return `openapi/${profile}.json`;
}
