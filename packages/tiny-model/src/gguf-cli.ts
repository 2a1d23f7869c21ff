#!/usr/bin/env node
/** textgen-tiny-model-gguf --out <file> [--variant default|large]: writes the tiny model as a GGUF (llama.cpp). */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { tinyModelGguf, writeGguf } from './gguf.js';
import { TINY_MODEL_VARIANTS, isTinyModelVariant } from './variants.js';

const USAGE = `usage: npm run gguf -w @textgen-spec/tiny-model -- --out <file.gguf> [--variant ${TINY_MODEL_VARIANTS.join('|')}]`;

const { values } = parseArgs({ args: process.argv.slice(2), options: { out: { type: 'string' }, variant: { type: 'string', default: 'default' } } });
if (!values.out || !isTinyModelVariant(values.variant)) {
  console.error(USAGE);
  process.exitCode = 2;
} else {
  const out = resolve(values.out);
  const bytes = writeGguf(tinyModelGguf(values.variant));
  writeFileSync(out, bytes);
  console.log(`wrote the ${values.variant} tiny model as GGUF (${bytes.length} bytes) to ${out}`);
}
