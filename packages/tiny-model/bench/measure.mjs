#!/usr/bin/env node
// Figures of the generated models, side by side for both variants in one run: generation time,
// file sizes, load time, and the latency of one cached forward step through transformers.js
// (batch 1 and 4). Run after building: `npm run bench -w @textgen-spec/tiny-model`.
// Timings are medians; on a shared machine they are noisy, so compare within one run only.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyModel } from '@textgen-spec/tiny-model';
import { cachedStepMs, loadTimed, median } from './common.mjs';

async function measure(variant) {
  const root = await mkdtemp(join(tmpdir(), `tiny-model-bench-${variant}-`));
  try {
    const writes = [];
    let manifest;
    for (let run = 0; run < 3; run++) {
      const started = performance.now();
      manifest = await writeTinyModel(join(root, `run${run}`), { variant });
      writes.push(performance.now() - started);
    }
    const dir = join(root, 'run0');
    const { tokenizer, model, loadMs } = await loadTimed(dir, 'fp32');

    const stepMs = {};
    for (const batch of [1, 4]) {
      const prompt = Array.from({ length: batch }, () => [50256, 1212, 318, 262]);
      stepMs[batch] = await cachedStepMs(model, prompt, 262, 60);
    }
    const greedy = await model.generate({ ...tokenizer('This is the'), max_new_tokens: 40, do_sample: false });
    const sample = tokenizer.decode(Array.from(greedy.data, Number));
    await model.dispose();
    const onnx = manifest.files.find((f) => f.path === 'onnx/model.onnx');
    const total = manifest.files.reduce((s, f) => s + f.bytes, 0);
    return { variant, manifest, writeMs: median(writes), loadMs, stepMs, onnxBytes: onnx.bytes, totalBytes: total, sample };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const results = [];
for (const variant of ['default', 'large']) results.push(await measure(variant));
const mb = (b) => `${(b / 1e6).toFixed(1)} MB`;
const rows = [
  ['', ...results.map((r) => r.variant)],
  ['layers x width (heads)', ...results.map((r) => `${r.manifest.config.layers} x ${r.manifest.config.hidden} (${r.manifest.config.heads})`)],
  ['onnx/model.onnx', ...results.map((r) => mb(r.onnxBytes))],
  ['all files', ...results.map((r) => mb(r.totalBytes))],
  ['writeTinyModel (median of 3)', ...results.map((r) => `${r.writeMs.toFixed(0)} ms`)],
  ['load (tokenizer + model)', ...results.map((r) => `${r.loadMs.toFixed(0)} ms`)],
  ['cached forward step, batch 1', ...results.map((r) => `${r.stepMs[1].toFixed(2)} ms`)],
  ['cached forward step, batch 4', ...results.map((r) => `${r.stepMs[4].toFixed(2)} ms`)],
];
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c])).join('  '));
for (const r of results) console.log(`\ngreedy sample (${r.variant}): ${JSON.stringify(r.sample)}`);
