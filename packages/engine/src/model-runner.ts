/**
 * One forward pass of a decoder-only ONNX graph, fed directly through onnxruntime-node.
 *
 * transformers.js creates the InferenceSession (download, cache, dtype and device choice);
 * from then on the engine feeds the session itself: the library's `forward()` wraps every
 * tensor and re-validates inputs on each step, which costs more than the step itself on
 * small models. The I/O contract is the one transformers.js uses (see
 * docs: `input_ids`, `attention_mask`, optional `position_ids`, `past_key_values.{i}.key|value`
 * in, `logits` and `present.{i}.key|value` out).
 */
import { Tensor } from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-node';

type OrtTensor = InstanceType<typeof Tensor>;

/** One key or value cache tensor of the graph. */
export interface CacheSlot {
  /** e.g. `past_key_values.0.key` */
  input: string;
  /** e.g. `present.0.key` */
  output: string;
  heads: number;
  headDim: number;
}

/** What the engine needs to know about the graph, read once at load time. */
export interface GraphSpec {
  cache: CacheSlot[];
  /** Element type of the cache tensors. */
  cacheType: 'float32' | 'float16';
  hasPositionIds: boolean;
  /** Graphs exported with `num_logits_to_keep` can skip the LM head on prompt positions. */
  hasNumLogitsToKeep: boolean;
  /** Merged decoders (with and without past) take a boolean branch selector. */
  hasUseCacheBranch: boolean;
  /** Width of the logits (may exceed the tokenizer's vocabulary when padded). */
  vocabSize: number;
  /** Name of an output holding the last hidden state, if the graph has one. */
  hiddenOutput: string | null;
  hiddenSize: number | null;
}

/**
 * The key/value cache of a batch: one tensor per cache slot, shape
 * `[batch, heads, length, headDim]`. Rows are left-padded to a common length.
 */
export class KvCache {
  constructor(
    readonly tensors: readonly OrtTensor[],
    readonly batch: number,
    readonly length: number,
  ) {}

  /** Drops the tensors' data now rather than at garbage collection. */
  dispose(): void {
    for (const t of this.tensors) t.dispose();
  }
}

export interface ForwardRequest {
  /** `[batch][tokens]` token ids; every row has the same number of tokens. */
  tokens: readonly (readonly number[])[];
  /** Per row, how many leading cache positions are padding (masked out). */
  padLeft: readonly number[];
  /** Per row, the position id of its first new token. */
  positions: readonly number[];
  cache: KvCache;
  /** 'last': only the logits of each row's last token are needed. */
  logits: 'all' | 'last';
  /** Also return the last hidden state (contrastive search); needs `GraphSpec.hiddenOutput`. */
  hidden?: boolean;
}

export interface ForwardResult {
  /** `[batch, rows, vocab]` float32 logits, where rows is the token count or 1 for 'last'. */
  logits: Float32Array;
  rowsPerSequence: number;
  /** `[batch, rows, hidden]` when requested. */
  hidden: Float32Array | null;
  /** The cache extended with the new tokens. The input cache is left untouched. */
  cache: KvCache;
}

/**
 * Runs forward passes on one session. Calls are serialized: concurrent requests on one
 * engine take turns step by step, which is also what a single-session runtime needs.
 */
export class ModelRunner {
  private queue: Promise<unknown> = Promise.resolve();
  /** Forward passes run so far (BatchStats). */
  passes = 0;
  /**
   * Prompt positions a prefill feeds per pass (prefill.ts): at most PREFILL_CHUNK, fewer on a
   * model slow enough that such a pass would hold every other request for long (set once at
   * load by calibratePrefillChunk, then fixed: the same prompt is always cut the same way).
   */
  prefillChunk = 256;
  /** The int64 inputs, reused from pass to pass (passes run one at a time). */
  private readonly inputs = new InputBuffers();

  constructor(
    private readonly session: InferenceSession,
    readonly spec: GraphSpec,
  ) {}

  /** An empty cache (length 0) for `batch` rows. */
  emptyCache(batch: number): KvCache {
    const tensors = this.spec.cache.map((slot) => {
      const dims = [batch, slot.heads, 0, slot.headDim];
      return this.spec.cacheType === 'float16'
        ? new Tensor('float16', new Uint16Array(0), dims)
        : new Tensor('float32', new Float32Array(0), dims);
    });
    return new KvCache(tensors, batch, 0);
  }

  /** Resolves once the passes queued so far have run. */
  async idle(): Promise<void> {
    await this.queue;
  }

  async forward(request: ForwardRequest): Promise<ForwardResult> {
    const run = this.queue.then(() => this.runForward(request));
    // Keep the chain alive whether or not this call fails.
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async runForward(request: ForwardRequest): Promise<ForwardResult> {
    const { spec } = this;
    const { tokens, cache } = request;
    const batch = tokens.length;
    const steps = tokens[0]?.length ?? 0;
    if (batch !== cache.batch) throw new Error(`forward: ${batch} rows but the cache has ${cache.batch}`);
    if (steps === 0 || tokens.some((row) => row.length !== steps)) {
      throw new Error('forward: every row needs the same, non-zero number of tokens');
    }
    const total = cache.length + steps;
    this.passes++;

    const { inputIds, positionIds, mask } = this.inputs.views(batch * steps, batch * total);
    for (let b = 0; b < batch; b++) {
      const row = tokens[b]!;
      const start = request.positions[b]!;
      for (let s = 0; s < steps; s++) {
        inputIds[b * steps + s] = BigInt(row[s]!);
        positionIds[b * steps + s] = BigInt(start + s);
      }
      const pad = request.padLeft[b]!;
      mask.fill(0n, b * total, b * total + pad);
      mask.fill(1n, b * total + pad, (b + 1) * total);
    }

    const feeds: Record<string, OrtTensor> = {
      input_ids: new Tensor('int64', inputIds, [batch, steps]),
      attention_mask: new Tensor('int64', mask, [batch, total]),
    };
    if (spec.hasPositionIds) feeds.position_ids = new Tensor('int64', positionIds, [batch, steps]);
    if (spec.hasNumLogitsToKeep) {
      feeds.num_logits_to_keep = new Tensor('int64', BigInt64Array.of(request.logits === 'last' ? 1n : 0n), []);
    }
    if (spec.hasUseCacheBranch) feeds.use_cache_branch = new Tensor('bool', Uint8Array.of(cache.length > 0 ? 1 : 0), [1]);
    spec.cache.forEach((slot, i) => {
      feeds[slot.input] = cache.tensors[i]!;
    });

    const fetches = ['logits', ...spec.cache.map((slot) => slot.output)];
    const wantHidden = request.hidden === true && spec.hiddenOutput !== null;
    if (wantHidden) fetches.push(spec.hiddenOutput!);

    const out = await this.session.run(feeds, fetches);

    const logitsTensor = out.logits!;
    const rowsOut = logitsTensor.dims[1]!;
    let logits = toFloat32(logitsTensor);
    let rowsPerSequence = rowsOut;
    if (request.logits === 'last' && rowsOut > 1) {
      logits = lastRows(logits, batch, rowsOut, spec.vocabSize);
      rowsPerSequence = 1;
    }
    const present = spec.cache.map((slot) => out[slot.output]!);
    return {
      logits,
      rowsPerSequence,
      hidden: wantHidden ? toFloat32(out[spec.hiddenOutput!]!) : null,
      cache: new KvCache(present, batch, total),
    };
  }
}

/**
 * Grow-only int64 buffers for input_ids, position_ids and attention_mask: a pass feeds views
 * of them instead of allocating three arrays. Safe because passes never overlap (ModelRunner's
 * queue) and onnxruntime reads its inputs during the pass only.
 */
class InputBuffers {
  private ids = new BigInt64Array(0);
  private positions = new BigInt64Array(0);
  private masks = new BigInt64Array(0);

  views(tokens: number, maskLength: number): { inputIds: BigInt64Array; positionIds: BigInt64Array; mask: BigInt64Array } {
    if (this.ids.length < tokens) {
      this.ids = new BigInt64Array(grown(tokens));
      this.positions = new BigInt64Array(grown(tokens));
    }
    if (this.masks.length < maskLength) this.masks = new BigInt64Array(grown(maskLength));
    return { inputIds: this.ids.subarray(0, tokens), positionIds: this.positions.subarray(0, tokens), mask: this.masks.subarray(0, maskLength) };
  }
}

/** Room for `n` elements and some growth, so that a growing cache does not reallocate every step. */
function grown(n: number): number {
  return Math.max(64, Math.ceil(n * 1.5));
}

/** The last row of each sequence of a `[batch, rows, width]` array. */
function lastRows(data: Float32Array, batch: number, rows: number, width: number): Float32Array {
  if (batch === 1) return data.subarray((rows - 1) * width, rows * width);
  const result = new Float32Array(batch * width);
  for (let b = 0; b < batch; b++) {
    result.set(data.subarray((b * rows + rows - 1) * width, (b * rows + rows) * width), b * width);
  }
  return result;
}

/** Float32 view or copy of a CPU tensor (float16 outputs are widened). */
export function toFloat32(tensor: OrtTensor): Float32Array {
  if (tensor.type === 'float32') return tensor.data as Float32Array;
  if (tensor.type === 'float16') return float16ToFloat32(tensor.data as Uint16Array);
  throw new Error(`unexpected ${tensor.type} output`);
}

function float16ToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i]!;
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0) out[i] = sign * mantissa * 2 ** -24;
    else if (exponent === 31) out[i] = mantissa ? NaN : sign * Infinity;
    else out[i] = sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }
  return out;
}

/** CPU data of a cache tensor (float16 bits as Uint16Array). */
function cpuData(tensor: OrtTensor): Float32Array | Uint16Array {
  // The loader keeps cache outputs on the CPU (see load-model.ts): onnxruntime-node cannot
  // download a GPU tensor, so a GPU-resident cache would need its own code path.
  if (tensor.location !== 'cpu') throw new Error(`cache tensor is on '${tensor.location}', expected 'cpu'`);
  const data = tensor.data;
  if (data instanceof Float32Array || data instanceof Uint16Array) return data;
  // Node 22+ may hand out Float16Array; reinterpret its bits.
  const view = data as unknown as ArrayBufferView;
  return new Uint16Array(view.buffer, view.byteOffset, view.byteLength / 2);
}

export interface RowSource {
  /** The cache that holds the row. */
  cache: KvCache;
  /** Row index in that cache. */
  row: number;
  /** Leading padding positions of that row in that cache. */
  padLeft: number;
  /** Trailing positions to leave out (draft tokens that were rejected). Default 0. */
  trim?: number;
}

/**
 * Assembles a new cache from rows of existing caches (tiling a prompt's cache for n
 * sequences, joining several prompts, dropping finished rows, or rolling back rejected draft
 * tokens with `trim`). Rows are left-padded to the longest one; positions that only hold
 * padding in every row are dropped. Returns the new cache and each row's padding.
 */
export function gatherRows(
  runner: ModelRunner,
  rows: readonly RowSource[],
): { cache: KvCache; padLeft: number[] } {
  const lengths = rows.map((r) => r.cache.length - r.padLeft - (r.trim ?? 0));
  const length = Math.max(0, ...lengths);
  const padLeft = lengths.map((l) => length - l);
  const { spec } = runner;
  const sources = new Map<KvCache, (Float32Array | Uint16Array)[]>();
  for (const r of rows) {
    if (!sources.has(r.cache)) sources.set(r.cache, r.cache.tensors.map(cpuData));
  }
  const tensors = spec.cache.map((slot, s) => {
    const { heads, headDim } = slot;
    const out = spec.cacheType === 'float16' ? new Uint16Array(rows.length * heads * length * headDim) : new Float32Array(rows.length * heads * length * headDim);
    rows.forEach((r, b) => {
      const src = sources.get(r.cache)![s]!;
      const srcLength = r.cache.length;
      const count = lengths[b]! * headDim;
      for (let h = 0; h < heads; h++) {
        const from = ((r.row * heads + h) * srcLength + r.padLeft) * headDim;
        const to = ((b * heads + h) * length + padLeft[b]!) * headDim;
        out.set(src.subarray(from, from + count), to);
      }
    });
    const dims = [rows.length, heads, length, headDim];
    return out instanceof Uint16Array ? new Tensor('float16', out, dims) : new Tensor('float32', out, dims);
  });
  return { cache: new KvCache(tensors, rows.length, length), padLeft };
}
