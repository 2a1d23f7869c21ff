/**
 * The docs/api.md sections on the OpenAPI documents: the route table (from src/api-routes.ts)
 * and how to validate a request or response with other tooling.
 */
import { API_ROUTES } from '../src/api-routes.js';
import { openApiPath, SCHEMA_ROOT_TYPES } from '../src/schema-names.js';

/** `## Routes and OpenAPI` and `## Validating with other tooling`. */
export function renderOpenApiSections(): string[] {
  return [
    '## Routes and OpenAPI',
    '',
    'OpenAPI 3.1 documents of every route, one per profile, generated with the schemas from the same types:',
    `[\`${openApiPath('strict')}\`](../packages/spec/${openApiPath('strict')}) and`,
    `[\`${openApiPath('compat')}\`](../packages/spec/${openApiPath('compat')}). They are in the npm package`,
    `(\`@textgen-spec/spec/${openApiPath('compat')}\`), and the reference server serves the document of the profile it runs`,
    'at `GET /openapi.json`. Generators, mock servers and API explorers take them as they are; every schema is in',
    '`components.schemas` under its type name.',
    '',
    '| Method | Path | Request | Response (200) | API key |',
    '|---|---|---|---|---|',
    ...API_ROUTES.map((r) => {
      const request = r.request ? `\`${SCHEMA_ROOT_TYPES[r.request]}\`` : '';
      const json = typeof r.response === 'string' ? `\`${SCHEMA_ROOT_TYPES[r.response]}\`` : 'JSON (inline schema)';
      const response = r.stream ? `${json}; \`text/event-stream\` of \`${SCHEMA_ROOT_TYPES[r.stream]}\` with \`stream: true\`` : json;
      return `| ${r.method} | \`${r.path}\` | ${request} | ${response} | ${r.auth ? 'when the server has one' : 'never'} |`;
    }),
    '',
    'Errors are the `ErrorResponse` envelope with the status each operation lists (400 names the parameter in',
    '`error.param`). A streamed completion is server-sent events: each `data:` line is one `CompletionChunk`',
    '(the operation names it in `x-textgen-event-data`), and the stream ends with `data: [DONE]`.',
    '',
    'TypeScript types from a document: `npx openapi-typescript packages/spec/openapi/compat.json --default-non-nullable false`',
    '(without that flag, openapi-typescript makes every parameter that has a default required in requests).',
    '',
    ...validationSection(),
  ];
}

function validationSection(): string[] {
  return [
    '## Validating with other tooling',
    '',
    "Any JSON Schema or OpenAPI validator works on the committed files; nothing here is specific to this project's code.",
    '',
    "Python, with `jsonschema` on the draft-07 schema (the same checks as the spec's own validator):",
    '',
    '```python',
    'import json, jsonschema',
    '',
    'schema = json.load(open("packages/spec/schema/compat/completion-request.schema.json"))',
    'jsonschema.validate({"prompt": "Hello", "max_tokens": 16, "min_p": 0.05}, schema)  # raises ValidationError if invalid',
    '```',
    '',
    'Python, with `openapi-core` on the OpenAPI document (checks the route, the method and the body together):',
    '',
    '```python',
    'from openapi_core import OpenAPI',
    'from openapi_core.testing import MockRequest',
    '',
    'api = OpenAPI.from_file_path("packages/spec/openapi/compat.json")',
    'request = MockRequest("http://127.0.0.1:5000", "post", "/v1/completions",',
    '                      data=b\'{"prompt": "Hello", "max_tokens": 16}\', content_type="application/json")',
    'api.validate_request(request)  # raises on an unknown parameter or a value out of range',
    '```',
    '',
    "From the shell: fetch the server's own document and lint it with any OpenAPI tool, and check a body against",
    'the JSON Schema with any JSON Schema CLI, e.g. `@redocly/cli` (npm) and `check-jsonschema` (Python):',
    '',
    '```sh',
    'curl -s http://127.0.0.1:5000/openapi.json -o openapi.json && npx @redocly/cli lint openapi.json',
    'echo \'{"prompt": "Hello", "max_tokens": 16}\' > body.json',
    'check-jsonschema --schemafile packages/spec/schema/compat/completion-request.schema.json body.json',
    '```',
    '',
  ];
}
