/**
 * The running state of one request shared by every decoding stage: its sequences, the events
 * waiting to be yielded, the token counts, and what happens to a chosen token (sampler and
 * grammar state, text, logprobs, the end checks).
 */
import type { SamplingParams, TokenLogprob } from '@textgen-spec/sampling';
import { MAX_TOP_LOGPROBS, NoCandidateError, acceptToken, logprobsAt, sampleToken } from '@textgen-spec/sampling';
import { topLogprobsRecord, type TextRelease, type TokenLogprobEntry } from './choice-output.js';
import type { GenerationContext, GenerationPlan } from './generation-plan.js';
import { guidedScores } from './guidance.js';
import type { Sequence } from './sequence.js';
import { StopStringMatcher } from './stop-strings.js';
import { EngineRequestError } from './types.js';
import type { CompletionEvent, FinishReason } from './types.js';

/** The logprob of a chosen token (null when not wanted) and, with logprobs, its top list. */
export interface CapturedLogprobs {
  logprob: number | null;
  top?: readonly TokenLogprob[] | undefined;
}

/** Set `requested` to end a running generation cleanly at its next step (Engine.stopAll). */
export interface StopRequest {
  requested: boolean;
}

export class RequestRun {
  readonly sequences: Sequence[] = [];
  /**
   * True while the request's rows may stay in a decoding batch; false once it failed, was
   * cancelled, or its consumer left (the batch drops its rows before the next step).
   */
  decoding = true;
  /** Why the request failed in a shared step (thrown by its own generate()). */
  failure: unknown = null;
  private wake: (() => void) | null = null;
  readonly stops: StopStringMatcher;
  /** Events ready to be yielded, in order. */
  readonly out: CompletionEvent[] = [];
  promptTokens = 0;
  completionTokens = 0;
  /** best_of: prompts whose ranked choices have been released. */
  readonly bestOfDone = new Set<number>();
  readonly withLogprobs: boolean;
  /** The chosen token's logprob is needed for logprobs, and for best_of's ranking. */
  private readonly wantLogprob: boolean;
  /**
   * Under guidance the sampler sees guided scores, so logprobs are captured separately, from
   * the raw conditional logits (their documented capture point).
   */
  private readonly guidedParams: SamplingParams;
  private readonly guided: Float32Array | null;

  constructor(
    readonly ctx: GenerationContext,
    readonly plan: GenerationPlan,
    readonly stop: StopRequest = { requested: false },
  ) {
    this.stops = new StopStringMatcher(plan.stop);
    this.withLogprobs = plan.logprobs !== null;
    this.wantLogprob = this.withLogprobs || plan.sampling.chosen_logprob === true;
    this.guidedParams = { ...plan.sampling, logprobs: null, chosen_logprob: false };
    this.guided = plan.guidance ? new Float32Array(ctx.runner.spec.vocabSize) : null;
  }

  /** True once every sequence has finished. */
  get done(): boolean {
    return this.sequences.every((s) => s.finished !== null);
  }

  /** A step touched this request (events, finish, failure): its generate() wakes up. */
  notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** The request failed in a shared step: its rows leave and its generate() throws `error`. */
  fail(error: unknown): void {
    if (this.failure === null) this.failure = error;
    this.decoding = false;
    this.notify();
  }

  /** Waits for the next notify(); rejects with the signal's reason when it aborts first. */
  changed(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(signal!.reason);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
    });
  }

  /** Ends every unfinished sequence with finish_reason stop (its held text is released first). */
  stopEverySequence(): void {
    for (const seq of this.sequences) if (seq.finished === null) this.finish(seq, 'stop');
  }

  /** Yields the events waiting in `out`. */
  *flush(): Generator<CompletionEvent> {
    while (this.out.length > 0) yield this.out.shift()!;
  }

  /** The output choice index of a sequence that is not ranked by best_of (prompt-major). */
  choiceIndex(seq: Sequence): number {
    return seq.prompt * this.plan.n + seq.candidate;
  }

  emit(seq: Sequence, event: CompletionEvent): void {
    if (seq.held) seq.held.push(event);
    else this.out.push(event);
  }

  private emitRelease(seq: Sequence, release: TextRelease | null): void {
    if (release) this.emit(seq, { type: 'text', index: this.choiceIndex(seq), text: release.text, logprobs: release.logprobs });
  }

  /** Ends a sequence: the text still held is released, then its finish event. */
  finish(seq: Sequence, reason: FinishReason): void {
    if (!seq.output.stopped) this.emitRelease(seq, seq.output.appendToLastToken(seq.detokenizer.flush()));
    this.emitRelease(seq, seq.output.finish());
    seq.finished = seq.output.stopped ? 'stop' : reason;
    this.emit(seq, { type: 'finish', index: this.choiceIndex(seq), finish_reason: seq.finished });
  }

  /** Logprob data of a chosen token, from the raw (conditional) logits that predicted it. */
  captureLogprobs(logits: Float32Array, token: number): CapturedLogprobs {
    if (!this.wantLogprob) return { logprob: null };
    const captured = logprobsAt(logits, token, this.withLogprobs ? Math.min(this.plan.logprobs ?? 0, MAX_TOP_LOGPROBS) : 0);
    return { logprob: captured.logprob, top: captured.top_logprobs };
  }

  /** Appends the chosen token to `seq`: sampler and grammar state, text, logprobs, and the end checks. */
  accept(seq: Sequence, token: number, { logprob, top }: CapturedLogprobs): void {
    acceptToken(seq.state, token);
    seq.generated++;
    this.completionTokens++;
    seq.logprobSum += logprob ?? 0;
    seq.lastToken = token;
    const entry: TokenLogprobEntry | null = this.withLogprobs
      ? { logprob: logprob ?? 0, top: topLogprobsRecord(this.ctx.tokenString, top, token, logprob ?? 0) }
      : null;
    if (this.ctx.eosTokenIds.has(token)) {
      // EOS ends the choice without text; with logprobs it keeps its entry (empty text), so
      // there is one entry per generated token.
      this.emitRelease(seq, seq.output.appendToLastToken(seq.detokenizer.flush()));
      if (entry && !seq.output.stopped) this.emitRelease(seq, seq.output.push('', entry));
      this.finish(seq, 'stop');
      return;
    }
    seq.grammar?.accept(token);
    this.emitRelease(seq, seq.output.push(seq.detokenizer.push(token), entry));
    if (seq.output.stopped) this.finish(seq, 'stop');
    // The grammar is complete and nothing may follow: the choice is done, as with EOS.
    else if (seq.grammar?.isExhausted()) this.finish(seq, 'stop');
    else if (seq.generated >= seq.maxNewTokens) this.finish(seq, 'length');
  }

  /**
   * Samples the next token of `seq` from its logits row (under guidance, from the guided
   * scores of its conditional and unconditional rows) and accepts it.
   */
  sampleNext(seq: Sequence, logits: Float32Array, uncond: Float32Array | null): void {
    const { plan } = this;
    try {
      if (uncond === null) {
        const step = sampleToken(logits, seq.state, plan.sampling, seq.mask);
        this.accept(seq, step.token, { logprob: step.logprob, top: step.top_logprobs });
      } else {
        const scores = guidedScores(logits, uncond, plan.guidance!.scale, this.guided!);
        const step = sampleToken(scores, seq.state, this.guidedParams, seq.mask);
        this.accept(seq, step.token, this.captureLogprobs(logits, step.token));
      }
    } catch (error) {
      throw error instanceof NoCandidateError ? noCandidateError(error, plan) : error;
    }
  }
}

/**
 * The 400 for a step where nothing can be sampled because of the request (its bans or its
 * grammar left no token). Logits that are all -Infinity are the model's fault, not a 400.
 */
export function noCandidateError(error: NoCandidateError, plan: GenerationPlan): Error {
  if (error.stage === 'logits') return error;
  const param =
    error.stage === 'mask' ? 'grammar_string' : (error.param ?? (plan.grammar ? 'grammar_string' : 'custom_token_bans'));
  return new EngineRequestError(
    `No token can be sampled: ${error.message.replace(/^no token can be sampled: /, '')}.`,
    param,
    'no_candidates',
  );
}
