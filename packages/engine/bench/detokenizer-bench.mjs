/**
 * Incremental detokenization cost per token, old vs new in one run: the window decode
 * (two tokenizer decodes per token, the fallback) beside the byte table (a lookup per token),
 * on the embedded GPT-2 tokenizer and the real Llama 3 / Qwen 3 / Gemma 3 / Llama 2 ones.
 *
 *   npm run build -w @textgen-spec/engine && node packages/engine/bench/detokenizer-bench.mjs
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { AutoTokenizer } from '@huggingface/transformers';
import { FAMILY_SPECS, MODEL_FAMILIES, ensureTinyModel } from '@textgen-spec/tiny-model';
import { IncrementalDetokenizer } from '../dist/index.js';
import { detokenizerTable } from '../dist/detokenizer-table.js';
import { compare } from './common.mjs';

const require = createRequire(import.meta.url);

function lenmlFolder(family) {
  let dir = path.dirname(require.resolve(FAMILY_SPECS[family].tokenizerPackage));
  while (!existsSync(path.join(dir, 'models', 'tokenizer.json'))) dir = path.dirname(dir);
  return path.join(dir, 'models');
}

const TEXT = [
  'The quick brown fox jumps over the lazy dog. ',
  '日本語のテキストと漢字、中文分词测试。한국어 문장입니다. ',
  'Emoji 👩‍👩‍👧‍👦 🎉🚀 and flags 🇫🇷🇯🇵; e\u0301 a\u0300 naïve façade. ',
  'function f(x) {\n  return x * 2; // double\n}\n',
].join('').repeat(12);

async function tokenizers() {
  const list = [['gpt2 (embedded)', await ensureTinyModel({})]];
  for (const family of MODEL_FAMILIES) list.push([family, lenmlFolder(family)]);
  return list;
}

const rows = [];
for (const [name, folder] of await tokenizers()) {
  const tokenizer = await AutoTokenizer.from_pretrained(folder, { local_files_only: true });
  const tableStart = performance.now();
  const table = detokenizerTable(tokenizer._tokenizerJSON, tokenizer._tokenizerConfig, tokenizer._tokenizer.model.vocab);
  const tableMs = performance.now() - tableStart;
  if (typeof table === 'string') throw new Error(`${name}: ${table}`);
  const decode = (ids, skip) => (ids.length === 0 ? '' : tokenizer.decode([...ids], { skip_special_tokens: skip }));
  const ids = tokenizer.encode(TEXT, { add_special_tokens: false });
  const context = tokenizer.encode('Prompt: ', { add_special_tokens: true });
  const run = (codec) => () => {
    const detokenizer = new IncrementalDetokenizer(codec, true, context);
    let text = '';
    for (const id of ids) text += detokenizer.push(id);
    return text + detokenizer.flush();
  };
  const window = run({ decode });
  const bytes = run({ decode, table });
  const timings = await compare({ window, bytes });
  const perToken = (ms) => ((ms * 1000) / ids.length).toFixed(2);
  rows.push(
    `| ${name} | ${ids.length} | ${perToken(timings.window.best)} / ${perToken(timings.window.median)} | ` +
      `${perToken(timings.bytes.best)} / ${perToken(timings.bytes.median)} | ${(timings.window.median / timings.bytes.median).toFixed(0)}x | ${tableMs.toFixed(0)} |`,
  );
}
console.log('| tokenizer | tokens | window decode µs/token (best / median) | byte table µs/token (best / median) | speed-up (median) | table build ms |');
console.log('|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
