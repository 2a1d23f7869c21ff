/**
 * llama.cpp through node-llama-cpp (a devDependency of this package), shared by the llama.cpp
 * bench column (llamacpp-anchor.mjs) and the cross-implementation check (crosscheck.mjs).
 *
 * Always the prebuilt CPU binary shipped in @node-llama-cpp/linux-x64 (or the platform's
 * package): `build: 'never'` so it never compiles llama.cpp nor downloads anything, `gpu: false`.
 * The root package.json's `config.nodeLlamaCppPostinstall: "skip"` keeps `npm ci` offline too.
 * Models are the GGUF exports of @textgen-spec/tiny-model, written to a temporary folder.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const LLAMA_CPP_THREADS = Number(process.env.LLAMA_CPP_THREADS ?? 2);

/** node-llama-cpp, or null (with the reason) where it is not installed or has no binary here. */
export async function loadLlamaCpp() {
  let mod;
  try {
    mod = await import('node-llama-cpp');
  } catch (error) {
    return { llama: null, reason: `node-llama-cpp is not installed (${error.code ?? error.message})` };
  }
  try {
    const llama = await mod.getLlama({ gpu: false, build: 'never', logLevel: mod.LlamaLogLevel.error, progressLogs: false });
    return { llama, reason: null };
  } catch (error) {
    return { llama: null, reason: `node-llama-cpp has no prebuilt binary for this machine: ${error.message}` };
  }
}

/** Writes `file` (a GgufFile of @textgen-spec/tiny-model) to a temporary folder; `remove()` deletes it. */
export async function writeTempGguf(name, file) {
  const { writeGguf } = await import('@textgen-spec/tiny-model');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'textgen-gguf-'));
  const modelPath = path.join(dir, `${name}.gguf`);
  writeFileSync(modelPath, writeGguf(file));
  return { modelPath, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A loaded GGUF and a context of `sequences` sequences (CPU, LLAMA_CPP_THREADS threads). The KV
 * cache is llama.cpp's default f16 unless `exact` (f32 cache, no flash attention: for comparing
 * numbers rather than speed).
 */
export async function openLlamaCpp(llama, modelPath, { sequences = 1, contextSize = 1024, exact = false } = {}) {
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  const context = await model.createContext({
    contextSize: contextSize * sequences,
    sequences,
    threads: LLAMA_CPP_THREADS,
    batchSize: Math.max(512, sequences * 8),
    ...(exact ? { flashAttention: false, experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32' } : {}),
  });
  const dispose = async () => {
    await context.dispose();
    await model.dispose();
  };
  return { model, context, dispose };
}

/**
 * Greedy decoding of `maxTokens` tokens after `promptIds` on a (cleared) sequence; stops early
 * at an end-of-generation token (included). With `top`, each step also returns the `top` most
 * likely next tokens as [id, logprob] (softmax of the raw logits at temperature 0).
 */
export async function llamaGreedy(sequence, promptIds, maxTokens, { top = 0, isEog = () => false } = {}) {
  await sequence.clearHistory();
  const tokens = [];
  const tops = [];
  const metadata = top > 0 ? { probabilities: true } : {};
  for await (const output of sequence.evaluateWithMetadata(promptIds, metadata, { temperature: 0 })) {
    tokens.push(output.token);
    if (top > 0) tops.push(topEntries(output.probabilities, top));
    if (tokens.length >= maxTokens || isEog(output.token)) break;
  }
  return { tokens, tops };
}

function topEntries(probabilities, top) {
  const out = [];
  for (const [id, p] of probabilities) {
    out.push([id, Math.log(p)]);
    if (out.length === top) break;
  }
  return out;
}

/**
 * Each generated token's text as the engine reports it: what it adds to the engine's decoded
 * text after the prompt (SentencePiece's leading space depends on what precedes the token).
 */
export function tokenTexts(engine, promptIds, ids) {
  const texts = [];
  let before = engine.decode(promptIds);
  for (let i = 0; i < ids.length; i++) {
    const after = engine.decode([...promptIds, ...ids.slice(0, i + 1)]);
    texts.push(after.slice(before.length));
    before = after;
  }
  return texts;
}
