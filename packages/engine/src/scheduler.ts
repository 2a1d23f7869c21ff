/**
 * Continuous batching across requests: one scheduler per loaded model owns the running decoding
 * batch. A request is admitted within the row and token budget (`BatchLimits`), prefilled on
 * its own (generation.ts), then its rows join the running batch before the next step; rows
 * leave the batch as soon as they finish or their request is cancelled, fails or is stopped.
 * Each step is one forward pass over every request's rows (decode-step.ts); each row samples
 * with its own sequence's Rng and sampler state, so a request's tokens depend only on its own
 * seed and inputs, never on which requests share the step.
 *
 * Prefill forward passes and the solo steps of requests that cannot share a step (contrastive
 * search, prompt lookup: see generation.ts) go through the same ModelRunner, whose calls run
 * one at a time in arrival order: they interleave with the shared steps, so neither waits
 * longer than one step of the other.
 */
import { mergeBatch, type Batch, type Joining } from './batch.js';
import { releaseBestOf } from './best-of.js';
import { decodeStep } from './decode-step.js';
import type { GenerationContext, GenerationPlan } from './generation-plan.js';
import type { PrefillSet } from './prefill.js';
import type { RequestRun } from './request-run.js';
import type { BatchLimits, BatchStats } from './types.js';

export const DEFAULT_BATCH_LIMITS: Readonly<BatchLimits> = { maxRows: 16, maxTokens: 65_536 };

/** The limits given (undefined fields take the defaults), checked: each an integer >= 1. */
export function batchLimits(given: Partial<BatchLimits> = {}): BatchLimits {
  const limits = { ...DEFAULT_BATCH_LIMITS };
  for (const name of Object.keys(limits) as (keyof BatchLimits)[]) {
    const value = given[name];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`batch limit ${name} must be an integer >= 1, got ${value}`);
    limits[name] = value;
  }
  return limits;
}

/** A request's share of the limits, reserved from admission until it ends. */
export interface Reservation {
  rows: number;
  tokens: number;
}

/** The rows and KV positions a plan may hold at its widest. */
export function reservationOf(plan: GenerationPlan): Reservation {
  const perSequence = (plan.guidance ? 2 : 1) * (plan.contrastive ? plan.contrastive.topK : 1);
  let rows = 0;
  let tokens = 0;
  for (const prompt of plan.prompts) {
    rows += plan.bestOf * perSequence;
    tokens += plan.bestOf * perSequence * (prompt.tokens.length + prompt.maxNewTokens + plan.promptLookup);
  }
  return { rows, tokens };
}

interface Waiter {
  need: Reservation;
  grant: () => void;
}

export class BatchScheduler {
  private batch: Batch | null = null;
  private readonly joining: Joining[] = [];
  /** Requests in the batch or joining it: each is notified after every step. */
  private readonly runs = new Set<RequestRun>();
  /** The running step loop, null when idle. */
  private looping: Promise<void> | null = null;
  private readonly used: Reservation = { rows: 0, tokens: 0 };
  private readonly waiters: Waiter[] = [];

  constructor(
    private readonly ctx: GenerationContext,
    readonly limits: Readonly<BatchLimits>,
  ) {}

  /** Most rows one shared step has held. */
  private peakRows = 0;
  /** Rows of the step running now (or of the next one, between steps). */
  private rowsNow = 0;

  stats(): BatchStats {
    return { forwardPasses: this.ctx.runner.passes, rows: this.rowsNow, peakRows: this.peakRows, waiting: this.waiters.length };
  }

  /**
   * Waits (first come, first served) until `need` fits beside the running requests and resolves
   * with its release (idempotent). Rejects with the signal's reason when it aborts first.
   */
  admit(need: Reservation, signal: AbortSignal | undefined): Promise<() => void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = (): void => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        reject(signal!.reason);
        this.pump();
      };
      const waiter: Waiter = {
        need,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.take(need));
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      this.pump();
    });
  }

  private fits(need: Reservation): boolean {
    const { used, limits } = this;
    if (used.rows === 0) return true;
    return used.rows + need.rows <= limits.maxRows && used.tokens + need.tokens <= limits.maxTokens;
  }

  private pump(): void {
    while (this.waiters.length > 0 && this.fits(this.waiters[0]!.need)) this.waiters.shift()!.grant();
  }

  private take(need: Reservation): () => void {
    this.used.rows += need.rows;
    this.used.tokens += need.tokens;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used.rows -= need.rows;
      this.used.tokens -= need.tokens;
      this.pump();
    };
  }

  /**
   * Adds a prefilled request's running sequences to the batch at the next step; the scheduler
   * takes over `prefills` (disposed once copied). The request's generate() then waits for
   * `run.notify()`, which follows every step.
   */
  join(run: RequestRun, prefills: PrefillSet): void {
    this.joining.push({ run, prefills });
    this.runs.add(run);
    this.looping ??= this.loop();
  }

  /**
   * Resolves once no step runs (every request has left: the loop ends after the step in flight);
   * the engine waits for it before disposing the model.
   */
  async idle(): Promise<void> {
    while (this.looping) await this.looping;
  }

  private async loop(): Promise<void> {
    try {
      while (this.batch !== null || this.joining.length > 0) {
        await this.step();
        // onnxruntime-node runs a forward pass synchronously on this thread, so a request that
        // arrives during a step (a message from the HTTP thread, a timer) is only read at the
        // next turn of the event loop. Without this turn the next step would already be queued
        // by then, and the new request's prefill would wait for it too.
        await nextTurn();
      }
    } catch (error) {
      // Not expected (step() fails requests, not the loop); never leave a request waiting.
      this.failAll(error);
    } finally {
      this.looping = null;
    }
  }

  /** One step: stopped requests finish, rows leave and join, one forward pass, then every request is notified. */
  private async step(): Promise<void> {
    for (const run of this.runs) if (run.stop.requested && run.decoding) run.stopEverySequence();
    const joining = this.joining.splice(0);
    try {
      this.batch = mergeBatch(
        this.ctx.runner,
        this.batch,
        joining.filter((j) => j.run.decoding),
      );
    } catch (error) {
      this.failAll(error);
    } finally {
      for (const j of joining) j.prefills.dispose();
    }
    const current = this.batch;
    this.batch = null; // owned by the step until it returns the next one
    if (current !== null) {
      this.rowsNow = current.rows.length;
      this.peakRows = Math.max(this.peakRows, this.rowsNow);
      try {
        this.batch = await decodeStep(this.ctx, current);
      } catch (error) {
        this.failAll(error);
      }
    }
    this.rowsNow = this.batch?.rows.length ?? 0;
    for (const run of this.runs) {
      releaseBestOf(run);
      if (run.done || !run.decoding) this.runs.delete(run);
      run.notify();
    }
  }

  /** A step failed for a reason no single request caused (the runtime): every request in it fails. */
  private failAll(error: unknown): void {
    this.batch?.cache.dispose();
    this.batch = null;
    for (const run of this.runs) if (!run.done) run.fail(error);
  }
}

/**
 * Resolves at the next turn of the event loop, after the I/O and timers that are due. Every
 * decode loop (this one, and generation.ts's for requests that decode alone) takes one between
 * its steps, so that the loops and newly arrived prefills queue their passes in turn.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
