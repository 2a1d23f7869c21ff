/**
 * The self-test harness: a reference server per profile (each with an API key, so the auth
 * check runs), a fault proxy in front of each, and helpers to run checks through them.
 */
import { CHECKS } from '../checks/registry.js';
import type { Profile } from '@textgen-spec/spec';
import type { ConformanceReport } from '../report/types.js';
import { runSuite, type RunOptions } from '../runner/run.js';
import { selectChecks } from '../runner/select.js';
import { RUNNER } from '../version.js';
import { specValidator } from '../wire/spec-validator.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import type { Fault } from './faults/index.js';
import { startReferenceServer, type ReferenceServer } from './reference-server.js';

export const SELF_TEST_API_KEY = 'conformance-self-test-key';

export interface Harness {
  servers: Record<Profile, ReferenceServer>;
  proxies: Record<Profile, FaultProxy>;
  close(): Promise<void>;
}

/** Starts both reference servers (compat and strict) and their proxies. */
export async function startHarness(): Promise<Harness> {
  const [compat, strict] = await Promise.all([
    startReferenceServer({ args: ['--api-key', SELF_TEST_API_KEY] }),
    startReferenceServer({ args: ['--api-key', SELF_TEST_API_KEY, '--profile', 'strict'] }),
  ]);
  const proxies = {
    compat: await startFaultProxy({ target: compat.url, apiKey: SELF_TEST_API_KEY }),
    strict: await startFaultProxy({ target: strict.url, apiKey: SELF_TEST_API_KEY }),
  };
  return {
    servers: { compat, strict },
    proxies,
    async close() {
      await Promise.all([proxies.compat.close(), proxies.strict.close()]);
      await Promise.all([compat.close(), strict.close()]);
    },
  };
}

/** Runs checks (all by default) against a URL in a profile. */
export function runAgainst(url: string, profile: Profile, only: string[] = [], onProgress?: RunOptions['onProgress']): Promise<ConformanceReport> {
  return runSuite({
    url,
    apiKey: SELF_TEST_API_KEY,
    profile,
    timeoutMs: 60_000,
    checks: selectChecks(CHECKS, only, []),
    concurrency: 4,
    validator: specValidator,
    runner: RUNNER,
    onProgress,
  });
}

/** Runs a fault's target checks through the proxy of its profile. */
export async function runFault(h: Harness, fault: Fault): Promise<ConformanceReport> {
  const profile = fault.profile ?? 'compat';
  const proxy = h.proxies[profile];
  proxy.fault = fault;
  try {
    return await runAgainst(proxy.url, profile, [...fault.targets]);
  } finally {
    proxy.fault = null;
  }
}
