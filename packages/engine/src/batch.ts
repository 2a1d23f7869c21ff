/**
 * Bookkeeping of the decoding batch: which sequence each row of the shared KV cache belongs
 * to, each row's left padding, and how the batch shrinks as rows finish or roll back.
 */
import { gatherRows, type KvCache, type ModelRunner, type RowSource } from './model-runner.js';
import type { PrefillSet } from './prefill.js';
import type { RequestRun } from './request-run.js';
import type { Sequence } from './sequence.js';

/**
 * A row of the decoding batch: a sequence, or (guidance) its unconditional twin, and the
 * request it belongs to (a shared batch holds rows of several requests).
 */
export interface BatchRow {
  run: RequestRun;
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

/** A request whose prefilled rows are waiting to enter a batch. */
export interface Joining {
  run: RequestRun;
  prefills: PrefillSet;
}

/** The rows a request adds to a batch: one per running sequence, under guidance its unconditional row right after it. */
export function requestRows(run: RequestRun): BatchRow[] {
  const guidance = run.plan.guidance !== null;
  return run.sequences
    .filter((seq) => seq.finished === null)
    .flatMap((seq) => (guidance ? [{ run, seq, uncond: false }, { run, seq, uncond: true }] : [{ run, seq, uncond: false }]));
}

/**
 * The first decoding batch of a request: its rows, each copied from its prompt's prefill. Null
 * when no sequence is running.
 */
export function firstBatch(runner: ModelRunner, run: RequestRun, prefills: PrefillSet): Batch | null {
  return mergeBatch(runner, null, [{ run, prefills }]);
}

/**
 * A batch of the rows of `current` whose request still runs (see RequestRun.decoding) followed
 * by the rows of the joining requests, copied from their prefills: one copy of the caches, done
 * only when a row leaves or joins. Disposes `current`'s cache when it builds a new one; the
 * joining prefills stay their owners'. Null (cache disposed) when no row is left.
 */
export function mergeBatch(runner: ModelRunner, current: Batch | null, joining: readonly Joining[]): Batch | null {
  const kept = current ? current.rows.flatMap((row, index) => (row.run.decoding && row.seq.finished === null ? [index] : [])) : [];
  if (current && joining.length === 0 && kept.length === current.rows.length) return current;
  const added = joining.flatMap((j) => requestRows(j.run).map((row) => ({ row, prefills: j.prefills })));
  const sources: RowSource[] = [
    ...kept.map((index) => ({ cache: current!.cache, row: index, padLeft: current!.padLeft[index]! })),
    ...added.map(({ row, prefills }) => ({ cache: (row.uncond ? prefills.unconditional : prefills.prompts)[row.seq.prompt]!.cache, row: 0, padLeft: 0 })),
  ];
  const rows = [...kept.map((index) => current!.rows[index]!), ...added.map((a) => a.row)];
  const gathered = rows.length > 0 ? gatherRows(runner, sources) : null;
  current?.cache.dispose();
  return gathered ? { rows, cache: gathered.cache, padLeft: gathered.padLeft } : null;
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
