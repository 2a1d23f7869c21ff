/**
 * The contract of the engine package, as the server uses it.
 *
 * One `Engine` serves one loaded model. `complete()` runs one whole completion request
 * (every prompt x best_of sequences, batched) and yields events in the order a streaming
 * client should see them. The server turns these events into a JSON response or SSE chunks
 * and never re-derives text, token counts or logprobs itself.
 */
import type { Logprobs, NormalizedCompletionRequest, FinishReason as ResponseFinishReason, Usage } from '@textgen-spec/spec';

export type Device = 'cpu' | 'webgpu';
export type Dtype = 'auto' | 'fp32' | 'fp16' | 'q8' | 'q4';

export interface LoadProgressEvent {
  /** 'download' while bytes arrive from a hub, 'load' while the model is read into the runtime. */
  phase: 'download' | 'load' | 'ready';
  file?: string;
  loaded?: number;
  total?: number;
  /** 0..100 over all files, when known. */
  progress?: number;
}

/**
 * What the running requests may hold at once. A request that alone exceeds a limit still runs,
 * once nothing else holds a reservation.
 */
export interface BatchLimits {
  /** Batch rows (sequences; guidance counts two per sequence, contrastive search top_k). */
  maxRows: number;
  /** KV cache positions over all rows (each row's prompt plus its max_tokens). */
  maxTokens: number;
}

export interface EngineLoadOptions {
  /**
   * A local folder, a Hugging Face model id (`org/name`), or undefined for the embedded
   * default model that packages/tiny-model generates.
   */
  model?: string;
  device?: Device;
  dtype?: Dtype;
  /** Where hub downloads and the generated tiny model are cached. */
  cacheDir?: string;
  /** Never touch the network (a hub id must already be in the cache). */
  localFilesOnly?: boolean;
  /**
   * Continuous batching limits (scheduler.ts): rows and KV cache positions the running requests
   * may hold at once; requests beyond them wait. Defaults: DEFAULT_BATCH_LIMITS.
   */
  batch?: Partial<BatchLimits>;
  /** onnxruntime's CPU threads (intra-op, per forward pass): see RuntimeThreads. */
  threads?: RuntimeThreads;
  /**
   * About how long one prefill pass may take, in milliseconds (default DEFAULT_PREFILL_PASS_MS).
   * Measured at load: a model slow enough to take longer for 256 prompt positions gets its
   * prompts fed in smaller chunks (down to 16 positions), so that a long prompt never holds the
   * other requests' next step, nor a worker's event loop, for much longer. 0 = always 256.
   */
  prefillPassMs?: number;
  onProgress?: (event: LoadProgressEvent) => void;
}

/**
 * How onnxruntime uses CPU threads for one forward pass (its session options). Undefined fields
 * keep onnxruntime's defaults: one thread per physical core, spinning on.
 */
export interface RuntimeThreads {
  /** Threads one operator may use (`intraOpNumThreads`); 0 = onnxruntime's default. */
  count?: number;
  /**
   * What idle threads do while they wait for work (`session.intra_op.allow_spinning` and
   * `session.force_spinning_stop`): `true` spins (lowest latency between operators; the threads
   * also keep spinning for a while after a forward pass, competing with the sampler, the HTTP
   * thread and other processes), `'run'` spins only inside a forward pass and stops as it returns,
   * `false` sleeps (every operator that uses the pool wakes its threads).
   */
  spin?: boolean | 'run';
}

export interface ModelInfo {
  /** The name reported as `model` in responses and in /v1/models. */
  id: string;
  source: 'embedded' | 'local' | 'hub';
  /** Folder the files were read from. */
  path: string;
  /** e.g. "gpt2", "llama". */
  modelType: string;
  device: Device;
  dtype: Exclude<Dtype, 'auto'>;
  /** Maximum positions (prompt + completion). */
  contextLength: number;
  vocabSize: number;
  /**
   * Length (UTF-16 code units) of the longest token's text in the vocabulary, an upper bound
   * used to refuse text that cannot fit the context before tokenizing it.
   */
  maxTokenChars: number;
  bosTokenId: number | null;
  eosTokenIds: number[];
  /** True only if the model can fill in the middle; otherwise `suffix` is a 400. */
  supportsInfill: boolean;
  /** True when the graph exposes its last hidden state (contrastive search needs it). */
  exposesHiddenStates: boolean;
}

/**
 * The legacy OpenAI logprobs object (the spec's `Logprobs`), or the slice of it that belongs
 * to one text event: a text event's `tokens` joined are exactly its `text`. There is one entry
 * per generated token: the EOS token and tokens cut off by a stop string keep their entry with
 * empty text. `text_offset` counts Unicode code points from the start of the prompt text
 * (OpenAI's base); `token_logprobs` and `top_logprobs` are null only for the first echoed
 * prompt token, which has no prediction.
 */
export type LogprobsSlice = Logprobs;

/** The spec's `Usage`: prompt, completion and total token counts of a request. */
export type CompletionUsageCounts = Usage;

/** The finish reasons the engine produces (the spec's, without OpenAI's content_filter). */
export type FinishReason = Exclude<ResponseFinishReason, 'content_filter'>;

export type CompletionEvent =
  /**
   * New text for one choice. `index` is the output choice index, prompt-major: the n
   * choices of prompt 0, then those of prompt 1. Text is never a broken UTF-8 character
   * and never contains (part of) a stop string that later matched. With echo, the first
   * text event of each choice is the prompt (with its logprobs, the first one null). With
   * logprobs, text is released in whole tokens; with best_of > n, a prompt's events come
   * once all its candidates have finished, the best first.
   */
  | { type: 'text'; index: number; text: string; logprobs: LogprobsSlice | null }
  /**
   * Exactly one per choice index, after its last text event. "stop": EOS, a stop string, or a
   * grammar_string that is complete and allows nothing more; "length": max_tokens or the context.
   */
  | { type: 'finish'; index: number; finish_reason: FinishReason }
  /** Last event of every successful request. `seed` is the seed actually used. */
  | { type: 'done'; usage: CompletionUsageCounts; seed: number };

export interface CompleteOptions {
  /** Aborting stops compute within one decoding step; the iterator then throws an AbortError. */
  signal?: AbortSignal;
}

/** Options of `Engine.nextTokenProbabilities` (TGW's `/v1/internal/logits`). */
export interface NextTokenOptions {
  /** false: the model's own distribution (softmax of the raw logits); true: after the request's sampler chain. */
  useSamplers: boolean;
  /** How many of the most likely tokens to return. */
  top: number;
  signal?: AbortSignal;
}

/** One entry of the next-token distribution: token id, its text, its probability. */
export interface NextTokenProbability {
  token: number;
  text: string;
  probability: number;
}

/**
 * A request the engine cannot run, for a reason in the request (not a server fault): the
 * server answers it with a 400 naming `param`.
 */
export class EngineRequestError extends Error {
  readonly param: string | null;
  readonly code: string;
  constructor(message: string, param: string | null, code = 'invalid_request') {
    super(message);
    this.name = 'EngineRequestError';
    this.param = param;
    this.code = code;
  }
}

/** Why a model could not be loaded; `code` lets the server print a precise hint. */
export type EngineLoadErrorCode =
  | 'model_not_found'
  | 'invalid_model_files'
  | 'unsupported_architecture'
  | 'unsupported_dtype'
  | 'webgpu_unavailable'
  | 'download_failed';

/** A model that cannot be loaded (missing folder, wrong files, unsupported architecture...). */
export class EngineLoadError extends Error {
  readonly code: EngineLoadErrorCode;
  constructor(message: string, code: EngineLoadErrorCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineLoadError';
    this.code = code;
  }
}

/**
 * One loaded model as the server sees it, in this thread or in a worker thread
 * (`loadEngineInWorker`): every call is asynchronous so that the model's work can run off the
 * caller's event loop.
 */
export interface Engine {
  readonly info: ModelInfo;
  /** Tokenize text as the model's tokenizer does; `addBos` prepends BOS when the model uses one. */
  encode(text: string, options?: { addBos?: boolean }): number[] | Promise<number[]>;
  /** Detokenize ids; throws (or rejects with) EngineRequestError(param 'tokens') for ids outside the vocabulary. */
  decode(ids: readonly number[], options?: { skipSpecialTokens?: boolean }): string | Promise<string>;
  /**
   * Run one completion request; see CompletionEvent for the order of events. A problem with
   * the request (EngineRequestError) is thrown by the first `next()`, before any event. Several
   * calls may run at once on one engine: their rows share each decoding step (continuous batching,
   * within `EngineLoadOptions.batch`).
   */
  complete(request: NormalizedCompletionRequest, options?: CompleteOptions): AsyncIterable<CompletionEvent>;
  /**
   * 'ready', or 'restarting' while a worker-backed engine replaces a worker that stalled or
   * died (calls then fail with EngineUnavailableError). An in-process engine is always ready.
   */
  readonly status?: 'ready' | 'restarting';
  /**
   * The next token after the request's first prompt through the sampler chain, stage by stage
   * (raw distribution, grammar mask, each active stage in the order applied). Throws
   * EngineRequestError for a request the engine cannot plan, and for guidance_scale or
   * penalty_alpha, which the trace does not cover.
   */
  samplerTrace(request: NormalizedCompletionRequest, options: SamplerTraceOptions): Promise<SamplerTraceResult>;
  /**
   * The distribution of the token that would follow the request's first prompt, most likely
   * first (ties: lower id): raw, or after the request's sampler chain (`useSamplers`). Throws
   * EngineRequestError for a request the engine cannot plan.
   */
  nextTokenProbabilities(request: NormalizedCompletionRequest, options: NextTokenOptions): Promise<NextTokenProbability[]>;
  /**
   * Ends every running `complete()` cleanly at its next decoding step: each unfinished choice
   * gets finish_reason `stop`, then `done` follows as usual (TGW's stop-generation). Returns
   * how many requests were running.
   */
  stopAll(): number | Promise<number>;
  dispose(): Promise<void>;
}

/** The in-process engine `loadEngine` returns: tokenizer calls answer synchronously. */
export interface LocalEngine extends Engine {
  encode(text: string, options?: { addBos?: boolean }): number[];
  decode(ids: readonly number[], options?: { skipSpecialTokens?: boolean }): string;
  stopAll(): number;
  /** Continuous batching counters since the engine was loaded (scheduler.ts). */
  batchStats(): BatchStats;
}

/** What the continuous batching scheduler has done so far. */
export interface BatchStats {
  /** Forward passes run on the model (prefill chunks, shared and solo steps). */
  forwardPasses: number;
  /** Rows in the shared decoding batch now. */
  rows: number;
  /** Most rows the shared batch held in one step. */
  peakRows: number;
  /** Requests waiting for their share of the limits. */
  waiting: number;
}

/** Why a worker-backed engine could not run a call: the server answers 503. */
export type EngineUnavailableCode = 'worker_stalled' | 'worker_exited' | 'worker_restarting' | 'engine_disposed';

/**
 * A call a worker-backed engine could not finish because its worker stalled past the watchdog
 * bound, died, or is being restarted: not the request's fault; the server answers 503.
 */
export class EngineUnavailableError extends Error {
  readonly code: EngineUnavailableCode;
  constructor(message: string, code: EngineUnavailableCode) {
    super(message);
    this.name = 'EngineUnavailableError';
    this.code = code;
  }
}


/** Options of `Engine.samplerTrace`. */
export interface SamplerTraceOptions {
  /** How many of the most likely tokens to list at each step. */
  top: number;
  signal?: AbortSignal;
}

/** `Engine.samplerTrace`'s answer: the prompt's length and one entry per step of the chain. */
export interface SamplerTraceResult {
  promptTokens: number;
  /** Greedy parameters: the token is the most likely of the last step. */
  greedy: boolean;
  steps: { stage: string; candidates: number; top: { token: number; text: string; probability: number }[] }[];
}
