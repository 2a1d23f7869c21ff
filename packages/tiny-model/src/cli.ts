#!/usr/bin/env node
/** textgen-tiny-model <outDir> [--variant default|large | --family llama3|qwen3|gemma3|llama2]: writes the generated model into outDir. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MODEL_FAMILIES, isModelFamily } from './families.js';
import { writeFamilyModel } from './family-files.js';
import { TINY_MODEL_VARIANTS, isTinyModelVariant } from './variants.js';
import { writeTinyModel } from './write-model.js';

const USAGE = `usage: textgen-tiny-model <outDir> [--variant ${TINY_MODEL_VARIANTS.join('|')} | --family ${MODEL_FAMILIES.join('|')}]

Writes the deterministic tiny GPT-2-style model (ONNX + tokenizer + configs) into <outDir>, or
with --family the tiny model of that family (its real tokenizer, Llama-style graph).`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { variant: { type: 'string' }, family: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    console.error(`textgen-tiny-model: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const variant = values.variant ?? 'default';
  const why =
    positionals.length !== 1
      ? 'expected exactly one <outDir>'
      : values.family !== undefined && values.variant !== undefined
        ? '--variant and --family exclude each other'
        : values.family !== undefined && !isModelFamily(values.family)
          ? `unknown family ${JSON.stringify(values.family)}`
          : !isTinyModelVariant(variant)
            ? `unknown variant ${JSON.stringify(values.variant)}`
            : null;
  if (why !== null) {
    console.error(`textgen-tiny-model: ${why}\n${USAGE}`);
    return 2;
  }
  const outDir = resolve(positionals[0] as string);
  const started = performance.now();
  if (isModelFamily(values.family)) {
    const manifest = await writeFamilyModel(outDir, values.family);
    const { hidden, layers, heads, kvHeads } = manifest.config;
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    console.log(`wrote ${manifest.name} (${layers} layers, width ${hidden}, ${heads} heads, ${kvHeads} kv heads) to ${outDir} in ${seconds} s`);
    for (const file of manifest.files) console.log(`  ${file.path.padEnd(26)} ${String(file.bytes).padStart(10)} B  ${file.sha256}`);
    return 0;
  }
  if (!isTinyModelVariant(variant)) return 2;
  const manifest = await writeTinyModel(outDir, { variant });
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  const { hidden, layers, heads } = manifest.config;
  console.log(`wrote ${manifest.variant} model (${layers} layers, width ${hidden}, ${heads} heads) to ${outDir} in ${seconds} s`);
  for (const file of manifest.files) console.log(`  ${file.path.padEnd(24)} ${String(file.bytes).padStart(10)} B  ${file.sha256}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`textgen-tiny-model: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  },
);
