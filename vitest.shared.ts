/**
 * The one vitest configuration of the workspace. Each package's vitest.config.ts re-exports it
 * (or calls `vitestConfig` with what differs), so `npm test -w <package>`, turbo and a plain
 * `npx vitest run` inside a package all use it.
 *
 * Timeouts are generous because the tests run real inference on the tiny model (generated
 * into .cache/ on first use) and real servers; speed is measured in benchmarks, not here.
 */
import { defineConfig } from 'vitest/config';
import type { ViteUserConfig } from 'vitest/config';

export interface VitestOptions {
  /** Test files, relative to the package root; defaults to the tests next to the sources. */
  include?: string[];
  /** Time a beforeAll/afterAll hook may take (model loading, server start); defaults to 120 s. */
  hookTimeout?: number;
  /** Names of unhandled errors that are not failures (each caller says why); none by default. */
  ignoredUnhandledErrors?: readonly string[];
}

export function vitestConfig(options: VitestOptions = {}): ViteUserConfig {
  return defineConfig({
    test: {
      include: options.include ?? ['src/**/*.test.ts'],
      testTimeout: 60_000,
      hookTimeout: options.hookTimeout ?? 120_000,
      passWithNoTests: true,
      onUnhandledError: (error) => !(options.ignoredUnhandledErrors ?? []).includes((error as { name?: string }).name ?? ''),
    },
  });
}

export default vitestConfig();
