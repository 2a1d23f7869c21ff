/**
 * Byte-level incremental detokenization: each token's bytes come from a table read from
 * `tokenizer.json` (detokenizer-table.ts), so a new token costs a lookup (its text is cached
 * when its bytes are complete UTF-8) or, while a character is split over tokens, a UTF-8
 * decode of the few held bytes. No tokenizer decode runs per token.
 *
 * It reproduces what decoding the whole sequence gives (transformers.js `decode`):
 * - bytes of consecutive tokens join before UTF-8 decoding, so a character split over tokens
 *   (byte-level BPE, SentencePiece `<0xHH>` byte fallback) comes out whole, never as U+FFFD;
 *   invalid bytes become U+FFFD where a whole decode puts it;
 * - special tokens show their text, or nothing with skip_special_tokens (a skipped token does
 *   not interrupt a split character; a shown one releases it, as the decoder does);
 * - SentencePiece's leading space (`▁`) is kept, except at the very start of a decode without
 *   left context, where the tokenizer's `Strip` / `Metaspace` decoder drops it;
 * - `clean_up_tokenization_spaces`, when the tokenizer config asks for it (space-cleanup.ts).
 */
import type { DetokenizerTable } from './detokenizer-table.js';
import { SpaceCleanupStream } from './space-cleanup.js';

/** Bytes a UTF-8 sequence starting with `lead` has (1 for bytes that cannot start one). */
function sequenceLength(lead: number): number {
  if (lead >= 0xf5) return 1;
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  if (lead >= 0xc2) return 2;
  return 1;
}

/** Length of the prefix of `bytes` that does not end inside an unfinished UTF-8 sequence. */
function completeLength(bytes: readonly number[]): number {
  const n = bytes.length;
  for (let i = n - 1; i >= 0 && i >= n - 3; i--) {
    const byte = bytes[i]!;
    if ((byte & 0xc0) === 0x80) continue;
    return n - i < sequenceLength(byte) ? i : n;
  }
  return n;
}

export class ByteDetokenizer {
  /** Bytes of a character not finished yet (at most 3). */
  private held: number[] = [];
  /** Leading spaces still to strip (only at the start of a decode without context). */
  private strip: number;
  private readonly cleanup: SpaceCleanupStream | null;
  private readonly utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

  constructor(
    private readonly table: DetokenizerTable,
    private readonly skipSpecialTokens: boolean,
    hasContext: boolean,
  ) {
    this.strip = hasContext ? 0 : table.stripLeadingSpaces;
    this.cleanup = table.cleanUpSpaces ? new SpaceCleanupStream() : null;
  }

  /** Adds one token; returns the text it completes. */
  push(id: number): string {
    const bytes = this.table.tokenBytes[id];
    if (bytes) {
      if (this.held.length === 0) {
        const text = this.table.tokenText(id);
        if (text !== null) return this.output(text);
      }
      for (const byte of bytes) this.held.push(byte);
      return this.output(this.releaseComplete());
    }
    const special = this.table.specialText.get(id);
    // Ids the tokenizer cannot decode (beyond its vocabulary) add no text.
    if (special === undefined || this.skipSpecialTokens) return '';
    return this.output(this.releaseAll() + special);
  }

  /** Releases whatever is held (an unfinished character becomes U+FFFD). */
  flush(): string {
    const text = this.output(this.releaseAll());
    return this.cleanup ? text + this.cleanup.flush() : text;
  }

  private releaseComplete(): string {
    const complete = completeLength(this.held);
    if (complete === 0) return '';
    const text = this.utf8.decode(Uint8Array.from(this.held.slice(0, complete)));
    this.held = this.held.slice(complete);
    return text;
  }

  private releaseAll(): string {
    if (this.held.length === 0) return '';
    const text = this.utf8.decode(Uint8Array.from(this.held));
    this.held = [];
    return text;
  }

  private output(raw: string): string {
    let text = raw;
    while (this.strip > 0 && text.charCodeAt(0) === 32) {
      text = text.slice(1);
      this.strip--;
    }
    if (text !== '') this.strip = 0;
    return this.cleanup ? this.cleanup.push(text) : text;
  }
}
