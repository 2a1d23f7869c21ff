/**
 * The published pair as a user gets it: `npm pack` of @textgen-spec/spec and
 * @textgen-spec/conformance, installed from the tarballs (offline, from the npm cache) into a
 * scratch project outside the workspace, then used there: the spec from ESM, CommonJS and
 * TypeScript (node16, nodenext, bundler, node10), and the runner, through the GitHub Action's
 * own scripts, against a live reference server.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SCHEMA_NAMES } from '@textgen-spec/spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReferenceServer } from '../src/self-test/reference-server.js';
import type { ReferenceServer } from '../src/self-test/reference-server.js';

const run = promisify(execFile);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PACKAGES = ['packages/spec', 'conformance'];

interface Packed {
  name: string;
  version: string;
  filename: string;
  files: { path: string }[];
}

let scratch: string;
let tarballs: string[];
let packed: Packed[];

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'textgen-spec-scratch-'));
  const packDir = join(scratch, 'tarballs');
  mkdirSync(packDir);
  packed = [];
  for (const dir of PACKAGES) {
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: join(repo, dir) });
    packed.push(...(JSON.parse(stdout) as Packed[]));
  }
  tarballs = packed.map((p) => join(packDir, p.filename));
  const project = join(scratch, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
  await npmInstall(project, tarballs);
}, 180_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** npm install from the cache (the workspace's npm ci filled it); --prefer-offline if --offline misses something. */
async function npmInstall(project: string, specs: string[]): Promise<void> {
  const args = ['install', '--no-audit', '--no-fund', '--no-package-lock', ...specs];
  try {
    await run('npm', [...args, '--offline'], { cwd: project });
  } catch {
    await run('npm', [...args, '--prefer-offline'], { cwd: project });
  }
}

describe('the tarballs', () => {
  it('hold what a user needs and nothing else, under the MIT LICENSE, at one version', () => {
    for (const p of packed) {
      const paths = p.files.map((f) => f.path);
      expect(paths, p.name).toContain('LICENSE');
      expect(paths, p.name).toContain('dist/index.js');
      expect(paths, p.name).toContain('dist/index.d.ts');
      expect(paths.filter((f) => /\.test\.|__fixtures__|self-test|tsbuildinfo/.test(f)), p.name).toEqual([]);
      expect(p.version, p.name).toBe(packed[0]!.version);
    }
    const spec = packed.find((p) => p.name === '@textgen-spec/spec')!.files.map((f) => f.path);
    expect(spec).toEqual(expect.arrayContaining(['openapi/strict.json', 'openapi/compat.json', 'schema/strict/completion-request.schema.json']));
    const manifest = JSON.parse(readFileSync(join(scratch, 'project/node_modules/@textgen-spec/conformance/package.json'), 'utf8')) as Record<string, any>;
    expect(manifest.dependencies['@textgen-spec/spec']).toBe(packed[0]!.version);
    expect(manifest.repository).toEqual({ type: 'git', url: 'git+https://github.com/textgen-spec/textgen-spec.git', directory: 'conformance' });
    expect(manifest.engines).toEqual({ node: '>=20.19' });
  });
});

describe('every workspace package', () => {
  it('moves in lockstep and carries the LICENSE, repository and engines', () => {
    const read = (path: string) => JSON.parse(readFileSync(join(repo, path), 'utf8')) as Record<string, any>;
    const dirs = read('package.json').workspaces as string[];
    const version = read('packages/spec/package.json').version as string;
    const license = readFileSync(join(repo, 'LICENSE'), 'utf8');
    expect(license).toContain('Copyright (c) 2026 Textgen Spec contributors');
    for (const dir of dirs) {
      const manifest = read(`${dir}/package.json`);
      expect(manifest.version, dir).toBe(version);
      expect(manifest.license, dir).toBe('MIT');
      expect(readFileSync(join(repo, dir, 'LICENSE'), 'utf8'), dir).toBe(license);
      expect(manifest.repository, dir).toEqual({ type: 'git', url: 'git+https://github.com/textgen-spec/textgen-spec.git', directory: dir });
      expect(manifest.engines, dir).toEqual({ node: '>=20.19' });
      for (const [name, range] of Object.entries({ ...manifest.dependencies, ...manifest.devDependencies })) {
        if (name.startsWith('@textgen-spec/')) expect(range, `${dir}: ${name}`).toBe(version);
      }
    }
  });
});

describe('@textgen-spec/spec in a scratch project', () => {
  it('works from ESM: parse, validate, schemas by export path and $id, the OpenAPI document', async () => {
    writeFileSync(join(scratch, 'project', 'esm.mjs'), ESM_SOURCE);
    const { stdout } = await run(process.execPath, ['esm.mjs'], { cwd: join(scratch, 'project') });
    expect(JSON.parse(stdout)).toEqual({ ok: true, param: 'temperature', id: 'urn:textgen-spec:schema:strict:completion-request', openapi: '3.1.0', chunk: false });
  });

  it('works from CommonJS (require)', async () => {
    writeFileSync(join(scratch, 'project', 'cjs.cjs'), CJS_SOURCE);
    const { stdout } = await run(process.execPath, ['cjs.cjs'], { cwd: join(scratch, 'project') });
    expect(JSON.parse(stdout)).toEqual({ ok: true, names: SCHEMA_NAMES.length, schemaId: 'urn:textgen-spec:schema:compat:completion-chunk' });
  });

  it.each([
    ['node16', 'node16'],
    ['nodenext', 'nodenext'],
    ['bundler', 'esnext'],
    ['node10', 'commonjs'],
  ])('type-checks from TypeScript with moduleResolution %s', async (resolution, module) => {
    const project = join(scratch, 'project');
    writeFileSync(join(project, `use-${resolution}.ts`), TS_SOURCE);
    const config = { compilerOptions: { strict: true, noEmit: true, module, moduleResolution: resolution, target: 'es2022', types: [], skipLibCheck: false }, files: [`use-${resolution}.ts`] };
    writeFileSync(join(project, `tsconfig.${resolution}.json`), JSON.stringify(config));
    const tsc = join(repo, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', `tsconfig.${resolution}.json`], { cwd: project }).catch((e: { stdout: string }) => e);
    expect(result.stdout).toBe('');
  }, 60_000);
});

describe('the runner from the tarballs', () => {
  let server: ReferenceServer | undefined;
  afterAll(() => server?.close());

  it('installs through the action script and passes the live reference server, exit-code written', async () => {
    const prefix = join(scratch, 'action');
    const env = {
      ...process.env,
      TEXTGEN_CONFORMANCE_PACKAGES: tarballs.join(' '),
      TEXTGEN_CONFORMANCE_PREFIX: prefix,
      TEXTGEN_CONFORMANCE_NPM_FLAGS: '--prefer-offline',
      GITHUB_ENV: join(scratch, 'github-env'),
    };
    const install = await run('bash', [join(repo, 'conformance/action/install.sh')], { env });
    const cli = install.stdout.trim();
    expect(cli).toBe(join(prefix, 'node_modules/@textgen-spec/conformance/dist/cli.js'));
    expect(readFileSync(env.GITHUB_ENV, 'utf8')).toBe(`TEXTGEN_CONFORMANCE_CLI=${cli}\n`);

    server = await startReferenceServer();
    const output = join(scratch, 'github-output');
    const report = join(scratch, 'reports', 'run.json');
    const actionEnv = { ...process.env, TEXTGEN_CONFORMANCE_CLI: cli, GITHUB_OUTPUT: output, INPUT_URL: server.url, INPUT_ONLY: 'stop,logprobs', INPUT_JSON: report };
    const result = await run('bash', [join(repo, 'conformance/action/run.sh')], { env: actionEnv }).catch((e: { code: number; stdout: string }) => e);
    expect(result.stdout).toMatch(/\d+ passed, 0 failed/);
    expect(readFileSync(output, 'utf8')).toBe('exit-code=0\n');
    const json = JSON.parse(readFileSync(report, 'utf8')) as { runner: { version: string }; summary: { exitCode: number } };
    expect(json.runner.version).toBe(packed[0]!.version);
    expect(json.summary.exitCode).toBe(0);
  }, 180_000);

  it('the action reports bad usage as exit-code 2: an empty url, an unknown flag', async () => {
    const output = join(scratch, 'github-output-usage');
    const cli = join(scratch, 'action/node_modules/@textgen-spec/conformance/dist/cli.js');
    const empty = await run('bash', [join(repo, 'conformance/action/run.sh')], {
      env: { ...process.env, TEXTGEN_CONFORMANCE_CLI: cli, GITHUB_OUTPUT: output, INPUT_URL: '' },
    }).catch((e: { code: number; stderr: string }) => e);
    expect(empty).toMatchObject({ code: 2, stderr: 'textgen-conformance: the url input is required (the server root, e.g. http://127.0.0.1:5000)\n' });
    const flag = await run(process.execPath, [cli, '--url', 'http://127.0.0.1:1', '--nope']).catch((e: { code: number; stderr: string }) => e);
    expect(flag).toMatchObject({ code: 2, stderr: 'textgen-conformance: unknown option --nope (see textgen-conformance --help)\n' });
    expect(readFileSync(output, 'utf8')).toBe('exit-code=2\n');
  });
});

const ESM_SOURCE = `import { parseCompletionRequest, validateSchema, getOpenApiDocument } from '@textgen-spec/spec';
import schema from '@textgen-spec/spec/schema/strict/completion-request.schema.json' with { type: 'json' };
import openapi from '@textgen-spec/spec/openapi/strict.json' with { type: 'json' };
import { Ajv } from 'ajv';
const ok = parseCompletionRequest({ model: 'm', prompt: 'Hi', max_tokens: 4, min_p: 0.1 }).ok;
const bad = parseCompletionRequest({ model: 'm', prompt: 'Hi', temperature: 'hot' });
const validate = new Ajv({ strict: false }).compile(schema);
if (!validate({ model: 'm', prompt: 'Hi' })) throw new Error('the schema rejects a valid request');
console.log(JSON.stringify({ ok, param: bad.ok ? null : bad.error.error.param, id: schema.$id, openapi: getOpenApiDocument('compat').openapi === openapi.openapi && openapi.openapi, chunk: validateSchema('completion-chunk', {}).valid }));
`;

const CJS_SOURCE = `const spec = require('@textgen-spec/spec');
const chunk = require('@textgen-spec/spec/schema/compat/completion-chunk.schema.json');
const ok = spec.parseCompletionRequest({ prompt: 'Hi' }, { profile: 'compat' }).ok;
console.log(JSON.stringify({ ok, names: spec.SCHEMA_NAMES.length, schemaId: chunk.$id }));
`;

const TS_SOURCE = `import { parseCompletionRequest, API_ROUTES } from '@textgen-spec/spec';
import type { CompletionRequest, ParseResult, NormalizedCompletionRequest } from '@textgen-spec/spec';
const request: CompletionRequest = { model: 'm', prompt: 'Hi', max_tokens: 4, sampler_priority: ['top_k', 'temperature'] };
const parsed: ParseResult<NormalizedCompletionRequest> = parseCompletionRequest(request);
export const n: number = parsed.ok ? parsed.value.max_tokens : API_ROUTES.length;
// @ts-expect-error not a parameter
export const wrong: CompletionRequest = { model: 'm', prompt: 'Hi', max_tokenz: 4 };
`;
