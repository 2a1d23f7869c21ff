/**
 * Bookkeeping of the decoding batch: which sequence each row of the shared KV cache belongs
 * to, each row's left padding, and how the batch shrinks as rows finish or roll back.
 */
import { gatherRows, type KvCache, type ModelRunner } from './model-runner.js';
import type { PrefillSet } from './prefill.js';
import type { Sequence } from './sequence.js';

/** A row of the decoding batch: a sequence, or (guidance) its unconditional twin. */
export interface BatchRow {
  seq: Sequence;
  uncond: boolean;
}

/** The decoding batch: its rows, their shared cache and each row's left padding. */
export interface Batch {
  rows: BatchRow[];
  cache: KvCache;
  padLeft: number[];
}

/** A row kept for the next step: its index in a step's output cache and the positions to roll back. */
export interface RowPick {
  index: number;
  trim: number;
}

/**
 * The first decoding batch: one row per running sequence (under guidance, its unconditional row
 * right after it), each copied from its prompt's prefill. Null when no sequence is running.
 */
export function firstBatch(runner: ModelRunner, sequences: readonly Sequence[], prefills: PrefillSet, guidance: boolean): Batch | null {
  const active = sequences.filter((s) => s.finished === null);
  if (active.length === 0) return null;
  const rows: BatchRow[] = active.flatMap((seq) =>
    guidance ? [{ seq, uncond: false }, { seq, uncond: true }] : [{ seq, uncond: false }],
  );
  const gathered = gatherRows(
    runner,
    rows.map((r) => ({ cache: (r.uncond ? prefills.unconditional : prefills.prompts)[r.seq.prompt]!.cache, row: 0, padLeft: 0 })),
  );
  return { rows, cache: gathered.cache, padLeft: gathered.padLeft };
}

/**
 * The batch of the next step from a step's output cache (which it takes over): `picks` lists,
 * per kept row, its index in `cache` and the trailing positions to roll back. Reuses the cache
 * when it can; null (cache disposed) when no row is kept.
 */
export function nextBatch(
  runner: ModelRunner,
  cache: KvCache,
  rows: readonly BatchRow[],
  padLeft: readonly number[],
  picks: readonly (RowPick | null)[],
): Batch | null {
  const kept = picks.filter((p): p is RowPick => p !== null);
  if (kept.length === 0) {
    cache.dispose();
    return null;
  }
  const unchanged = kept.length === rows.length && kept.every((p, i) => p.index === i && p.trim === 0);
  if (unchanged) return { rows: [...rows], cache, padLeft: [...padLeft] };
  const regathered = gatherRows(
    runner,
    kept.map((p) => ({ cache, row: p.index, padLeft: padLeft[p.index]!, trim: p.trim })),
  );
  cache.dispose();
  return { rows: kept.map((p) => rows[p.index]!), cache: regathered.cache, padLeft: regathered.padLeft };
}
