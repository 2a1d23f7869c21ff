/**
 * The decode loop: prefill every prompt, then advance all sequences of the request together,
 * one token per step, in one batched forward pass over a shared KV cache.
 *
 * Layout of a request with P prompts and best_of = B: sequence j = p * B + k is candidate k
 * of prompt p and samples with seed + j, so its tokens depend only on (seed, p, k), never
 * on which other sequences share the batch. Each prompt is prefilled alone (batch 1, in
 * chunks); its cache is then copied into one row per candidate, all prompts' rows left-padded
 * into one batch. Finished rows are dropped from the batch as they finish.
 *
 * Extension points for the advanced decoding issue:
 * - a per-sequence logits mask (grammar): `GenerationPlan.createMask`, passed to the sampler;
 * - extra rows that are not choices (the unconditional row of CFG): rows are plain entries
 *   of `active` with their own position and padding, so a row without output can join;
 * - hidden states (contrastive search): `ModelRunner.forward({ hidden: true })`;
 * - multi-token verification (prompt lookup): `forward` takes several tokens per row and
 *   returns logits for each of them.
 */
import type { LogitsMask, SamplingParams, SequenceState, StepResult, TokenLogprob } from '@textgen-spec/sampling';
import { NoCandidateError, acceptToken, createSequenceState, sampleToken } from '@textgen-spec/sampling';
import { ChoiceOutput, type TokenLogprobEntry } from './choice-output.js';
import { IncrementalDetokenizer, codePointLength, type TokenCodec } from './detokenizer.js';
import { gatherRows, type KvCache, type ModelRunner } from './model-runner.js';
import { scorePromptBlock, type PromptTokenScore } from './prompt-logprobs.js';
import { StopStringMatcher } from './stop-strings.js';
import { EngineRequestError } from './types.js';
import type { CompletionEvent, FinishReason, LogprobsSlice } from './types.js';

/** Prompt positions fed per forward pass during prefill (bounds the size of the logits). */
export const PREFILL_CHUNK = 256;

export interface GenerationContext {
  runner: ModelRunner;
  codec: TokenCodec;
  /** Display string of one token, for top_logprobs keys. */
  tokenString(id: number): string;
  contextLength: number;
  eosTokenIds: ReadonlySet<number>;
}

export interface PreparedPrompt {
  /** Token ids fed to the model (already truncated, BOS applied). */
  tokens: number[];
  /** New tokens allowed for each choice of this prompt (already capped by the context). */
  maxNewTokens: number;
}

export interface GenerationPlan {
  prompts: PreparedPrompt[];
  n: number;
  bestOf: number;
  echo: boolean;
  logprobs: number | null;
  stop: readonly string[];
  skipSpecialTokens: boolean;
  seed: number;
  sampling: SamplingParams;
  /** Optional logits mask for sequence j (grammar constraints plug in here). */
  createMask?: (sequence: number) => LogitsMask | undefined;
}

/** One candidate sequence: its sampler state, its text and its place in the batch. */
class Sequence {
  readonly state: SequenceState;
  readonly detokenizer: IncrementalDetokenizer;
  readonly output: ChoiceOutput;
  readonly mask: LogitsMask | undefined;
  generated = 0;
  logprobSum = 0;
  lastToken = -1;
  finished: FinishReason | null = null;
  /** Events held back until best_of picks the winners; null when streaming directly. */
  readonly held: CompletionEvent[] | null;

  constructor(
    readonly prompt: number,
    readonly candidate: number,
    readonly promptTokens: readonly number[],
    readonly maxNewTokens: number,
    seed: number,
    plan: GenerationPlan,
    codec: TokenCodec,
    offsetBase: number,
    stops: StopStringMatcher,
    mask: LogitsMask | undefined,
  ) {
    this.state = createSequenceState(promptTokens, seed);
    this.detokenizer = new IncrementalDetokenizer(codec, plan.skipSpecialTokens, promptTokens);
    this.output = new ChoiceOutput({ stops, withLogprobs: plan.logprobs !== null, offsetBase });
    this.mask = mask;
    this.held = plan.bestOf > plan.n ? [] : null;
  }

  /** Position id of the next token fed to the model. */
  get nextPosition(): number {
    return this.promptTokens.length + this.generated - 1;
  }

  /** Mean log-probability of the generated tokens: OpenAI's best_of criterion. */
  get meanLogprob(): number {
    return this.generated === 0 ? 0 : this.logprobSum / this.generated;
  }
}

export interface PrefillResult {
  cache: KvCache;
  /** Logits predicting the first new token. */
  lastLogits: Float32Array;
  /** Scores of prompt tokens 1.. when requested. */
  scores: PromptTokenScore[];
}

/** Runs one prompt through the model, chunk by chunk (PREFILL_CHUNK positions), at batch size 1. */
export async function prefill(
  ctx: GenerationContext,
  tokens: readonly number[],
  scoreK: number | null,
  signal: AbortSignal | undefined,
): Promise<PrefillResult> {
  const { runner } = ctx;
  const vocab = runner.spec.vocabSize;
  let cache = runner.emptyCache(1);
  let lastLogits: Float32Array = new Float32Array(0);
  const scores: PrefillResult['scores'] = [];
  try {
    for (let start = 0; start < tokens.length; start += PREFILL_CHUNK) {
      signal?.throwIfAborted();
      const chunk = tokens.slice(start, start + PREFILL_CHUNK);
      const result = await runner.forward({
        tokens: [chunk],
        padLeft: [0],
        positions: [start],
        cache,
        logits: scoreK === null ? 'last' : 'all',
      });
      cache.dispose();
      cache = result.cache;
      if (scoreK !== null) {
        scores.push(...scorePromptBlock(result.logits, vocab, start, result.rowsPerSequence, tokens, scoreK));
      }
      const rows = result.rowsPerSequence;
      lastLogits = result.logits.subarray((rows - 1) * vocab, rows * vocab);
    }
  } catch (error) {
    cache.dispose();
    throw error;
  }
  return { cache, lastLogits, scores };
}

/**
 * Runs a whole request and yields its events: text (prompt-major choice index), one finish
 * per choice, then done. Throws the signal's reason when aborted.
 */
export async function* generate(
  ctx: GenerationContext,
  plan: GenerationPlan,
  signal?: AbortSignal,
): AsyncGenerator<CompletionEvent, void, undefined> {
  const { runner, codec } = ctx;
  const vocab = runner.spec.vocabSize;
  const stops = new StopStringMatcher(plan.stop);
  const out: CompletionEvent[] = [];
  const withLogprobs = plan.logprobs !== null;
  const topK = plan.logprobs ?? 0;

  const bestOfDone = new Set<number>();
  let promptTokenCount = 0;
  let completionTokens = 0;

  const topMap = (top: readonly TokenLogprob[] | undefined, chosen: number, logprob: number): Record<string, number> => {
    const map: Record<string, number> = {};
    for (const t of top ?? []) {
      const key = ctx.tokenString(t.token);
      if (!(key in map)) map[key] = t.logprob;
    }
    // OpenAI lists the sampled token too (up to logprobs + 1 entries).
    const key = ctx.tokenString(chosen);
    if (!(key in map)) map[key] = logprob;
    return map;
  };

  const emit = (seq: Sequence, event: CompletionEvent): void => {
    if (seq.held) seq.held.push(event);
    else out.push(event);
  };
  const choiceIndex = (seq: Sequence): number => seq.prompt * plan.n + seq.candidate;

  const emitRelease = (seq: Sequence, release: { text: string; logprobs: LogprobsSlice | null } | null): void => {
    if (release) emit(seq, { type: 'text', index: choiceIndex(seq), text: release.text, logprobs: release.logprobs });
  };

  const finish = (seq: Sequence, reason: FinishReason): void => {
    if (!seq.output.stopped) emitRelease(seq, seq.output.appendToLastToken(seq.detokenizer.flush()));
    emitRelease(seq, seq.output.finish());
    seq.finished = seq.output.stopped ? 'stop' : reason;
    emit(seq, { type: 'finish', index: choiceIndex(seq), finish_reason: seq.finished });
  };

  /** Samples the next token of `seq` from its logits row and updates its text. */
  const advance = (seq: Sequence, logits: Float32Array): void => {
    let step: StepResult;
    try {
      step = sampleToken(logits, seq.state, plan.sampling, seq.mask);
    } catch (error) {
      // The request's bans left nothing to sample: a 400, not a server fault.
      if (error instanceof NoCandidateError) {
        const { suppress_tokens, logit_bias } = plan.sampling;
        const param =
          suppress_tokens.length > 0 ? 'custom_token_bans' : Object.keys(logit_bias).length > 0 ? 'logit_bias' : 'no_repeat_ngram_size';
        throw new EngineRequestError(
          'No token can be sampled: custom_token_bans, ban_eos_token, logit_bias and no_repeat_ngram_size together removed every token of the vocabulary.',
          param,
          'no_candidates',
        );
      }
      throw error;
    }
    acceptToken(seq.state, step.token);
    seq.generated++;
    completionTokens++;
    // The sampler computes the chosen token's logprob only when logprobs or best_of need it.
    const logprob = step.logprob ?? 0;
    seq.logprobSum += logprob;
    seq.lastToken = step.token;
    const entry: TokenLogprobEntry | null = withLogprobs
      ? { logprob, top: topMap(step.top_logprobs, step.token, logprob) }
      : null;
    if (ctx.eosTokenIds.has(step.token)) {
      // EOS ends the choice without text; with logprobs it keeps its entry (empty text), so
      // there is one entry per generated token.
      emitRelease(seq, seq.output.appendToLastToken(seq.detokenizer.flush()));
      if (entry && !seq.output.stopped) emitRelease(seq, seq.output.push('', entry));
      finish(seq, 'stop');
      return;
    }
    emitRelease(seq, seq.output.push(seq.detokenizer.push(step.token), entry));
    if (seq.output.stopped) finish(seq, 'stop');
    else if (seq.generated >= seq.maxNewTokens) finish(seq, 'length');
  };

  // ---- Sequences, echo and prefill, prompt by prompt ------------------------------------
  const sequences: Sequence[] = [];
  const prefills: (PrefillResult | null)[] = [];
  let batchCache: KvCache | null = null;
  try {
    for (let p = 0; p < plan.prompts.length; p++) {
      const prompt = plan.prompts[p]!;
      promptTokenCount += prompt.tokens.length;
      const wantScores = plan.echo && withLogprobs;
      const needPrefill = prompt.maxNewTokens > 0 || wantScores;
      const result = needPrefill ? await prefill(ctx, prompt.tokens, wantScores ? topK : null, signal) : null;
      prefills.push(result);

      // The prompt as text, token by token (echo shows it; offsets count from its start).
      const echo = plan.echo ? echoSlice(ctx, prompt.tokens, plan, result, topMap) : null;
      const offsetBase = echo
        ? codePointLength(echo.text)
        : withLogprobs
          ? codePointLength(codec.decode(prompt.tokens, plan.skipSpecialTokens))
          : 0;

      for (let k = 0; k < plan.bestOf; k++) {
        const j = p * plan.bestOf + k;
        const seq = new Sequence(
          p,
          k,
          prompt.tokens,
          prompt.maxNewTokens,
          plan.seed + j,
          plan,
          codec,
          offsetBase,
          stops,
          plan.createMask?.(j),
        );
        sequences.push(seq);
        if (echo && (echo.text !== '' || echo.logprobs)) {
          emit(seq, { type: 'text', index: choiceIndex(seq), text: echo.text, logprobs: echo.logprobs });
        }
        if (prompt.maxNewTokens === 0) finish(seq, 'length');
        else advance(seq, result!.lastLogits);
      }
      yield* flushOut(out);
    }

    // ---- Batched decoding ---------------------------------------------------------------
    let active = sequences.filter((s) => s.finished === null);
    if (active.length > 0) {
      const gathered = gatherRows(
        runner,
        active.map((s) => ({ cache: prefills[s.prompt]!.cache, row: 0, padLeft: 0 })),
      );
      batchCache = gathered.cache;
      let padLeft = gathered.padLeft;
      for (const result of prefills) result?.cache.dispose();
      prefills.length = 0;

      while (active.length > 0) {
        signal?.throwIfAborted();
        const result = await runner.forward({
          tokens: active.map((s) => [s.lastToken]),
          padLeft,
          positions: active.map((s) => s.nextPosition),
          cache: batchCache,
          logits: 'last',
        });
        batchCache.dispose();
        batchCache = result.cache;
        active.forEach((seq, i) => advance(seq, result.logits.subarray(i * vocab, (i + 1) * vocab)));

        const keep: number[] = [];
        active.forEach((s, i) => {
          if (s.finished === null) keep.push(i);
        });
        if (keep.length < active.length && keep.length > 0) {
          const previous: KvCache = batchCache;
          const regathered = gatherRows(
            runner,
            keep.map((i) => ({ cache: previous, row: i, padLeft: padLeft[i]! })),
          );
          previous.dispose();
          batchCache = regathered.cache;
          padLeft = regathered.padLeft;
        }
        active = keep.map((i) => active[i]!);
        yield* releaseBestOf(sequences, plan, bestOfDone, out);
        yield* flushOut(out);
      }
    }
    yield* releaseBestOf(sequences, plan, bestOfDone, out);
    yield* flushOut(out);
    yield {
      type: 'done',
      usage: {
        prompt_tokens: promptTokenCount,
        completion_tokens: completionTokens,
        total_tokens: promptTokenCount + completionTokens,
      },
      seed: plan.seed,
    };
  } finally {
    batchCache?.dispose();
    for (const result of prefills) result?.cache.dispose();
  }
}

function* flushOut(out: CompletionEvent[]): Generator<CompletionEvent> {
  while (out.length > 0) yield out.shift()!;
}

/**
 * best_of > n: once every candidate of a prompt has finished, the n with the highest mean
 * token log-probability become its choices, best first.
 */
function* releaseBestOf(
  sequences: readonly Sequence[],
  plan: GenerationPlan,
  done: Set<number>,
  out: CompletionEvent[],
): Generator<CompletionEvent> {
  if (plan.bestOf === plan.n) return;
  for (let p = 0; p < plan.prompts.length; p++) {
    const candidates = sequences.slice(p * plan.bestOf, (p + 1) * plan.bestOf);
    if (done.has(p) || candidates.length === 0 || candidates.some((s) => s.finished === null)) continue;
    done.add(p);
    const ranked = [...candidates].sort((a, b) => b.meanLogprob - a.meanLogprob || a.candidate - b.candidate);
    ranked.slice(0, plan.n).forEach((seq, rank) => {
      for (const event of seq.held!) {
        if (event.type === 'text' || event.type === 'finish') out.push({ ...event, index: p * plan.n + rank });
      }
    });
  }
  yield* flushOut(out);
}

/** The echoed prompt: its text (token pieces joined) and, with logprobs, its slice. */
function echoSlice(
  ctx: GenerationContext,
  tokens: readonly number[],
  plan: GenerationPlan,
  prefillResult: PrefillResult | null,
  topMap: (top: readonly TokenLogprob[] | undefined, chosen: number, logprob: number) => Record<string, number>,
): { text: string; logprobs: LogprobsSlice | null } {
  const detokenizer = new IncrementalDetokenizer(ctx.codec, plan.skipSpecialTokens);
  const pieces = tokens.map((id) => detokenizer.push(id));
  const rest = detokenizer.flush();
  if (rest !== '' && pieces.length > 0) pieces[pieces.length - 1] += rest;
  const text = pieces.join('');
  if (plan.logprobs === null) return { text, logprobs: null };
  const slice: LogprobsSlice = { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] };
  let offset = 0;
  pieces.forEach((piece, i) => {
    slice.tokens.push(piece);
    slice.text_offset.push(offset);
    offset += codePointLength(piece);
    if (i === 0) {
      slice.token_logprobs.push(null);
      slice.top_logprobs.push(null);
    } else {
      const score = prefillResult!.scores[i - 1]!;
      slice.token_logprobs.push(score.logprob);
      slice.top_logprobs.push(topMap(score.top, tokens[i]!, score.logprob));
    }
  });
  return { text, logprobs: slice };
}
