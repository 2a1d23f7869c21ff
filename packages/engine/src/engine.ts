/**
 * `loadEngine()`: a loaded model behind the `Engine` interface the server uses.
 */
import type { NormalizedCompletionRequest } from '@textgen-spec/spec';
import { detokenizerTable } from './detokenizer-table.js';
import { generate } from './generation.js';
import { cleanUpTokenization } from './space-cleanup.js';
import type { StopRequest } from './generation.js';
import { nextTokenProbabilities } from './next-token.js';
import type { GenerationContext } from './generation-plan.js';
import { GrammarCompiler } from './grammar-compiler.js';
import { tokenBytesFromTokenizerJson } from './token-bytes.js';
import { loadModel, type LoadedModel } from './load-model.js';
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { ModelRunner } from './model-runner.js';
import { calibratePrefillChunk } from './prefill.js';
import { encodeText, planRequest, type PlanningModel } from './request-plan.js';
import { BatchScheduler, batchLimits } from './scheduler.js';
import { samplerTrace } from './sampler-trace.js';
import { EngineRequestError } from './types.js';
import type {
  BatchLimits,
  BatchStats,
  CompleteOptions,
  CompletionEvent,
  EngineLoadOptions,
  LocalEngine,
  ModelInfo,
  NextTokenOptions,
  NextTokenProbability,
  SamplerTraceOptions,
  SamplerTraceResult,
} from './types.js';

class TransformersEngine implements LocalEngine {
  readonly info: ModelInfo;
  /** Its forward passes (read by loadEngine to calibrate the prefill chunk). */
  readonly runner: ModelRunner;
  private readonly generation: GenerationContext;
  private readonly planning: PlanningModel;
  /** Continuous batching: the running requests' shared decoding batch. */
  private readonly scheduler: BatchScheduler;
  private readonly tokenStrings = new Map<number, string>();
  private disposed = false;
  /** The stop flags of the running complete() calls (stopAll sets them). */
  private readonly running = new Set<StopRequest>();

  constructor(
    private readonly model: LoadedModel,
    limits: BatchLimits,
  ) {
    this.info = model.info;
    this.runner = new ModelRunner(model.session, model.graph);
    const { tokenizer } = model;
    // Every token's bytes, read once: the byte table makes incremental detokenization a lookup
    // per token (detokenizer.ts), and grammars match the same bytes (grammar-compiler.ts).
    const vocabulary = tokenizerVocabulary(tokenizer);
    const tokenBytes = tokenBytesFromTokenizerJson(tokenizer._tokenizerJSON as unknown, vocabulary);
    const table = detokenizerTable(tokenizer._tokenizerJSON as unknown, tokenizer._tokenizerConfig as unknown, vocabulary, tokenBytes);
    const codec = {
      decode: (ids: readonly number[], skipSpecialTokens: boolean) =>
        ids.length === 0 ? '' : tokenizer.decode([...ids], { skip_special_tokens: skipSpecialTokens }),
      table: typeof table === 'string' ? null : table,
    };
    this.generation = {
      runner: this.runner,
      codec,
      tokenString: (id) => this.tokenString(id),
      contextLength: model.info.contextLength,
      eosTokenIds: new Set(model.info.eosTokenIds),
    };
    this.scheduler = new BatchScheduler(this.generation, limits);
    const encodePlain = (text: string) => (text === '' ? [] : tokenizer.encode(text, { add_special_tokens: false }));
    const newline = encodePlain('\n');
    const grammars = new GrammarCompiler(() => tokenBytes, model.info.eosTokenIds, model.info.id);
    this.planning = {
      info: model.info,
      encodePlain,
      addsBos: model.tokenizerAddsBos,
      newlineTokenIds: newline.length > 0 ? [newline.at(-1)!] : [],
      compileGrammar: (text) => grammars.compile(text),
    };
  }

  encode(text: string, options: { addBos?: boolean } = {}): number[] {
    // With addBos, the prompts' rule (one BOS, never doubled); without, the plain tokenization.
    return options.addBos ? encodeText(this.planning, text, true) : this.planning.encodePlain(text);
  }

  decode(ids: readonly number[], options: { skipSpecialTokens?: boolean } = {}): string {
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.info.vocabSize) {
        throw new EngineRequestError(`token id ${id} is outside the vocabulary (0..${this.info.vocabSize - 1})`, 'tokens', 'invalid_token_id');
      }
    }
    return this.generation.codec.decode(ids, options.skipSpecialTokens ?? false);
  }

  /**
   * Runs one request. Problems with the request (EngineRequestError) are thrown by the first
   * `next()`, before any event, so the server can still answer with a 400.
   */
  complete(request: NormalizedCompletionRequest, options: CompleteOptions = {}): AsyncIterable<CompletionEvent> {
    return this.run(request, options.signal);
  }

  private async *run(request: NormalizedCompletionRequest, signal: AbortSignal | undefined): AsyncGenerator<CompletionEvent> {
    if (this.disposed) throw new Error('engine disposed');
    signal?.throwIfAborted();
    const plan = planRequest(this.planning, request);
    const stop: StopRequest = { requested: false };
    this.running.add(stop);
    try {
      yield* generate(this.generation, plan, this.scheduler, signal, stop);
    } finally {
      this.running.delete(stop);
    }
  }

  async nextTokenProbabilities(request: NormalizedCompletionRequest, options: NextTokenOptions): Promise<NextTokenProbability[]> {
    if (this.disposed) throw new Error('engine disposed');
    return nextTokenProbabilities(this.generation, planRequest(this.planning, request), options);
  }

  batchStats(): BatchStats {
    return this.scheduler.stats();
  }

  stopAll(): number {
    for (const stop of this.running) stop.requested = true;
    return this.running.size;
  }

  async samplerTrace(request: NormalizedCompletionRequest, options: SamplerTraceOptions): Promise<SamplerTraceResult> {
    if (this.disposed) throw new Error('engine disposed');
    return samplerTrace(this.generation, planRequest(this.planning, request), options);
  }

  /**
   * How a single token is shown as a top_logprobs key and in the next-token endpoints (special
   * tokens included): its text as generated text shows it, so SentencePiece's "▁the" is " the"
   * (decoded alone it would lose its space to the decoder's strip); a token that is part of a
   * character, or a tokenizer without a byte table, falls back to decoding the token alone.
   */
  private tokenString(id: number): string {
    const table = this.generation.codec.table;
    const fromTable = table ? (table.tokenText(id) ?? table.specialText.get(id)) : undefined;
    if (fromTable !== undefined) return table!.cleanUpSpaces ? cleanUpTokenization(fromTable) : fromTable;
    let text = this.tokenStrings.get(id);
    if (text === undefined) {
      text = this.model.tokenizer.decode([id], { skip_special_tokens: false });
      this.tokenStrings.set(id, text);
    }
    return text;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    // No forward pass may be in flight when the session goes (a shared step outlives the
    // requests that left it by one step).
    await this.scheduler.idle();
    await this.runner.idle();
    await this.model.dispose();
  }
}

/**
 * The id -> piece array transformers.js 4.3 builds from tokenizer.json (added tokens included),
 * read where it is; undefined when a version lays it out otherwise (then the JSON is read).
 */
function tokenizerVocabulary(tokenizer: PreTrainedTokenizer): readonly (string | undefined)[] | undefined {
  const vocab = (tokenizer as unknown as { _tokenizer?: { model?: { vocab?: unknown } } })._tokenizer?.model?.vocab;
  return Array.isArray(vocab) && vocab.slice(0, 8).every((piece) => typeof piece === 'string') ? (vocab as string[]) : undefined;
}

/**
 * Loads a model (local folder, Hugging Face id, or the embedded tiny model when `model` is
 * undefined) and returns an engine for it. Throws EngineLoadError with a precise `code`.
 */
export async function loadEngine(options: EngineLoadOptions = {}): Promise<LocalEngine> {
  const limits = batchLimits(options.batch);
  const passMs = options.prefillPassMs ?? DEFAULT_PREFILL_PASS_MS;
  if (!(Number.isFinite(passMs) && passMs >= 0)) throw new RangeError(`prefillPassMs must be a number >= 0, got ${passMs}`);
  const model = await loadModel(options);
  const engine = new TransformersEngine(model, limits);
  try {
    const { info } = model;
    await calibratePrefillChunk(engine.runner, info.bosTokenId ?? info.eosTokenIds[0] ?? 0, passMs);
  } catch (error) {
    await engine.dispose();
    throw error;
  }
  return engine;
}

/** EngineLoadOptions.prefillPassMs's default: a prefill pass of about a second at most. */
export const DEFAULT_PREFILL_PASS_MS = 1000;
