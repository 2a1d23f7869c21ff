/**
 * Loading a model through transformers.js: from a local folder, from a Hugging Face id
 * (transformers.js downloads and caches it), or the embedded tiny model. The result is the
 * raw onnxruntime session plus everything the decode loop needs to know about it.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { AutoConfig, AutoModelForCausalLM, AutoTokenizer, env } from '@huggingface/transformers';
import type { PreTrainedModel, PreTrainedTokenizer } from '@huggingface/transformers';
import { env as ortEnv, type InferenceSession } from 'onnxruntime-node';
import { FAMILY_MODEL_NAMES, MODEL_FAMILIES, ensureTinyModel, type ModelFamily } from '@textgen-spec/tiny-model';
import type { CacheSlot, GraphSpec } from './model-runner.js';
import { EngineLoadError } from './types.js';
import type { Device, Dtype, EngineLoadOptions, LoadProgressEvent, ModelInfo, RuntimeThreads } from './types.js';

/** ONNX file suffix transformers.js uses for each dtype (`onnx/model<suffix>.onnx`). */
export const DTYPE_FILE_SUFFIX: Readonly<Record<Exclude<Dtype, 'auto'>, string>> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  q4: '_q4',
};

/** Graph inputs the decode loop knows how to feed. */
const KNOWN_INPUTS: ReadonlySet<string> = new Set(['input_ids', 'attention_mask', 'position_ids', 'num_logits_to_keep', 'use_cache_branch']);

export interface LoadedModel {
  info: ModelInfo;
  session: InferenceSession;
  graph: GraphSpec;
  tokenizer: PreTrainedTokenizer;
  /** True when the tokenizer puts BOS in front of encoded text. */
  tokenizerAddsBos: boolean;
  /** Releases the ONNX session. */
  dispose(): Promise<void>;
}

type ModelSource = { kind: 'embedded' | 'local'; path: string; id: string } | { kind: 'hub'; id: string };

/** The name the embedded tiny model goes by in responses and /v1/models. */
export const EMBEDDED_MODEL_ID = 'textgen-tiny';

/** Every embedded model by name: the default (GPT-2) first, then one per model family (textgen-tiny-llama3, ...). */
export const EMBEDDED_MODEL_IDS: readonly string[] = [EMBEDDED_MODEL_ID, ...MODEL_FAMILIES.map((f) => FAMILY_MODEL_NAMES[f])];

/** A Hugging Face id: `name` or `org/name`, letters, digits, `-`, `_` and `.`. */
const HUB_ID = /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/;

async function resolveSource(options: EngineLoadOptions): Promise<ModelSource> {
  const { model } = options;
  if (model === undefined || model === '' || model === EMBEDDED_MODEL_ID) {
    const folder = await embeddedModelFolder(options.cacheDir);
    return { kind: 'embedded', path: folder, id: EMBEDDED_MODEL_ID };
  }
  const family = MODEL_FAMILIES.find((f) => FAMILY_MODEL_NAMES[f] === model);
  if (family) return { kind: 'embedded', path: await embeddedModelFolder(options.cacheDir, family), id: model };
  const absolute = path.resolve(model);
  if (existsSync(absolute)) {
    if (!statSync(absolute).isDirectory()) {
      throw new EngineLoadError(`model path ${absolute} is a file; pass the folder that holds config.json`, 'model_not_found');
    }
    return { kind: 'local', path: absolute, id: path.basename(absolute) };
  }
  const looksLikePath = /^(\.{1,2}[\\/]|[\\/]|~|[A-Za-z]:[\\/])/.test(model) || model.split('/').length > 2;
  if (looksLikePath || !HUB_ID.test(model)) {
    throw new EngineLoadError(`model folder not found: ${absolute}`, 'model_not_found');
  }
  return { kind: 'hub', id: model };
}

async function embeddedModelFolder(cacheDir: string | undefined, family?: ModelFamily): Promise<string> {
  try {
    return await ensureTinyModel({ ...(cacheDir === undefined ? {} : { cacheDir }), ...(family ? { family } : {}) });
  } catch (error) {
    throw new EngineLoadError(`cannot generate the embedded model: ${describe(error)}`, 'invalid_model_files', { cause: error });
  }
}

/** Checks a local folder before transformers.js reads it, for errors that name the fix. */
function checkLocalFolder(folder: string, dtype: Dtype): void {
  const expected = 'config.json, tokenizer.json and onnx/model.onnx (transformers.js layout)';
  for (const file of ['config.json', 'tokenizer.json']) {
    if (!existsSync(path.join(folder, file))) {
      throw new EngineLoadError(`${folder} has no ${file}: a model folder needs ${expected}`, 'invalid_model_files');
    }
  }
  const onnxDir = path.join(folder, 'onnx');
  const graphs = existsSync(onnxDir) ? readdirSync(onnxDir).filter((f) => f.endsWith('.onnx')) : [];
  if (graphs.length === 0) {
    throw new EngineLoadError(`${folder} has no onnx/*.onnx graph: a model folder needs ${expected}`, 'invalid_model_files');
  }
  if (dtype !== 'auto') {
    const file = `model${DTYPE_FILE_SUFFIX[dtype]}.onnx`;
    if (!graphs.includes(file)) {
      const available = Object.entries(DTYPE_FILE_SUFFIX)
        .filter(([, suffix]) => graphs.includes(`model${suffix}.onnx`))
        .map(([name]) => name);
      throw new EngineLoadError(
        `dtype ${dtype} needs onnx/${file}, which ${folder} does not have (available: ${available.join(', ') || 'none'})`,
        'unsupported_dtype',
      );
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Turns a transformers.js / onnxruntime failure into an EngineLoadError with a useful code. */
function classifyLoadError(error: unknown, source: ModelSource, device: Device): EngineLoadError {
  if (error instanceof EngineLoadError) return error;
  const message = describe(error);
  const name = source.kind === 'hub' ? source.id : source.path;
  if (/Unsupported model type/i.test(message)) {
    return new EngineLoadError(`${name}: ${message} (the engine runs decoder-only causal LMs)`, 'unsupported_architecture', { cause: error });
  }
  if (device === 'webgpu' && /webgpu|adapter|vulkan/i.test(message)) {
    const reason = /Failed to get a WebGPU adapter[^\n]*/.exec(message)?.[0] ?? message.trim();
    return new EngineLoadError(
      `no WebGPU adapter (${reason}). On Linux without a GPU, install libvulkan1 and a Vulkan driver ` +
        '(e.g. Debian chromium ships SwiftShader: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json)',
      'webgpu_unavailable',
      { cause: error },
    );
  }
  if (source.kind === 'hub') {
    // transformers.js throws ModelFileNotFoundError for 401/403/404 and for files missing
    // from the cache when downloads are off; other failures are transport or server errors.
    if (error instanceof Error && error.name === 'ModelFileNotFoundError') {
      return new EngineLoadError(`${name} not found on the hub (or not in the cache when offline): ${message}`, 'model_not_found', { cause: error });
    }
    return new EngineLoadError(`could not download ${name}: ${message}`, 'download_failed', { cause: error });
  }
  if (/dtype|_fp16|_q4|_quantized/i.test(message)) {
    return new EngineLoadError(`${name}: ${message}`, 'unsupported_dtype', { cause: error });
  }
  return new EngineLoadError(`${name}: cannot load the model: ${message}`, 'invalid_model_files', { cause: error });
}

type RawConfig = Record<string, unknown>;

function numberField(config: RawConfig, ...names: string[]): number | undefined {
  for (const name of names) {
    const value = config[name];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  return undefined;
}

function idList(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value)) return value.filter((v): v is number => typeof v === 'number');
  return [];
}

/** Reads the graph's I/O and checks that the decode loop can drive it. */
export function inspectGraph(session: InferenceSession, config: RawConfig): GraphSpec {
  const inputs = new Map(session.inputMetadata.map((m) => [m.name, m]));
  const outputs = new Map(session.outputMetadata.map((m) => [m.name, m]));
  const problems: string[] = [];
  for (const required of ['input_ids', 'attention_mask']) if (!inputs.has(required)) problems.push(`no ${required} input`);
  if (!outputs.has('logits')) problems.push('no logits output');
  const unknown = [...inputs.keys()].filter((n) => !KNOWN_INPUTS.has(n) && !n.startsWith('past_key_values.'));
  if (unknown.length > 0) problems.push(`inputs the engine cannot feed: ${unknown.join(', ')}`);

  const heads = numberField(config, 'num_key_value_heads', 'n_head', 'num_attention_heads', 'num_heads');
  const hidden = numberField(config, 'hidden_size', 'n_embd', 'd_model');
  const configHeadDim = numberField(config, 'head_dim') ?? (heads && hidden ? hidden / (numberField(config, 'num_attention_heads', 'n_head') ?? heads) : undefined);

  const cache: CacheSlot[] = [];
  let cacheType: GraphSpec['cacheType'] = 'float32';
  for (const [name, meta] of inputs) {
    if (!name.startsWith('past_key_values.')) continue;
    const output = name.replace('past_key_values.', 'present.');
    if (!outputs.has(output)) {
      problems.push(`cache input ${name} has no ${output} output`);
      continue;
    }
    if (!meta.isTensor || meta.shape.length !== 4) {
      problems.push(`cache input ${name} is not a [batch, heads, length, head_dim] tensor`);
      continue;
    }
    const [, h, , d] = meta.shape;
    const slotHeads = typeof h === 'number' ? h : heads;
    const slotDim = typeof d === 'number' ? d : configHeadDim;
    if (!slotHeads || !slotDim) {
      problems.push(`cannot tell the heads and head size of ${name}`);
      continue;
    }
    if (meta.type === 'float16') cacheType = 'float16';
    else if (meta.type !== 'float32') problems.push(`cache input ${name} has type ${meta.type}`);
    cache.push({ input: name, output, heads: slotHeads, headDim: slotDim });
  }
  if (cache.length === 0 && problems.length === 0) problems.push('the graph has no past_key_values inputs (export it with a KV cache)');
  const position = inputs.get('position_ids');
  if (position?.isTensor && position.shape.length !== 2) problems.push('position_ids is not [batch, sequence] (multimodal RoPE is not supported)');
  if (problems.length > 0) {
    throw new EngineLoadError(`unsupported model graph: ${problems.join('; ')}`, 'unsupported_architecture');
  }

  const logitsMeta = outputs.get('logits')!;
  const lastDim = logitsMeta.isTensor ? logitsMeta.shape.at(-1) : undefined;
  const vocabSize = typeof lastDim === 'number' ? lastDim : numberField(config, 'vocab_size');
  if (!vocabSize) throw new EngineLoadError('cannot tell the vocabulary size (no numeric logits dim, no vocab_size)', 'invalid_model_files');
  const hiddenMeta = outputs.get('last_hidden_state');
  const hiddenDim = hiddenMeta?.isTensor ? hiddenMeta.shape.at(-1) : undefined;
  return {
    cache: sortSlots(cache),
    cacheType,
    hasPositionIds: inputs.has('position_ids'),
    hasNumLogitsToKeep: inputs.has('num_logits_to_keep'),
    hasUseCacheBranch: inputs.has('use_cache_branch'),
    vocabSize,
    hiddenOutput: hiddenMeta ? 'last_hidden_state' : null,
    hiddenSize: typeof hiddenDim === 'number' ? hiddenDim : (hidden ?? null),
  };
}

/** Orders cache slots by layer, key before value (purely cosmetic, for readable dumps). */
function sortSlots(slots: CacheSlot[]): CacheSlot[] {
  const key = (s: CacheSlot) => {
    const [, layer, kind] = s.input.split('.');
    return [Number(layer), kind ?? ''] as const;
  };
  return [...slots].sort((a, b) => key(a)[0] - key(b)[0] || key(a)[1].localeCompare(key(b)[1]));
}

interface ProgressInfoLike {
  status: string;
  file?: string;
  loaded?: number;
  total?: number;
  progress?: number;
}

/** Adapts transformers.js progress callbacks to LoadProgressEvent. */
function progressAdapter(
  onProgress: EngineLoadOptions['onProgress'],
  phase: LoadProgressEvent['phase'],
): ((info: ProgressInfoLike) => void) | undefined {
  if (!onProgress) return undefined;
  const files = new Map<string, { loaded: number; total: number }>();
  let overall = 0;
  return (info) => {
    if (info.status !== 'progress' || info.file === undefined) return;
    const loaded = info.loaded ?? 0;
    const total = info.total ?? 0;
    files.set(info.file, { loaded, total });
    let sumLoaded = 0;
    let sumTotal = 0;
    for (const f of files.values()) {
      sumLoaded += f.loaded;
      sumTotal += f.total;
    }
    // Files are discovered one after another, so the raw ratio can fall back; a progress
    // bar wants a value that only grows.
    if (sumTotal > 0) overall = Math.max(overall, Math.min(100, (sumLoaded / sumTotal) * 100));
    onProgress({ phase, file: info.file, loaded, total, progress: overall });
  };
}

/**
 * On WebGPU, transformers.js asks onnxruntime to leave the `present.*` outputs in GPU
 * buffers. onnxruntime-node 1.30 cannot download such a tensor (`getData()` aborts the
 * process), and the engine needs the cache on the CPU to copy rows between batches. While the
 * session is created, the flag transformers.js reads to skip that request (the wasm proxy
 * flag, which onnxruntime-node itself ignores) is set, then restored. The cost is one cache
 * upload per step; a GPU-resident cache is future work.
 */
async function withCacheOutputsOnCpu<T>(device: Device, create: () => Promise<T>): Promise<T> {
  const wasm = (ortEnv as { wasm?: { proxy?: boolean } }).wasm;
  if (device !== 'webgpu' || !wasm) return create();
  const saved = wasm.proxy;
  wasm.proxy = true;
  try {
    return await create();
  } finally {
    wasm.proxy = saved;
  }
}

/** onnxruntime session options for `threads`; an empty object keeps onnxruntime's defaults. */
export function sessionOptions(threads: RuntimeThreads | undefined): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  if (threads?.count !== undefined) {
    if (!Number.isInteger(threads.count) || threads.count < 0) throw new RangeError(`threads must be an integer >= 0, got ${threads.count}`);
    if (threads.count > 0) options.intraOpNumThreads = threads.count;
  }
  if (threads?.spin !== undefined) {
    const session: Record<string, unknown> = { intra_op: { allow_spinning: threads.spin === false ? '0' : '1' } };
    if (threads.spin === 'run') session.force_spinning_stop = '1';
    options.extra = { session };
  }
  return options;
}

/** Loads model, tokenizer and session; validates that the decode loop can drive them. */
export async function loadModel(options: EngineLoadOptions = {}): Promise<LoadedModel> {
  const device: Device = options.device ?? 'cpu';
  const dtype: Dtype = options.dtype ?? 'auto';
  const source = await resolveSource(options);
  if (source.kind !== 'hub') checkLocalFolder(source.path, dtype);

  const location = source.kind === 'hub' ? source.id : source.path;
  const progress_callback = progressAdapter(options.onProgress, source.kind === 'hub' ? 'download' : 'load');
  const common = {
    ...(options.cacheDir === undefined ? {} : { cache_dir: options.cacheDir }),
    local_files_only: options.localFilesOnly === true,
    ...(progress_callback ? { progress_callback } : {}),
  };

  let model: PreTrainedModel;
  let tokenizer: PreTrainedTokenizer;
  let config: RawConfig;
  try {
    const pretrainedConfig = await AutoConfig.from_pretrained(location, common);
    config = pretrainedConfig as unknown as RawConfig;
    model = await withCacheOutputsOnCpu(device, () =>
      AutoModelForCausalLM.from_pretrained(location, {
        ...common,
        config: pretrainedConfig,
        device,
        ...(dtype === 'auto' ? {} : { dtype }),
        session_options: sessionOptions(options.threads),
      }),
    );
    tokenizer = await AutoTokenizer.from_pretrained(location, common);
  } catch (error) {
    throw classifyLoadError(error, source, device);
  }

  try {
    const sessions = (model as unknown as { sessions: Record<string, InferenceSession & { config?: { dtype?: string } }> }).sessions;
    const session = sessions.model;
    if (!session || Object.keys(sessions).length !== 1) {
      throw new EngineLoadError(
        `unsupported architecture ${String(config.model_type)}: sessions ${Object.keys(sessions).join(', ')} (the engine drives single-graph decoder-only models)`,
        'unsupported_architecture',
      );
    }
    const graph = inspectGraph(session, config);
    const folder = source.kind === 'hub' ? path.join(options.cacheDir ?? env.cacheDir ?? '', source.id) : source.path;
    const info = buildInfo(source, folder, config, model, tokenizer, graph, device, session.config?.dtype);
    const tokenizerAddsBos = addsBos(tokenizer, info.bosTokenId);
    options.onProgress?.({ phase: 'ready' });
    return {
      info,
      session,
      graph,
      tokenizer,
      tokenizerAddsBos,
      dispose: () => model.dispose().then(() => undefined),
    };
  } catch (error) {
    await model.dispose().catch(() => undefined);
    throw error instanceof EngineLoadError ? error : classifyLoadError(error, source, device);
  }
}

/**
 * Whether prompts start with BOS: when the tokenizer's post-processor adds it (as transformers.js
 * encodes), when tokenizer_config.json's `add_bos_token` is true (Llama 2, Gemma), or, with no
 * `add_bos_token` at all, when the config names a BOS token that is the model's: TGW adds a
 * missing BOS ("faulty model metadata"), as Llama 3 tokenizer.json files without a template
 * need. Qwen (`add_bos_token` false, no BOS token) and GPT-2 (false) get none.
 */
function addsBos(tokenizer: PreTrainedTokenizer, bos: number | null): boolean {
  if (bos === null) return false;
  const probe = tokenizer.encode('a', { add_special_tokens: true });
  const plain = tokenizer.encode('a', { add_special_tokens: false });
  if (probe.length > plain.length && probe[0] === bos) return true;
  const config = (tokenizer._tokenizerConfig ?? {}) as { add_bos_token?: unknown; bos_token?: unknown };
  if (typeof config.add_bos_token === 'boolean') return config.add_bos_token;
  return config.bos_token !== undefined && config.bos_token !== null && tokenizer.bos_token_id === bos;
}

function buildInfo(
  source: ModelSource,
  folder: string,
  config: RawConfig,
  model: PreTrainedModel,
  tokenizer: PreTrainedTokenizer,
  graph: GraphSpec,
  device: Device,
  sessionDtype: string | undefined,
): ModelInfo {
  const generation = ((model as unknown as { generation_config?: RawConfig | null }).generation_config ?? {}) as RawConfig;
  const eos = new Set<number>([...idList(generation.eos_token_id), ...idList(config.eos_token_id)]);
  if (eos.size === 0 && typeof tokenizer.eos_token_id === 'number') eos.add(tokenizer.eos_token_id);
  const bos = numberField(config, 'bos_token_id') ?? numberField(generation, 'bos_token_id') ?? tokenizer.bos_token_id ?? null;
  const tokenizerMax = tokenizer.model_max_length;
  const contextLength =
    numberField(config, 'max_position_embeddings', 'n_positions', 'n_ctx', 'max_sequence_length', 'seq_length') ??
    (Number.isFinite(tokenizerMax) && tokenizerMax < 1e7 ? tokenizerMax : 2048);
  const dtype = (['fp32', 'fp16', 'q8', 'q4'] as const).find((d) => d === sessionDtype) ?? 'fp32';
  return {
    id: source.id,
    source: source.kind,
    path: folder,
    modelType: String(config.model_type ?? 'unknown'),
    device,
    dtype,
    contextLength,
    vocabSize: graph.vocabSize,
    maxTokenChars: longestTokenChars((tokenizer as unknown as { _tokenizerJSON?: unknown })._tokenizerJSON),
    bosTokenId: typeof bos === 'number' ? bos : null,
    eosTokenIds: [...eos],
    supportsInfill: false,
    exposesHiddenStates: graph.hiddenOutput !== null,
  };
}

/**
 * The longest token text in a tokenizer.json (BPE/WordPiece vocab object, Unigram list, added
 * tokens), in UTF-16 code units; 64 when the vocabulary cannot be read.
 */
function longestTokenChars(json: unknown): number {
  const model = (json as { model?: { vocab?: unknown } } | undefined)?.model;
  const vocab = model?.vocab;
  let pieces: string[] = [];
  if (Array.isArray(vocab)) pieces = vocab.map((entry: unknown) => (Array.isArray(entry) ? String(entry[0]) : String(entry)));
  else if (vocab !== null && typeof vocab === 'object') pieces = Object.keys(vocab);
  const added = (json as { added_tokens?: { content?: unknown }[] } | undefined)?.added_tokens ?? [];
  for (const token of added) if (typeof token.content === 'string') pieces.push(token.content);
  let longest = 0;
  for (const piece of pieces) longest = Math.max(longest, piece.length);
  return longest > 0 ? longest : 64;
}
