/**
 * `npm run bench -w @textgen-spec/conformance`: wall time of the full suite against the
 * reference server on the embedded tiny model (default server flags, compat profile), with
 * the runner's default concurrency (4) and, as the baseline in the same run, one check at a
 * time. Prints the figures; asserts nothing.
 */
import { cpus } from 'node:os';
import { CHECKS } from '../src/checks/registry.js';
import { formatSummary } from '../src/reporters/text.js';
import { runSuite } from '../src/runner/run.js';
import { startReferenceServer } from '../src/self-test/reference-server.js';
import { RUNNER } from '../src/version.js';
import { specValidator } from '../src/wire/spec-validator.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const server = await startReferenceServer();
try {
  console.log(`${CHECKS.length} checks, reference server at ${server.url}, ${cpus().length} CPUs, ${rounds} round(s) each`);
  for (const concurrency of [4, 1]) {
    const times: number[] = [];
    let summary = '';
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      const report = await runSuite({
        url: server.url,
        profile: 'compat',
        timeoutMs: 60_000,
        checks: CHECKS,
        concurrency,
        validator: specValidator,
        runner: RUNNER,
      });
      times.push((performance.now() - t0) / 1000);
      summary = formatSummary(report.summary);
    }
    const best = Math.min(...times);
    console.log(`concurrency ${concurrency}${concurrency === 1 ? ' (baseline)' : ''}: ${times.map((t) => t.toFixed(1)).join(' s, ')} s (best ${best.toFixed(1)} s) · ${summary}`);
  }
} finally {
  await server.close();
}
