import { createRequire } from 'node:module';

const pkg = createRequire(import.meta.url)('../package.json') as { name: string; version: string };

/** The runner's name and version, as reported in every report. */
export const RUNNER: { name: string; version: string } = { name: pkg.name, version: pkg.version };
