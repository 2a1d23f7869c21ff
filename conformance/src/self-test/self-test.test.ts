/**
 * The self-test: the reference server passes every check it implements in both profiles,
 * and every check fails under at least one named fault injected by the proxy.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadThirdPartyReports } from '../../scripts/third-party.js';
import { COMPAT_BEGIN, COMPAT_END, renderCompatibilityMatrix, replaceBetween } from '../docs/render.js';
import { CHECKS } from '../checks/registry.js';
import { effectiveLevel } from '../runner/run.js';
import { isObject } from '../checks/observed.js';
import type { ConformanceReport } from '../report/types.js';
import { BENIGN_VARIATIONS } from './faults/benign.js';
import { FAULTS, type Fault, type ProxyReply, type ProxyRequest } from './faults/index.js';
import { disagreements } from './sends-audit.js';
import { runAgainst, runFault, SELF_TEST_API_KEY, startHarness, type Harness } from './harness.js';

const reportSchema = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../report.schema.json'), 'utf8')) as object;
const validateReport = new Ajv({ strict: true, allowUnionTypes: true }).compile(reportSchema);

/** Runs dist/cli.js without blocking this process (the fault proxy lives here). */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [resolve(import.meta.dirname, '../../dist/cli.js'), ...args], { env: { ...process.env, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
}, 180_000);

afterAll(async () => {
  await h?.close();
});

/** Checks of a report that went wrong on the reference server. */
function badOnReference(report: ConformanceReport): string[] {
  return report.checks.filter((c) => c.verdict === 'fail' || c.verdict === 'error').map((c) => `${c.id} (${c.level}): ${c.verdict}: ${c.message}`);
}

describe('the fault catalogue', () => {
  test('every check is the target of at least one fault, and every target is a check', () => {
    const ids = new Set(CHECKS.map((c) => c.id));
    const targeted = new Set(FAULTS.flatMap((f) => f.targets));
    expect([...ids].filter((id) => !targeted.has(id))).toEqual([]);
    expect([...targeted].filter((id) => !ids.has(id))).toEqual([]);
    expect(new Set(FAULTS.map((f) => f.name)).size).toBe(FAULTS.length);
  });
});

const reference: Partial<Record<'compat' | 'strict', ConformanceReport>> = {};
/** Request bodies each check sent to /v1/completions in the reference runs. */
const sentBodies = new Map<string, (Record<string, unknown> | string)[]>();

describe.sequential('the reference server', () => {
  for (const profile of ['compat', 'strict'] as const) {
    test(`passes every MUST, SHOULD and EXT check it does not decline (${profile} profile)`, async () => {
      const report = await runAgainst(h.servers[profile].url, profile, [], (event) => {
        if (event.type !== 'end') return;
        const bodies = sentBodies.get(event.check.id) ?? [];
        for (const e of event.exchanges) if (e.method === 'POST' && e.path.startsWith('/v1/completions') && (isObject(e.request) || typeof e.request === 'string')) bodies.push(e.request);
        sentBodies.set(event.check.id, bodies);
      });
      reference[profile] = report;
      expect(badOnReference(report)).toEqual([]);
      expect(validateReport(report), JSON.stringify(validateReport.errors)).toBe(true);
      expect(report.summary.exitCode).toBe(0);
      expect(report.checks.length).toBe(CHECKS.length);
    }, 240_000);
  }

  test('each check\'s `sends:` text names only parameters and values its requests carried', () => {
    const { compat, strict } = reference;
    if (!compat || !strict) throw new Error('the profile runs above did not complete');
    const passed = new Set([...compat.checks, ...strict.checks].filter((c) => c.verdict === 'pass').map((c) => c.id));
    const wrong = CHECKS.filter((c) => passed.has(c.id)).flatMap((c) => disagreements(c.sends, sentBodies.get(c.id) ?? []).map((d) => `${c.id}: ${d}`));
    expect(wrong).toEqual([]);
  });

  test('docs/compatibility.md shows what it does now (else run: npm run compat -w @textgen-spec/conformance)', () => {
    const { compat, strict } = reference;
    if (!compat || !strict) throw new Error('the profile runs above did not complete');
    const path = resolve(import.meta.dirname, '../../../docs/compatibility.md');
    const committed = readFileSync(path, 'utf8');
    expect(committed).toBe(replaceBetween(committed, COMPAT_BEGIN, COMPAT_END, renderCompatibilityMatrix(compat, strict, loadThirdPartyReports(resolve(import.meta.dirname, '../..')))));
  });
});

describe.sequential('the CLI against the reference server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'conformance-cli-'));

  test('a clean run exits 0, ends with the summary line and writes every report format', async () => {
    const json = join(dir, 'report.json');
    const r = await cli(
      ['--url', h.proxies.compat.url, '--only', 'completions.shape,stop.string,stream.done', '--json', json, '--junit', join(dir, 'junit.xml'), '--markdown', join(dir, 'summary.md'), '--github'],
      { TEXTGEN_CONFORMANCE_API_KEY: SELF_TEST_API_KEY },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('6 passed, 0 failed, 1 skipped');
    expect(r.stdout).toContain('::notice title=textgen-conformance::6 passed, 0 failed, 1 skipped');
    const report = JSON.parse(readFileSync(json, 'utf8')) as ConformanceReport;
    expect(validateReport(report), JSON.stringify(validateReport.errors)).toBe(true);
    expect(report.server.systemFingerprint).not.toBeNull();
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toContain('<testcase classname="stop" name="stop.string"');
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toContain('## ✅ Completions conformance: 6 passed, 0 failed, 1 skipped');
  });

  test('an unexpected failure exits 1; listed in the baseline it exits 0; a stale entry exits 1', async () => {
    const base = ['--url', h.proxies.compat.url, '--api-key', SELF_TEST_API_KEY, '--only', 'stream.done,stream.framing'];
    const { FAULTS: all } = await import('./faults/index.js');
    h.proxies.compat.fault = all.find((f) => f.name === 'no-done')!;
    try {
      const failing = await cli(base);
      expect(failing.code).toBe(1);
      expect(failing.stdout.trim().split('\n').at(-1)).toBe('3 passed, 1 failed, 2 skipped');
      const baseline = join(dir, 'baseline.txt');
      writeFileSync(baseline, '# known\nstream.done\n');
      const expected = await cli([...base, '--baseline', baseline]);
      expect(expected.code, expected.stdout).toBe(0);
      expect(expected.stdout.trim().split('\n').at(-1)).toBe('3 passed, 1 failed (1 expected), 2 skipped');
      writeFileSync(baseline, 'stream.done\nstream.framing\n');
      const stale = await cli([...base, '--baseline', baseline]);
      expect(stale.code).toBe(1);
      expect(stale.stdout).toContain('stale baseline entry');
      writeFileSync(baseline, 'stream.nonexistent\n');
      expect((await cli([...base, '--baseline', baseline])).code).toBe(2);
    } finally {
      h.proxies.compat.fault = null;
    }
  });

  test('the GitHub Action script runs the CLI from its inputs and writes the job summary and output', async () => {
    const summary = join(dir, 'step-summary.md');
    const output = join(dir, 'github-output');
    const r = await new Promise<{ code: number | null; out: string }>((done) => {
      const child = spawn('bash', [resolve(import.meta.dirname, '../../action/run.sh')], {
        env: {
          ...process.env,
          INPUT_URL: h.proxies.compat.url,
          INPUT_API_KEY: SELF_TEST_API_KEY,
          INPUT_ONLY: 'completions.usage',
          INPUT_PROFILE: 'compat',
          INPUT_WAIT: '5',
          GITHUB_STEP_SUMMARY: summary,
          GITHUB_OUTPUT: output,
        },
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', (code) => done({ code, out }));
    });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('::notice title=textgen-conformance::');
    expect(readFileSync(summary, 'utf8')).toContain('## ✅ Completions conformance');
    expect(readFileSync(output, 'utf8')).toBe('exit-code=0\n');
  });

  test('without the API key the server is refused: exit 2', async () => {
    const r = await cli(['--url', h.proxies.compat.url, '--only', 'completions.shape']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--api-key');
  });
});

describe.sequential('deviations that must not decide other checks', () => {
  test('with chat-format logprobs (llama.cpp) the seed checks still pass: the format is judged by logprobs.format only', async () => {
    const proxy = h.proxies.compat;
    proxy.fault = FAULTS.find((f) => f.name === 'chat-style-logprobs')!;
    try {
      const report = await runAgainst(proxy.url, 'compat', ['seed.different-seeds', 'seed.unseeded-varies', 'logprobs.format']);
      const verdicts = Object.fromEntries(report.checks.map((c) => [c.id, `${c.verdict}: ${c.message}`]));
      expect(verdicts['seed.different-seeds']).toMatch(/^pass: \d different tokens/);
      expect(verdicts['seed.unseeded-varies']).toMatch(/^pass/);
      expect(verdicts['logprobs.format']).toMatch(/^warn/);
    } finally {
      proxy.fault = null;
    }
  });

  /** Verdicts of `only` through a fault made for this test (not a catalogue entry). */
  async function verdictsUnder(fault: Omit<Fault, 'targets' | 'description'>, only: string[]): Promise<Record<string, string>> {
    const proxy = h.proxies.compat;
    proxy.fault = { ...fault, description: '', targets: [] };
    try {
      const report = await runAgainst(proxy.url, 'compat', only);
      return Object.fromEntries(report.checks.filter((c) => !c.id.startsWith('wire.')).map((c) => [c.id, c.verdict]));
    } finally {
      proxy.fault = null;
    }
  }
  const dropping = (key: string) => (req: ProxyRequest) => {
    if (!isObject(req.body) || !(key in req.body)) return;
    const body = { ...req.body };
    delete body[key];
    return { ...req, body };
  };

  test('n > 1 rejected (llama.cpp -np 1): the best_of checks with n skip instead of passing or declining', async () => {
    const nOne = (req: ProxyRequest): ProxyReply | void => {
      if (isObject(req.body) && typeof req.body.n === 'number' && req.body.n > 1) {
        return { status: 400, body: { error: { message: "Field 'n': Value must be between 1 <= value <= 1", type: 'invalid_request_error', param: null, code: null } } };
      }
    };
    expect(await verdictsUnder({ name: 'n-one', request: nOne }, ['best_of.returns-n', 'best_of.less-than-n', 'best_of.picks-best', 'best_of.one'])).toEqual({
      'best_of.one': 'pass',
      'best_of.returns-n': 'skip',
      'best_of.less-than-n': 'skip',
      'best_of.picks-best': 'skip',
    });
  });

  test('echo ignored: skip_special_tokens and the UTF-8 check skip (nothing to see), echo.plain fails', async () => {
    expect(await verdictsUnder({ name: 'echo-ignored', request: dropping('echo') }, ['ext.skip_special_tokens', 'stream.utf8', 'echo.plain'])).toEqual({
      'echo.plain': 'fail',
      'stream.utf8': 'skip',
      'ext.skip_special_tokens': 'skip',
    });
  });

  test('temperature_last ignored: sampler_priority is judged on its own', async () => {
    expect(await verdictsUnder({ name: 'temperature-last-ignored', request: dropping('temperature_last') }, ['ext.temperature_last', 'ext.sampler_priority'])).toEqual({
      'ext.temperature_last': 'fail',
      'ext.sampler_priority': 'pass',
    });
  });

  test('what ignoring cannot be told from honouring skips: prompt lookup, add_bos_token without BOS', async () => {
    const v = await verdictsUnder({ name: 'ignored', request: (req) => dropping('add_bos_token')(dropping('prompt_lookup_num_tokens')(req) ?? req) }, [
      'ext.prompt_lookup_num_tokens',
      'ext.add_bos_token',
    ]);
    expect(v).toEqual({ 'ext.prompt_lookup_num_tokens': 'skip', 'ext.add_bos_token': 'skip' });
  });
});

describe.sequential('preconditions: a check whose switch is not honoured skips, naming it', () => {
  /** Verdict and message of each of `only` through a one-off fault. */
  async function resultsUnder(request: Fault['request'], only: string[]): Promise<Record<string, string>> {
    const proxy = h.proxies.compat;
    proxy.fault = { name: 'one-off', description: '', targets: [], request };
    try {
      const report = await runAgainst(proxy.url, 'compat', only);
      return Object.fromEntries(report.checks.filter((c) => only.includes(c.id)).map((c) => [c.id, `${c.verdict}: ${c.message}`]));
    } finally {
      proxy.fault = null;
    }
  }
  /** Rewrites completion bodies. */
  const rewrite = (edit: (b: Record<string, unknown>) => void) => (req: ProxyRequest) => {
    if (!isObject(req.body) || !req.path.startsWith('/v1/completions')) return;
    const body = { ...req.body };
    edit(body);
    return { ...req, body };
  };

  test('mirostat_mode and dynamic_temperature ignored: their switch checks fail, the checks that need the switch skip naming it', async () => {
    const r = await resultsUnder(
      rewrite((b) => {
        delete b.mirostat_mode;
        delete b.dynamic_temperature;
      }),
      ['ext.mirostat', 'ext.mirostat_eta', 'ext.dynamic_temperature', 'ext.dynatemp_exponent'],
    );
    expect(r['ext.mirostat']).toMatch(/^fail/);
    expect(r['ext.dynamic_temperature']).toMatch(/^fail/);
    expect(r['ext.mirostat_eta']).toMatch(/^skip: precondition `mirostat\.on` \(mirostat can be switched on\) does not hold/);
    expect(r['ext.dynatemp_exponent']).toMatch(/^skip: precondition `dynamic_temperature\.on`/);
  });

  test("llama.cpp's own switches (mirostat, dynatemp_range) meet the preconditions: eta and exponent are judged on their own", async () => {
    const llamaLike = rewrite((b) => {
      delete b.mirostat_mode;
      delete b.dynamic_temperature;
      delete b.dynatemp_low;
      delete b.dynatemp_high;
      if (typeof b.mirostat === 'number') b.mirostat_mode = b.mirostat;
      if (typeof b.dynatemp_range === 'number' && b.dynatemp_range > 0) {
        const t = typeof b.temperature === 'number' ? b.temperature : 1;
        Object.assign(b, { dynamic_temperature: true, dynatemp_low: t - b.dynatemp_range, dynatemp_high: t + b.dynatemp_range, temperature: 1 });
      }
      delete b.mirostat;
      delete b.dynatemp_range;
    });
    const r = await resultsUnder(llamaLike, ['ext.mirostat', 'ext.mirostat_eta', 'ext.dynatemp_exponent']);
    expect(r['ext.mirostat']).toMatch(/^fail/);
    expect(r['ext.mirostat_eta']).toMatch(/^pass: .*mirostat\.on met through llama\.cpp's `mirostat: 2`/);
    expect(r['ext.dynatemp_exponent']).toMatch(/^pass: .*dynamic_temperature\.on met through llama\.cpp's/);
  });

  test('each EXT check reports its own request: an ignored list order skips the string form, an ignored preset fails preset_unknown on its own request', async () => {
    const r = await resultsUnder(
      rewrite((b) => {
        delete b.sampler_priority;
        delete b.preset;
      }),
      ['ext.sampler_priority', 'ext.sampler_priority_string', 'ext.preset', 'ext.preset_resets', 'ext.preset_unknown'],
    );
    expect(r['ext.sampler_priority']).toMatch(/^fail/);
    expect(r['ext.sampler_priority_string']).toMatch(/^skip: precondition `sampler_priority\.list`/);
    expect(r['ext.preset']).toMatch(/^fail/);
    expect(r['ext.preset_resets']).toMatch(/^skip: precondition `preset\.applies`/);
    expect(r['ext.preset_unknown']).toMatch(/^fail: an unknown preset was accepted/);
  });

  test('seed.concurrent runs alone: a server that reseeds under load fails it even while other checks run', async () => {
    const proxy = h.proxies.compat;
    proxy.fault = FAULTS.find((f) => f.name === 'seed-shifted-under-load')!;
    try {
      const report = await runAgainst(proxy.url, 'compat', ['seed.concurrent', 'ext.top_k', 'ext.min_p', 'ext.typical_p', 'ext.xtc', 'ext.top_a', 'seed.same-seed']);
      expect(report.checks.find((c) => c.id === 'seed.concurrent')?.verdict).toBe('fail');
    } finally {
      proxy.fault = null;
    }
  });
});

describe.sequential('benign variations the specs allow change no verdict', () => {
  const noExt = CHECKS.filter((c) => c.level !== 'EXT').map((c) => c.id);
  for (const variation of BENIGN_VARIATIONS) {
    test(`${variation.name}: ${variation.description}`, async () => {
      const proxy = h.proxies.compat;
      proxy.fault = variation;
      try {
        const report = await runAgainst(proxy.url, 'compat', variation.scope === 'stream' ? ['stream'] : noExt);
        expect(report.checks.length).toBeGreaterThan(5);
        expect(badOnReference(report)).toEqual([]);
      } finally {
        proxy.fault = null;
      }
    }, 120_000);
  }
});

describe.sequential('each fault makes its target checks fail', () => {
  for (const fault of FAULTS) {
    test(fault.name, async () => {
      const report = await runFault(h, fault);
      const wrong: string[] = [];
      for (const id of fault.targets) {
        const check = CHECKS.find((c) => c.id === id)!;
        const result = report.checks.find((c) => c.id === id);
        const expected = effectiveLevel(check, fault.profile ?? 'compat') === 'INFO' ? 'warn' : 'fail';
        if (result?.verdict !== expected) wrong.push(`${id}: expected ${expected}, got ${result?.verdict ?? 'no result'}: ${result?.message ?? ''}`);
      }
      expect(wrong).toEqual([]);
      const onlyInfo = fault.targets.every((id) => effectiveLevel(CHECKS.find((c) => c.id === id)!, fault.profile ?? 'compat') === 'INFO');
      expect(report.summary.exitCode).toBe(onlyInfo ? 0 : 1);
    }, 120_000);
  }
});
