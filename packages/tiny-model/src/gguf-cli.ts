#!/usr/bin/env node
/**
 * textgen-tiny-model-gguf --out <file> [--variant default|large | --family llama3|llama2]:
 * writes the tiny model (GPT-2 variant) or a Llama-family model as a GGUF (llama.cpp).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { tinyModelGguf, writeGguf, type GgufFile } from './gguf.js';
import { GGUF_LLAMA_FAMILIES, familyModelGguf } from './gguf-llama.js';
import type { ModelFamily } from './families.js';
import { TINY_MODEL_VARIANTS, isTinyModelVariant } from './variants.js';

const USAGE = `usage: npm run gguf -w @textgen-spec/tiny-model -- --out <file.gguf> [--variant ${TINY_MODEL_VARIANTS.join('|')} | --family ${GGUF_LLAMA_FAMILIES.join('|')}]`;

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { out: { type: 'string' }, variant: { type: 'string', default: 'default' }, family: { type: 'string' } },
});

function chosen(): { what: string; file: () => GgufFile } | null {
  if (values.family !== undefined) {
    const family = values.family as ModelFamily;
    return GGUF_LLAMA_FAMILIES.includes(family) ? { what: `the ${family} tiny model`, file: () => familyModelGguf(family) } : null;
  }
  const variant = values.variant;
  return isTinyModelVariant(variant) ? { what: `the ${variant} tiny model`, file: () => tinyModelGguf(variant) } : null;
}

const model = chosen();
if (!values.out || !model) {
  console.error(USAGE);
  process.exitCode = 2;
} else {
  const out = resolve(values.out);
  const bytes = writeGguf(model.file());
  writeFileSync(out, bytes);
  console.log(`wrote ${model.what} as GGUF (${bytes.length} bytes) to ${out}`);
}
