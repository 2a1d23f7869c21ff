#!/usr/bin/env node
// Committed launcher, so that npm links the bin at install time, before dist/ is built.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('textgen-tiny-model: dist/cli.js is missing; build the package first (npx turbo run build --filter=@textgen-spec/tiny-model)');
  process.exit(1);
}
await import(cli.href);
