/**
 * Reads the golden vectors (`vectors/tgw-vectors.json.gz`, written by `vectors/generate.py` from
 * text-generation-webui's own sampler code) and turns each case into this package's inputs.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { createSequenceState, defaultSamplingParams } from '../index.js';
import type { SamplingParams, SequenceState } from '../index.js';
import type { DeviationId } from '../tgw-deviations.js';

/** Where the committed vectors are (a URL object, never modified). */
export const VECTORS_PATH = new URL('../../vectors/tgw-vectors.json.gz', import.meta.url);

interface Base {
  vocab: number;
  kind: string;
  logits: string;
}

/** A stochastic stage's record: what it draws from, and its state before and after. */
interface DrawRecord {
  ids: string;
  probs: string;
}

export interface VectorCase {
  id: string;
  base: number;
  maskPermille: number;
  keepOnly?: number[] | null;
  history: number[];
  prompt: number[];
  params: Record<string, unknown>;
  breakers: number[];
  /** TGW's run with token ids reversed disagreed: the result depends on how its sort orders ties. */
  tieSensitive?: boolean;
  /** HEAD-only sampler cases (xtc, top_n_sigma, adaptive_p) run on TGW HEAD's classes. */
  head?: string;
  /** XTC: the token ids TGW protects (newline, EOS). */
  special?: number[];
  /** The final distribution (absent for mirostat and adaptive-p, which end in a draw). */
  ids?: string;
  probs?: string;
  mirostat?: DrawRecord & { mu0: number; muAfter: number };
  /** TGW's float64 result, stored where its float32 arithmetic gave another set of tokens. */
  exact?: DrawRecord;
  adaptive?: DrawRecord & { state0: [number, number]; stateAfter: [number, number]; original: string };
}

export interface Vectors {
  tgw: Record<string, string>;
  transformers: string;
  bases: Base[];
  cases: VectorCase[];
}

export function loadVectors(): Vectors {
  return JSON.parse(gunzipSync(readFileSync(VECTORS_PATH)).toString('utf8')) as Vectors;
}

function bytes(b64: string): Buffer {
  return Buffer.from(b64, 'base64');
}

export function int32s(b64: string): Int32Array {
  const b = bytes(b64);
  return new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export function float32s(b64: string): Float32Array {
  const b = bytes(b64);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** The generator's mask rule: (id * 2654435761 mod 2^32) mod 1000 < permille. */
export function isMasked(id: number, permille: number): boolean {
  return permille > 0 && (Math.imul(id, 2654435761) >>> 0) % 1000 < permille;
}

/** Decoded base rows, shared by every case of the test file (decoding 50,257 floats per case would add up); never mutated: callers get copies. */
const baseCache = new Map<number, Float32Array>();

/** The logits of a case: its base row with the mask (or the keep-only list) applied. */
export function caseLogits(v: Vectors, c: VectorCase): Float32Array {
  let base = baseCache.get(c.base);
  if (base === undefined) {
    base = float32s(v.bases[c.base]!.logits);
    baseCache.set(c.base, base);
  }
  const logits = base.slice();
  if (c.keepOnly) {
    const keep = new Set(c.keepOnly);
    for (let i = 0; i < logits.length; i++) if (!keep.has(i)) logits[i] = -Infinity;
  } else {
    for (let i = 0; i < logits.length; i++) if (isMasked(i, c.maskPermille)) logits[i] = -Infinity;
  }
  return logits;
}

/** This package's parameters for a case: the same names and units as TGW's. */
export function caseParams(c: VectorCase): SamplingParams {
  return defaultSamplingParams({
    ...(c.params as Partial<SamplingParams>),
    dry_sequence_breakers: c.breakers.map((b) => [b]),
    eos_token_ids: c.special ?? [],
  });
}

/** A sequence whose context is the case's history and whose prompt is the case's prompt. */
export function caseState(c: VectorCase): SequenceState {
  const state = createSequenceState(c.prompt, 1);
  state.tokens.length = 0;
  state.tokens.push(...c.history);
  return state;
}

/** The vector's distribution as a token -> probability map. */
export function expectedDistribution(ids: string, probs: string): Map<number, number> {
  const i = int32s(ids);
  const p = float32s(probs);
  const out = new Map<number, number>();
  for (let k = 0; k < i.length; k++) out.set(i[k]!, p[k]!);
  return out;
}

const TEMPERATURE_SAMPLERS = ['temperature', 'dynamic_temperature', 'quadratic_sampling'] as const;

/** Which rows of TGW_DEVIATIONS apply to a case (its result may differ from TGW's for those). */
export function deviationsOf(c: VectorCase): DeviationId[] {
  const p = caseParams(c);
  const out: DeviationId[] = [];
  const penalized = p.repetition_penalty > 1 || p.presence_penalty !== 0 || p.frequency_penalty !== 0;
  if (penalized && p.repetition_penalty !== 1.1) out.push('repetition-penalty-forced');
  const range = p.repetition_penalty_range;
  if (!penalized && p.repetition_penalty < 1 && range > 0 && range < c.history.length) {
    out.push('repetition-penalty-below-1');
  }
  if (p.temperature_last && p.sampler_priority !== null) {
    const active = {
      temperature: p.temperature !== 1,
      dynamic_temperature: p.dynamic_temperature,
      quadratic_sampling: p.smoothing_factor > 0,
    };
    if (TEMPERATURE_SAMPLERS.some((s) => active[s] && !p.sampler_priority!.includes(s))) {
      out.push('temperature-last-unnamed');
    }
  }
  const truncated = c.maskPermille > 0 || !!c.keepOnly || p.top_k > 0 || p.top_p < 1 || p.min_p > 0;
  if (c.head === 'top_n_sigma' && truncated) out.push('top-n-sigma-masked');
  return out;
}
