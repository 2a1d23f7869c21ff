/**
 * Prefill: a prompt run through the model at batch size 1, chunk by chunk, leaving its KV cache
 * and the logits that predict the first new token.
 */
import type { GenerationContext } from './generation-plan.js';
import type { KvCache, ModelRunner } from './model-runner.js';
import { scorePromptBlock, type PromptTokenScore } from './prompt-logprobs.js';

/** Most prompt positions fed per forward pass during prefill (bounds the size of the logits). */
export const PREFILL_CHUNK = 256;
/** Fewest prompt positions per prefill pass, however slow the model. */
export const MIN_PREFILL_CHUNK = 16;
/** Positions of each calibration pass. */
const CALIBRATION_POSITIONS = 32;

/**
 * Sets `runner.prefillChunk` so that one prefill pass takes about `passMs`: a power of two
 * between MIN_PREFILL_CHUNK and PREFILL_CHUNK, from the time of a pass of CALIBRATION_POSITIONS
 * positions (the second of two: the first one also pays for onnxruntime's first allocations).
 * A prefill pass holds the other requests' next step (passes run one at a time) and, with the
 * engine in a worker, the worker's event loop: on a large model on a slow CPU a 256-position
 * pass can take tens of seconds. `passMs` 0 keeps PREFILL_CHUNK. Returns the chunk.
 */
export async function calibratePrefillChunk(runner: ModelRunner, token: number, passMs: number): Promise<number> {
  runner.prefillChunk = PREFILL_CHUNK;
  if (!(passMs > 0)) return PREFILL_CHUNK;
  let ms = 0;
  for (let pass = 0; pass < 2; pass++) {
    const cache = runner.emptyCache(1);
    const start = performance.now();
    const result = await runner.forward({ tokens: [new Array<number>(CALIBRATION_POSITIONS).fill(token)], padLeft: [0], positions: [0], cache, logits: 'last' });
    ms = performance.now() - start;
    cache.dispose();
    result.cache.dispose();
  }
  const fits = passMs / (ms / CALIBRATION_POSITIONS);
  let chunk = MIN_PREFILL_CHUNK;
  while (chunk * 2 <= Math.min(fits, PREFILL_CHUNK)) chunk *= 2;
  runner.prefillChunk = chunk;
  return chunk;
}

export interface PrefillResult {
  cache: KvCache;
  /** Logits predicting the first new token. */
  lastLogits: Float32Array;
  /** Scores of prompt tokens 1.. when requested. */
  scores: PromptTokenScore[];
  /** Last hidden state of every prompt position (`[positions, hidden]`), when requested. */
  hidden: Float32Array | null;
}

/** Runs one prompt through the model, chunk by chunk (runner.prefillChunk positions), at batch size 1. */
export async function prefill(
  ctx: GenerationContext,
  tokens: readonly number[],
  scoreK: number | null,
  signal: AbortSignal | undefined,
  wantHidden = false,
): Promise<PrefillResult> {
  const { runner } = ctx;
  const vocab = runner.spec.vocabSize;
  const chunkSize = runner.prefillChunk;
  let cache = runner.emptyCache(1);
  let lastLogits: Float32Array = new Float32Array(0);
  const scores: PrefillResult['scores'] = [];
  const hiddenChunks: Float32Array[] = [];
  try {
    for (let start = 0; start < tokens.length; start += chunkSize) {
      signal?.throwIfAborted();
      const chunk = tokens.slice(start, start + chunkSize);
      const result = await runner.forward({
        tokens: [chunk],
        padLeft: [0],
        positions: [start],
        cache,
        logits: scoreK === null ? 'last' : 'all',
        hidden: wantHidden,
      });
      cache.dispose();
      cache = result.cache;
      if (scoreK !== null) {
        scores.push(...scorePromptBlock(result.logits, vocab, start, result.rowsPerSequence, tokens, scoreK));
      }
      if (wantHidden) hiddenChunks.push(result.hidden!);
      const rows = result.rowsPerSequence;
      lastLogits = result.logits.subarray((rows - 1) * vocab, rows * vocab);
    }
  } catch (error) {
    cache.dispose();
    throw error;
  }
  return { cache, lastLogits, scores, hidden: wantHidden ? concat(hiddenChunks) : null };
}

function concat(parts: readonly Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * The prefills of a request until its batch is built: each prompt's own, and (guidance) each
 * prompt's unconditional one, a negative prompt's being shared by all prompts.
 */
/**
 * Drops what a prefill computed beyond its KV cache (the last chunk's logits, prompt scores,
 * hidden states) once the prompt's sequences have started from it, so that a request with many
 * prompts holds one cache per prompt until decoding starts, not every prompt's logits too.
 */
export function releaseOutputs(result: PrefillResult): void {
  result.lastLogits = new Float32Array(0);
  result.scores = [];
  result.hidden = null;
}

export class PrefillSet {
  readonly prompts: (PrefillResult | null)[] = [];
  readonly unconditional: (PrefillResult | null)[] = [];
  /** The negative prompt's prefill, run once for the first prompt that needs it. */
  negative: PrefillResult | null = null;

  /** Disposes each distinct cache once and forgets them all. */
  dispose(): void {
    for (const result of new Set([...this.prompts, ...this.unconditional, this.negative])) result?.cache.dispose();
    this.prompts.length = 0;
    this.unconditional.length = 0;
    this.negative = null;
  }
}
