/**
 * A request's decode loop: prefill every prompt, then advance all its sequences in one batched
 * forward pass per step over a shared KV cache: the scheduler's batch, shared with every other
 * running request (scheduler.ts), or a batch of its own (decodesAlone).
 *
 * Layout of a request with P prompts and best_of = B: sequence j = p * B + k is candidate k
 * of prompt p and samples with seed + j, so its tokens depend only on (seed, p, k), never
 * on which other sequences share the batch. Each prompt is prefilled alone (batch 1, in
 * chunks); its cache is then copied into one row per candidate, all prompts' rows left-padded
 * into the batch (batch.ts). Finished rows are dropped from the batch as they finish.
 *
 * The advanced decoding parameters live in the same loop:
 * - grammar_string: each sequence has its own grammar state; its mask removes the tokens the
 *   grammar does not allow before the sampler chain runs, and the sequence ends ("stop") as
 *   soon as nothing may follow (request-run.ts).
 * - guidance_scale: each sequence has a second, unconditional row in the same batch (its own
 *   KV cache row and positions, no output of its own), fed the same sampled tokens; the
 *   sampler sees the guided scores (guidance.ts).
 * - prompt_lookup_num_tokens: a step feeds the last token plus a draft copied from the context
 *   and verifies it (decode-step.ts).
 * - penalty_alpha: contrastive search replaces sampling (contrastive-step.ts).
 */
import { firstBatch, type Batch } from './batch.js';
import { releaseBestOf } from './best-of.js';
import { contrastiveStep, startContrastive } from './contrastive-step.js';
import { decodeStep } from './decode-step.js';
import { codePointLength } from './detokenizer.js';
import { echoPrompt, type EchoedPrompt } from './echo.js';
import type { GenerationContext, GenerationPlan } from './generation-plan.js';
import { asGrammarRequestError } from './grammar-compiler.js';
import { PrefillSet, prefill, releaseOutputs, type PrefillResult } from './prefill.js';
import { RequestRun, type StopRequest } from './request-run.js';
import { nextTurn, reservationOf, type BatchScheduler } from './scheduler.js';
import { Sequence } from './sequence.js';
import type { CompletionEvent } from './types.js';

export type { StopRequest } from './request-run.js';

/**
 * Whether a request decodes in its own batch rather than the shared one (scheduler.ts):
 * - contrastive search (penalty_alpha) feeds top_k candidate rows per sequence and asks for
 *   hidden states, a different forward pass from everyone else's;
 * - prompt lookup feeds each row its draft: every row of a step must be fed as many tokens, so
 *   sharing would make every other request's step that many positions wide (and return logits
 *   for all of them).
 * Grammar and guidance share the step: a grammar is a per-row mask over the row's own logits,
 * and guidance's unconditional rows are rows like any other.
 */
export function decodesAlone(plan: GenerationPlan): boolean {
  return plan.contrastive !== null || plan.promptLookup > 0;
}

/**
 * Runs a whole request and yields its events: text (prompt-major choice index), one finish
 * per choice, then done. Throws the signal's reason when aborted. Waits for its share of the
 * scheduler's limits first; its rows then decode in the scheduler's shared batch, or in a batch
 * of their own (decodesAlone).
 */
export async function* generate(
  ctx: GenerationContext,
  plan: GenerationPlan,
  scheduler: BatchScheduler,
  signal?: AbortSignal,
  stop: StopRequest = { requested: false },
): AsyncGenerator<CompletionEvent, void, undefined> {
  const run = new RequestRun(ctx, plan, stop);
  const release = await scheduler.admit(reservationOf(plan), signal);
  const prefills = new PrefillSet();
  try {
    for (let p = 0; p < plan.prompts.length; p++) {
      await startPrompt(run, prefills, p, signal);
      yield* run.flush();
    }
    if (decodesAlone(plan)) yield* decodeAlone(run, prefills, signal);
    else {
      // A request whose sequences all finished from their prefill has nothing to decode.
      if (!run.done) scheduler.join(run, prefills);
      yield* decodeShared(run, signal);
    }
    releaseBestOf(run);
    yield* run.flush();
    const usage = { prompt_tokens: run.promptTokens, completion_tokens: run.completionTokens };
    yield { type: 'done', usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens }, seed: plan.seed };
  } catch (error) {
    // A grammar can go over a matching budget only once some text is read.
    throw asGrammarRequestError(error);
  } finally {
    // The scheduler drops the rows of a request that left (cancelled, failed, consumer gone).
    run.decoding = false;
    prefills.dispose();
    release();
  }
}

/** Decoding in the scheduler's shared batch: the events of each step, until every sequence has finished. */
async function* decodeShared(run: RequestRun, signal: AbortSignal | undefined): AsyncGenerator<CompletionEvent, void, undefined> {
  for (;;) {
    releaseBestOf(run);
    yield* run.flush();
    if (run.failure !== null) throw run.failure;
    if (run.done) return;
    await run.changed(signal);
  }
}

/** Decoding in a batch of the request's own, one step after another. */
async function* decodeAlone(run: RequestRun, prefills: PrefillSet, signal: AbortSignal | undefined): AsyncGenerator<CompletionEvent, void, undefined> {
  const { ctx, plan } = run;
  let batch: Batch | null = firstBatch(ctx.runner, run, prefills);
  prefills.dispose();
  try {
    while (batch !== null) {
      signal?.throwIfAborted();
      if (run.stop.requested) {
        run.stopEverySequence();
        break;
      }
      const current: Batch = batch;
      batch = null; // owned by the step until it returns the next one
      batch = plan.contrastive ? await contrastiveStep(run, current) : await decodeStep(ctx, current);
      if (run.failure !== null) throw run.failure;
      releaseBestOf(run);
      yield* run.flush();
      await nextTurn();
    }
  } finally {
    batch?.cache.dispose();
  }
}

/**
 * Prompt `p`: its prefill (and, under guidance, its unconditional one), its echo, and its best_of
 * sequences, each started: finished at once, readied for contrastive search, or given its first
 * token from the prefill's logits.
 */
async function startPrompt(run: RequestRun, prefills: PrefillSet, p: number, signal: AbortSignal | undefined): Promise<void> {
  const { ctx, plan } = run;
  const prompt = plan.prompts[p]!;
  run.promptTokens += prompt.tokens.length;
  const wantScores = plan.echo && run.withLogprobs;
  const decodes = prompt.maxNewTokens > 0;
  const result =
    decodes || wantScores
      ? await prefill(ctx, prompt.tokens, wantScores ? (plan.logprobs ?? 0) : null, signal, plan.contrastive !== null && decodes)
      : null;
  prefills.prompts.push(result);
  const uncond = decodes ? await prefillUnconditional(run, prefills, prompt.tokens, signal) : null;
  prefills.unconditional.push(uncond?.result ?? null);

  // The prompt as text, token by token (echo shows it; offsets count from its start).
  const echo = plan.echo ? echoPrompt(ctx, prompt.tokens, plan, result) : null;
  const offsetBase = echo
    ? codePointLength(echo.text)
    : run.withLogprobs
      ? codePointLength(ctx.codec.decode(prompt.tokens, plan.skipSpecialTokens))
      : 0;
  for (let k = 0; k < plan.bestOf; k++) {
    const seq = new Sequence({
      prompt: p,
      candidate: k,
      promptTokens: prompt.tokens,
      maxNewTokens: prompt.maxNewTokens,
      seed: plan.seed + p * plan.bestOf + k,
      plan,
      codec: ctx.codec,
      offsetBase,
      stops: run.stops,
      uncondLength: uncond?.length ?? 0,
    });
    run.sequences.push(seq);
    startSequence(run, seq, echo, result, uncond?.result ?? null);
  }
  // Every sequence of this prompt has started: only the KV caches are needed from here on.
  if (result) releaseOutputs(result);
  if (uncond && uncond.result !== prefills.negative) releaseOutputs(uncond.result);
}

/**
 * Guidance: the prefill of a prompt's unconditional context and its length (null without
 * guidance). A negative prompt is prefilled once and shared by all prompts.
 */
async function prefillUnconditional(
  run: RequestRun,
  prefills: PrefillSet,
  promptTokens: readonly number[],
  signal: AbortSignal | undefined,
): Promise<{ result: PrefillResult; length: number } | null> {
  const { guidance } = run.plan;
  if (!guidance) return null;
  if (guidance.negativeTokens) {
    prefills.negative ??= await prefill(run.ctx, guidance.negativeTokens, null, signal);
    return { result: prefills.negative, length: guidance.negativeTokens.length };
  }
  // Hugging Face: without a negative prompt, the unconditional sequence starts from the last
  // prompt token alone.
  const tokens = promptTokens.slice(-1);
  return { result: await prefill(run.ctx, tokens, null, signal), length: tokens.length };
}

/** Emits a new sequence's echo and starts it from its prompt's prefill. */
function startSequence(
  run: RequestRun,
  seq: Sequence,
  echo: EchoedPrompt | null,
  result: PrefillResult | null,
  uncond: PrefillResult | null,
): void {
  if (echo && (echo.text !== '' || echo.logprobs)) {
    run.emit(seq, { type: 'text', index: run.choiceIndex(seq), text: echo.text, logprobs: echo.logprobs });
  }
  if (seq.maxNewTokens === 0) run.finish(seq, 'length');
  // A grammar that matches only the empty string allows nothing at all.
  else if (seq.grammar?.isExhausted()) run.finish(seq, 'stop');
  // Contrastive search chooses its first token in the first decoding step.
  else if (run.plan.contrastive) startContrastive(seq, result!);
  else run.sampleNext(seq, result!.lastLogits, uncond?.lastLogits ?? null);
}
