#!/usr/bin/env node
// Figures of the family models beside the default GPT-2 model (the baseline), in one run:
// generation time, file sizes, load time and one cached forward step through transformers.js
// (batch 1), per graph dtype. Run after building: `npm run bench:families -w @textgen-spec/tiny-model`.
// Timings are medians; on a shared machine they are noisy, so compare within one run only.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODEL_FAMILIES, FAMILY_SPECS, writeFamilyModel, writeTinyModel } from '@textgen-spec/tiny-model';
import { cachedStepMs, loadTimed } from './common.mjs';

async function stepMs(dir, dtype) {
  const { tokenizer, model, loadMs } = await loadTimed(dir, dtype);
  const prompt = tokenizer.encode('This is the');
  const step = await cachedStepMs(model, [prompt], prompt.at(-1), 40);
  await model.dispose();
  return { loadMs, stepMs: step };
}

const root = await mkdtemp(join(tmpdir(), 'tiny-model-bench-families-'));
const rows = [['model', 'dtype', 'vocab', 'graph', 'all files', 'generate', 'load', 'cached step (batch 1)']];
try {
  const kinds = [{ name: 'textgen-tiny (baseline)', write: (dir) => writeTinyModel(dir), dtypes: ['fp32'], vocab: 50257 }];
  for (const family of MODEL_FAMILIES) {
    kinds.push({ name: `textgen-tiny-${family}`, write: (dir) => writeFamilyModel(dir, family), dtypes: ['fp32', ...FAMILY_SPECS[family].extraDtypes], vocab: FAMILY_SPECS[family].vocabSize });
  }
  for (const kind of kinds) {
    const dir = join(root, kind.name.split(' ')[0]);
    const started = performance.now();
    const manifest = await kind.write(dir);
    const writeMs = performance.now() - started;
    const total = manifest.files.reduce((s, f) => s + f.bytes, 0);
    for (const dtype of kind.dtypes) {
      const file = { fp32: 'onnx/model.onnx', fp16: 'onnx/model_fp16.onnx', q8: 'onnx/model_quantized.onnx', q4: 'onnx/model_q4.onnx' }[dtype];
      const graph = manifest.files.find((f) => f.path === file).bytes;
      const { loadMs, stepMs: step } = await stepMs(dir, dtype);
      rows.push([kind.name, dtype, String(kind.vocab), `${(graph / 1e6).toFixed(1)} MB`, `${(total / 1e6).toFixed(1)} MB`, `${(writeMs / 1000).toFixed(1)} s`, `${loadMs.toFixed(0)} ms`, `${step.toFixed(2)} ms`]);
    }
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c])).join('  '));
