/** Test support: reference computations without the decode loop, to check the engine against. */
import type { ModelRunner } from '../model-runner.js';

/**
 * One forward pass over the whole of `tokens` from an empty cache (no chunking, no cache reuse):
 * the logits of the last position or of every position, and optionally every position's last
 * hidden state. The results are copies; the pass's caches are disposed.
 */
export async function fullForward(
  runner: ModelRunner,
  tokens: number[],
  logits: 'last' | 'all',
  hidden = false,
): Promise<{ logits: Float32Array; hidden: Float32Array | null }> {
  const empty = runner.emptyCache(1);
  const r = await runner.forward({ tokens: [tokens], padLeft: [0], positions: [0], cache: empty, logits, hidden });
  const out = { logits: r.logits.slice(), hidden: r.hidden ? r.hidden.slice() : null };
  empty.dispose();
  r.cache.dispose();
  return out;
}
