/**
 * One candidate sequence of a request: its sampler and grammar state, its text, its counters,
 * and (best_of > n) the events held back until best_of ranks it.
 */
import type { GrammarState, LogitsMask, SequenceState } from '@textgen-spec/sampling';
import { createSequenceState } from '@textgen-spec/sampling';
import { ChoiceOutput } from './choice-output.js';
import type { HiddenContext } from './contrastive.js';
import { IncrementalDetokenizer, type TokenCodec } from './detokenizer.js';
import type { GenerationPlan } from './generation-plan.js';
import type { StopStringMatcher } from './stop-strings.js';
import type { CompletionEvent, FinishReason } from './types.js';

export interface SequenceOptions {
  /** Index of the request's prompt this sequence continues. */
  prompt: number;
  /** Index among the best_of candidates of that prompt. */
  candidate: number;
  promptTokens: readonly number[];
  maxNewTokens: number;
  /** Seed of this sequence's Rng (the request's seed + its sequence index). */
  seed: number;
  plan: GenerationPlan;
  codec: TokenCodec;
  /** text_offset of the first generated character, in code points. */
  offsetBase: number;
  stops: StopStringMatcher;
  /** Guidance: length of the unconditional context (0 without guidance). */
  uncondLength: number;
}

export class Sequence {
  readonly prompt: number;
  readonly candidate: number;
  readonly promptTokens: readonly number[];
  readonly maxNewTokens: number;
  readonly uncondLength: number;
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

  constructor(options: SequenceOptions) {
    const { plan, promptTokens } = options;
    this.prompt = options.prompt;
    this.candidate = options.candidate;
    this.promptTokens = promptTokens;
    this.maxNewTokens = options.maxNewTokens;
    this.uncondLength = options.uncondLength;
    this.state = createSequenceState(promptTokens, options.seed);
    this.detokenizer = new IncrementalDetokenizer(options.codec, plan.skipSpecialTokens, promptTokens);
    this.output = new ChoiceOutput({ stops: options.stops, withLogprobs: plan.logprobs !== null, offsetBase: options.offsetBase });
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
