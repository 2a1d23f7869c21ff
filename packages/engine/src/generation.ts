/**
 * The decode loop: prefill every prompt, then advance all sequences of the request together
 * in one batched forward pass per step over a shared KV cache.
 *
 * Layout of a request with P prompts and best_of = B: sequence j = p * B + k is candidate k
 * of prompt p and samples with seed + j, so its tokens depend only on (seed, p, k), never
 * on which other sequences share the batch. Each prompt is prefilled alone (batch 1, in
 * chunks); its cache is then copied into one row per candidate, all prompts' rows left-padded
 * into one batch. Finished rows are dropped from the batch as they finish.
 *
 * The advanced decoding parameters live in the same loop:
 * - grammar_string: each sequence has its own grammar state; its mask removes the tokens the
 *   grammar does not allow before the sampler chain runs, and the sequence ends ("stop") as
 *   soon as nothing may follow.
 * - guidance_scale: each sequence has a second, unconditional row in the same batch (its own
 *   KV cache row and positions, no output of its own), fed the same sampled tokens; the
 *   sampler sees the guided scores (guidance.ts).
 * - prompt_lookup_num_tokens: a step feeds the last token plus a draft copied from the context
 *   (prompt-lookup.ts) and gets logits for each of them in the one forward pass. Tokens are then
 *   sampled position by position exactly as plain decoding would sample them, and verification
 *   stops at the first sampled token that differs from the draft (that token is kept: it was
 *   sampled in the right context). Every random draw therefore belongs to a kept token, so the
 *   Rng and mirostat's mu advance as in plain decoding and need no snapshot; the cache positions
 *   of rejected draft tokens are rolled back (`gatherRows` with `trim`).
 * - penalty_alpha: contrastive search (contrastive.ts) replaces sampling. Each step feeds every
 *   sequence's top_k candidates as rows of one batch, asks for their last hidden states, and
 *   keeps the row of the chosen candidate: its logits and cache are the next step's.
 */
import type { GrammarConstraint, GrammarState, LogitsMask, SamplingParams, SequenceState, TokenLogprob } from '@textgen-spec/sampling';
import {
  MAX_TOP_LOGPROBS,
  NoCandidateError,
  acceptToken,
  createSequenceState,
  logprobsAt,
  processLogits,
  sampleToken,
} from '@textgen-spec/sampling';
import { ChoiceOutput, type TokenLogprobEntry } from './choice-output.js';
import { HiddenContext, selectContrastive, topCandidates, type ContrastiveCandidate } from './contrastive.js';
import { IncrementalDetokenizer, codePointLength, type TokenCodec } from './detokenizer.js';
import { guidedScores } from './guidance.js';
import { gatherRows, type ForwardResult, type KvCache, type ModelRunner, type RowSource } from './model-runner.js';
import { scorePromptBlock, type PromptTokenScore } from './prompt-logprobs.js';
import { lookupDraft } from './prompt-lookup.js';
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

/** Classifier-free guidance (guidance_scale other than 1). */
export interface GuidancePlan {
  scale: number;
  /** Tokens the unconditional sequence starts from; null: the last token of each prompt. */
  negativeTokens: number[] | null;
}

/** Contrastive search (penalty_alpha > 0). */
export interface ContrastivePlan {
  alpha: number;
  /** Candidates ranked per step. */
  topK: number;
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
  /** grammar_string, compiled for the model's vocabulary; each sequence starts its own state. */
  grammar: GrammarConstraint | null;
  guidance: GuidancePlan | null;
  contrastive: ContrastivePlan | null;
  /** prompt_lookup_num_tokens: most draft tokens verified per step (0: off). */
  promptLookup: number;
}

/** One candidate sequence: its sampler state, its text and its place in the batch. */
class Sequence {
  readonly state: SequenceState;
  readonly detokenizer: IncrementalDetokenizer;
  readonly output: ChoiceOutput;
  readonly grammar: GrammarState | null;
  readonly mask: LogitsMask | undefined;
  generated = 0;
  logprobSum = 0;
  lastToken = -1;
  finished: FinishReason | null = null;
  /** Events held back until best_of picks the winners; null when streaming directly. */
  readonly held: CompletionEvent[] | null;
  /** Contrastive search: the raw logits predicting the next token (its last token is cached). */
  pending: Float32Array | null = null;
  /** Contrastive search: the unit-length hidden states of every position so far. */
  hidden: HiddenContext | null = null;

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
    /** Guidance: length of the unconditional context (0 without guidance). */
    readonly uncondLength: number,
  ) {
    this.state = createSequenceState(promptTokens, seed);
    this.detokenizer = new IncrementalDetokenizer(codec, plan.skipSpecialTokens, promptTokens);
    this.output = new ChoiceOutput({ stops, withLogprobs: plan.logprobs !== null, offsetBase });
    const grammar = plan.grammar?.start() ?? null;
    this.grammar = grammar;
    this.mask = grammar ? (logits) => grammar.mask(logits) : undefined;
    this.held = plan.bestOf > plan.n ? [] : null;
  }

  /** Position id of the next token fed to the model (the last sampled one). */
  get nextPosition(): number {
    return this.promptTokens.length + this.generated - 1;
  }

  /** Guidance: position id of the next token fed to the unconditional row. */
  get uncondPosition(): number {
    return this.uncondLength + this.generated - 1;
  }

  /** Mean log-probability of the generated tokens: OpenAI's best_of criterion. */
  get meanLogprob(): number {
    return this.generated === 0 ? 0 : this.logprobSum / this.generated;
  }
}

/** A row of the decoding batch: a sequence, or (guidance) its unconditional twin. */
interface BatchRow {
  seq: Sequence;
  uncond: boolean;
}

/** The decoding batch: its rows, their shared cache and each row's left padding. */
interface Batch {
  rows: BatchRow[];
  cache: KvCache;
  padLeft: number[];
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

/** Runs one prompt through the model, chunk by chunk (PREFILL_CHUNK positions), at batch size 1. */
export async function prefill(
  ctx: GenerationContext,
  tokens: readonly number[],
  scoreK: number | null,
  signal: AbortSignal | undefined,
  wantHidden = false,
): Promise<PrefillResult> {
  const { runner } = ctx;
  const vocab = runner.spec.vocabSize;
  let cache = runner.emptyCache(1);
  let lastLogits: Float32Array = new Float32Array(0);
  const scores: PrefillResult['scores'] = [];
  const hiddenChunks: Float32Array[] = [];
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
 * The 400 for a step where nothing can be sampled because of the request (its bans or its
 * grammar left no token). Logits that are all -Infinity are the model's fault, not a 400.
 */
function noCandidateError(error: NoCandidateError, plan: GenerationPlan): Error {
  if (error.stage === 'logits') return error;
  const param =
    error.stage === 'mask' ? 'grammar_string' : (error.param ?? (plan.grammar ? 'grammar_string' : 'custom_token_bans'));
  return new EngineRequestError(
    `No token can be sampled: ${error.message.replace(/^no token can be sampled: /, '')}.`,
    param,
    'no_candidates',
  );
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
  // The chosen token's logprob is needed for logprobs, and for best_of's ranking.
  const wantLogprob = withLogprobs || plan.sampling.chosen_logprob === true;
  const { guidance, contrastive } = plan;
  // Under guidance the sampler sees guided scores, so logprobs are captured separately, from
  // the raw conditional logits (their documented capture point).
  const guidedParams: SamplingParams = { ...plan.sampling, logprobs: null, chosen_logprob: false };
  const guided = guidance ? new Float32Array(vocab) : null;

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

  /** Logprob data of a chosen token, from the raw (conditional) logits that predicted it. */
  const captureLogprobs = (logits: Float32Array, token: number): { logprob: number | null; top?: TokenLogprob[] } => {
    if (!wantLogprob) return { logprob: null };
    const captured = logprobsAt(logits, token, withLogprobs ? Math.min(topK, MAX_TOP_LOGPROBS) : 0);
    return { logprob: captured.logprob, top: captured.top_logprobs };
  };

  /** Appends the chosen token to `seq`: sampler and grammar state, text, logprobs, and the end checks. */
  const accept = (seq: Sequence, token: number, logprob: number | null, top: readonly TokenLogprob[] | undefined): void => {
    acceptToken(seq.state, token);
    seq.generated++;
    completionTokens++;
    seq.logprobSum += logprob ?? 0;
    seq.lastToken = token;
    const entry: TokenLogprobEntry | null = withLogprobs
      ? { logprob: logprob ?? 0, top: topMap(top, token, logprob ?? 0) }
      : null;
    if (ctx.eosTokenIds.has(token)) {
      // EOS ends the choice without text; with logprobs it keeps its entry (empty text), so
      // there is one entry per generated token.
      emitRelease(seq, seq.output.appendToLastToken(seq.detokenizer.flush()));
      if (entry && !seq.output.stopped) emitRelease(seq, seq.output.push('', entry));
      finish(seq, 'stop');
      return;
    }
    seq.grammar?.accept(token);
    emitRelease(seq, seq.output.push(seq.detokenizer.push(token), entry));
    if (seq.output.stopped) finish(seq, 'stop');
    // The grammar is complete and nothing may follow: the choice is done, as with EOS.
    else if (seq.grammar?.isExhausted()) finish(seq, 'stop');
    else if (seq.generated >= seq.maxNewTokens) finish(seq, 'length');
  };

  /**
   * Samples the next token of `seq` from its logits row (under guidance, from the guided
   * scores of its conditional and unconditional rows) and accepts it.
   */
  const sampleNext = (seq: Sequence, logits: Float32Array, uncond: Float32Array | null): void => {
    try {
      if (uncond === null) {
        const step = sampleToken(logits, seq.state, plan.sampling, seq.mask);
        accept(seq, step.token, step.logprob, step.top_logprobs);
      } else {
        const step = sampleToken(guidedScores(logits, uncond, guidance!.scale, guided!), seq.state, guidedParams, seq.mask);
        const { logprob, top } = captureLogprobs(logits, step.token);
        accept(seq, step.token, logprob, top);
      }
    } catch (error) {
      throw error instanceof NoCandidateError ? noCandidateError(error, plan) : error;
    }
  };

  // ---- Sequences, echo and prefill, prompt by prompt ------------------------------------
  const sequences: Sequence[] = [];
  const prefills: (PrefillResult | null)[] = [];
  // Guidance: the unconditional context of each prompt (one shared prefill for a negative prompt).
  const uncondPrefills: (PrefillResult | null)[] = [];
  let negativePrefill: PrefillResult | null = null;
  let batch: Batch | null = null;
  try {
    for (let p = 0; p < plan.prompts.length; p++) {
      const prompt = plan.prompts[p]!;
      promptTokenCount += prompt.tokens.length;
      const wantScores = plan.echo && withLogprobs;
      const decodes = prompt.maxNewTokens > 0;
      const result =
        decodes || wantScores
          ? await prefill(ctx, prompt.tokens, wantScores ? topK : null, signal, contrastive !== null && decodes)
          : null;
      prefills.push(result);
      let uncondTokens: readonly number[] = [];
      let uncond: PrefillResult | null = null;
      if (guidance && decodes) {
        if (guidance.negativeTokens) {
          uncondTokens = guidance.negativeTokens;
          negativePrefill ??= await prefill(ctx, uncondTokens, null, signal);
          uncond = negativePrefill;
        } else {
          // Hugging Face: without a negative prompt, the unconditional sequence starts from
          // the last prompt token alone.
          uncondTokens = prompt.tokens.slice(-1);
          uncond = await prefill(ctx, uncondTokens, null, signal);
        }
      }
      uncondPrefills.push(uncond);

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
          uncondTokens.length,
        );
        sequences.push(seq);
        if (echo && (echo.text !== '' || echo.logprobs)) {
          emit(seq, { type: 'text', index: choiceIndex(seq), text: echo.text, logprobs: echo.logprobs });
        }
        if (!decodes) finish(seq, 'length');
        // A grammar that matches only the empty string allows nothing at all.
        else if (seq.grammar?.isExhausted()) finish(seq, 'stop');
        else if (contrastive) {
          // Contrastive search chooses its first token in the first decoding step.
          seq.pending = result!.lastLogits.slice();
          seq.hidden = new HiddenContext();
          const hidden = result!.hidden!;
          const size = hidden.length / prompt.tokens.length;
          for (let t = 0; t < prompt.tokens.length; t++) seq.hidden.push(hidden.subarray(t * size, (t + 1) * size));
        } else {
          sampleNext(seq, result!.lastLogits, uncond?.lastLogits ?? null);
        }
      }
      yield* flushOut(out);
    }

    // ---- Batched decoding ---------------------------------------------------------------
    const active = sequences.filter((s) => s.finished === null);
    if (active.length > 0) {
      const rows: BatchRow[] = active.flatMap((seq) =>
        guidance ? [{ seq, uncond: false }, { seq, uncond: true }] : [{ seq, uncond: false }],
      );
      const gathered = gatherRows(
        runner,
        rows.map((r) => ({ cache: (r.uncond ? uncondPrefills : prefills)[r.seq.prompt]!.cache, row: 0, padLeft: 0 })),
      );
      batch = { rows, cache: gathered.cache, padLeft: gathered.padLeft };
      disposeAll([...prefills, ...uncondPrefills]);
      prefills.length = 0;
      uncondPrefills.length = 0;
      negativePrefill = null;

      while (batch !== null) {
        signal?.throwIfAborted();
        const current: Batch = batch;
        batch = null; // owned by the step until it returns the next one
        batch = contrastive ? await contrastiveStep(current) : await decodeStep(current);
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
    batch?.cache.dispose();
    disposeAll([...prefills, ...uncondPrefills, negativePrefill]);
  }

  /**
   * One decoding step of sampled (or greedy) sequences: feeds each row its last token (plus,
   * with prompt lookup, its draft), samples and verifies, and returns the batch of the rows
   * still running (null when none is), with rejected draft positions rolled back.
   */
  async function decodeStep(current: Batch): Promise<Batch | null> {
    const { rows, padLeft } = current;
    const positions = rows.map((r) => (r.uncond ? r.seq.uncondPosition : r.seq.nextPosition));
    let drafts = rows.map((r) =>
      r.uncond || plan.promptLookup === 0
        ? []
        : lookupDraft(r.seq.state.tokens, Math.min(plan.promptLookup, r.seq.maxNewTokens - r.seq.generated - 1), ctx.eosTokenIds),
    );
    // Every row is fed the same number of tokens: shorter drafts are padded with filler that
    // is never read and always rolled back. No row may go past the last position, and a step
    // feeds at most PREFILL_CHUNK positions in all (bounding the logits it returns). Shorter
    // drafts only cost speed: the tokens are the same.
    let width = 1 + Math.max(0, ...drafts.map((d) => d.length));
    if (width > 1) {
      width = Math.min(width, Math.max(1, Math.floor(PREFILL_CHUNK / rows.length)), ...positions.map((at) => ctx.contextLength - at));
      drafts = drafts.map((d) => d.slice(0, width - 1));
    }
    const tokens = rows.map((r, i) => {
      const fed = [r.seq.lastToken, ...drafts[i]!];
      while (fed.length < width) fed.push(r.seq.lastToken);
      return fed;
    });
    let result: ForwardResult;
    try {
      result = await runner.forward({ tokens, padLeft, positions, cache: current.cache, logits: width > 1 ? 'all' : 'last' });
    } finally {
      current.cache.dispose();
    }
    const logitsAt = (row: number, at: number): Float32Array =>
      result.logits.subarray((row * width + at) * vocab, (row * width + at + 1) * vocab);

    // Fed positions each row keeps in its cache: the last token and the accepted draft tokens.
    const kept = rows.map(() => width);
    try {
      rows.forEach((r, i) => {
        if (r.uncond) return;
        const seq = r.seq;
        const draft = drafts[i]!;
        // Guidance puts a sequence's unconditional row right after its own.
        const uncond = guidance ? logitsAt(i + 1, 0) : null;
        for (let at = 0; ; at++) {
          sampleNext(seq, logitsAt(i, at), uncond);
          kept[i] = at + 1;
          if (seq.finished !== null || at >= draft.length || seq.lastToken !== draft[at]) break;
        }
      });
    } catch (error) {
      result.cache.dispose();
      throw error;
    }
    return nextBatch(result.cache, rows, padLeft, rows.map((r, i) => (r.seq.finished === null ? { index: i, trim: width - kept[i]! } : null)));
  }

  /**
   * One contrastive-search step: every sequence's top_k candidates are fed as rows of one
   * batch; the candidate with the best contrastive score is kept, with its logits, hidden
   * state and cache row.
   */
  async function contrastiveStep(current: Batch): Promise<Batch | null> {
    const { rows, padLeft } = current;
    const { alpha, topK: k } = contrastive!;
    let groups: ContrastiveCandidate[][];
    try {
      groups = rows.map(({ seq }) => {
        try {
          return topCandidates(processLogits(seq.pending!, seq.state, plan.sampling, seq.mask), k);
        } catch (error) {
          throw error instanceof NoCandidateError ? noCandidateError(error, plan) : error;
        }
      });
    } catch (error) {
      current.cache.dispose();
      throw error;
    }
    const sources: RowSource[] = [];
    const tokens: number[][] = [];
    const positions: number[] = [];
    groups.forEach((candidates, i) => {
      for (const c of candidates) {
        sources.push({ cache: current.cache, row: i, padLeft: padLeft[i]! });
        tokens.push([c.token]);
        // The sequence's last token is already in the cache: candidates come after it.
        positions.push(rows[i]!.seq.nextPosition + 1);
      }
    });
    const expanded = gatherRows(runner, sources);
    current.cache.dispose();
    let result: ForwardResult;
    try {
      result = await runner.forward({ tokens, padLeft: expanded.padLeft, positions, cache: expanded.cache, logits: 'last', hidden: true });
    } finally {
      expanded.cache.dispose();
    }
    const hidden = result.hidden!;
    const size = hidden.length / tokens.length;
    const hiddenAt = (row: number): Float32Array => hidden.subarray(row * size, (row + 1) * size);
    const chosen: ({ index: number; trim: number } | null)[] = [];
    let first = 0;
    try {
      groups.forEach((candidates, i) => {
        const seq = rows[i]!.seq;
        const similarities = candidates.map((_, c) => seq.hidden!.maxSimilarity(hiddenAt(first + c)));
        const pick = first + selectContrastive(candidates, similarities, alpha);
        const token = tokens[pick]![0]!;
        const { logprob, top } = captureLogprobs(seq.pending!, token);
        seq.hidden!.push(hiddenAt(pick));
        seq.pending = result.logits.slice(pick * vocab, (pick + 1) * vocab);
        accept(seq, token, logprob, top);
        first += candidates.length;
        chosen.push(seq.finished === null ? { index: pick, trim: 0 } : null);
      });
    } catch (error) {
      result.cache.dispose();
      throw error;
    }
    const expandedRows = groups.flatMap((candidates, i) => candidates.map(() => rows[i]!));
    return nextBatch(result.cache, expandedRows, expanded.padLeft, chosen);
  }

  /**
   * The batch of the next step from a step's output cache: `picks` lists, per kept row, its
   * index in `cache` and the trailing positions to roll back. Reuses the cache when it can.
   */
  function nextBatch(
    cache: KvCache,
    rows: readonly BatchRow[],
    padLeft: readonly number[],
    picks: readonly ({ index: number; trim: number } | null)[],
  ): Batch | null {
    const kept = picks.filter((p): p is { index: number; trim: number } => p !== null);
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
}

/** Disposes each distinct prefill cache once (a shared negative prompt appears several times). */
function disposeAll(results: readonly (PrefillResult | null)[]): void {
  for (const result of new Set(results)) result?.cache.dispose();
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
