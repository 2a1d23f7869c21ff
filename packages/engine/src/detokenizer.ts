/**
 * Incremental detokenization: turn a stream of token ids into a stream of text pieces whose
 * concatenation is the decoded text, without ever emitting half of a UTF-8 character.
 *
 * When the codec has a byte table (byte-level BPE and SentencePiece tokenizers), the bytes of
 * each token are looked up and joined (byte-detokenizer.ts): no tokenizer decode per token.
 *
 * Otherwise (tokenizers the table cannot map), the classic remedy (also used by vLLM and TGI):
 * decode a small window of recent tokens twice, with and without the new ones, and emit the
 * difference only once it no longer ends in U+FFFD. Decoding the window with a little left
 * context also gets the leading space of SentencePiece tokens ("▁the") right.
 */
import { ByteDetokenizer } from './byte-detokenizer.js';
import type { DetokenizerTable } from './detokenizer-table.js';

/** The tokenizer operations detokenization needs. */
export interface TokenCodec {
  decode(ids: readonly number[], skipSpecialTokens: boolean): string;
  /** The tokenizer's byte table, when it has one (then no decode runs per token). */
  readonly table?: DetokenizerTable | null;
}

/** Tokens of left context kept from the prompt (vLLM uses the same value). */
const INITIAL_CONTEXT_TOKENS = 5;
/**
 * A UTF-8 character has at most 4 bytes, so after this many held tokens the replacement
 * character is real (an invalid byte sequence) and must be released rather than held forever.
 */
const MAX_HELD_TOKENS = 4;

const REPLACEMENT = '\uFFFD';

/** Token ids to text pieces; the byte table's way when the codec has one, else decoded windows. */
export class IncrementalDetokenizer {
  private readonly impl: ByteDetokenizer | WindowDetokenizer;

  /**
   * @param context ids that precede the stream (the prompt). They are never emitted; they
   *   decide whether a SentencePiece leading space is kept (it is, after any context).
   */
  constructor(codec: TokenCodec, skipSpecialTokens: boolean, context: readonly number[] = []) {
    this.impl = codec.table
      ? new ByteDetokenizer(codec.table, skipSpecialTokens, context.length > 0)
      : new WindowDetokenizer(codec, skipSpecialTokens, context);
  }

  /** Adds one token; returns the text it completes ('' while a character is incomplete). */
  push(id: number): string {
    return this.impl.push(id);
  }

  /** Releases whatever is still held (an unfinished character becomes U+FFFD). */
  flush(): string {
    return this.impl.flush();
  }
}

/** The fallback: decodes a window of recent tokens with and without the new one. */
class WindowDetokenizer {
  private readonly ids: number[];
  /** Start of the decoding window. */
  private prefixOffset = 0;
  /** Tokens before this index have been emitted. */
  private readOffset: number;

  /** `context`: only its last few ids are kept, to decode the first new token in context. */
  constructor(
    private readonly codec: TokenCodec,
    private readonly skipSpecialTokens: boolean,
    context: readonly number[],
  ) {
    this.ids = context.slice(-INITIAL_CONTEXT_TOKENS);
    this.readOffset = this.ids.length;
  }

  push(id: number): string {
    this.ids.push(id);
    const held = this.ids.length - this.readOffset;
    const prefixText = this.decodeRange(this.prefixOffset, this.readOffset);
    const fullText = this.decodeRange(this.prefixOffset, this.ids.length);
    if (fullText.endsWith(REPLACEMENT) && held < MAX_HELD_TOKENS) return '';
    return this.emit(prefixText, fullText);
  }

  flush(): string {
    if (this.readOffset === this.ids.length) return '';
    return this.emit(
      this.decodeRange(this.prefixOffset, this.readOffset),
      this.decodeRange(this.prefixOffset, this.ids.length),
    );
  }

  private emit(prefixText: string, fullText: string): string {
    // Decoders are prefix-stable in practice; when one is not (clean-up rules), the common
    // prefix is the part already emitted.
    const delta = fullText.startsWith(prefixText)
      ? fullText.slice(prefixText.length)
      : fullText.slice(commonPrefixLength(prefixText, fullText));
    this.prefixOffset = this.readOffset;
    this.readOffset = this.ids.length;
    return delta;
  }

  private decodeRange(start: number, end: number): string {
    if (end <= start) return '';
    return this.codec.decode(this.ids.slice(start, end), this.skipSpecialTokens);
  }
}

function commonPrefixLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** Number of Unicode code points in a string (text_offset counts these, as Python's len()). */
export function codePointLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A high surrogate followed by a low one is a single code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}
