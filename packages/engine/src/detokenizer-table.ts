/**
 * What byte-level incremental detokenization needs to know about a tokenizer, read once from
 * its `tokenizer.json` and `tokenizer_config.json`: each token's bytes (token-bytes.ts), the
 * text of its special tokens, the leading spaces its decoder strips at the start of a decode
 * (SentencePiece's `Strip` decoder, `Metaspace`), and whether decoding cleans up tokenization
 * spaces (`clean_up_tokenization_spaces`, on for Llama 3).
 *
 * The table also caches each token's text when its bytes are complete UTF-8 on their own, so
 * that most tokens cost one array lookup.
 */
import { flattenDecoders, tokenBytesFromTokenizerJson, type DecoderJson, type TokenBytesResult } from './token-bytes.js';

export interface DetokenizerTable {
  kind: 'byte-level' | 'sentencepiece';
  /** Bytes of each ordinary token (null: a special token, or an id the tokenizer cannot decode). */
  tokenBytes: readonly (Uint8Array | null)[];
  /** Text of each special token (shown unless skip_special_tokens). */
  specialText: ReadonlyMap<number, string>;
  /** Leading spaces a decode without left context strips (SentencePiece's `Strip`/`Metaspace`). */
  stripLeadingSpaces: number;
  /** Decoding applies `clean_up_tokenization` (" ." -> ".", " n't" -> "n't"...). */
  cleanUpSpaces: boolean;
  /** A token's text when its bytes are complete UTF-8 by themselves; null when they are not. */
  tokenText(id: number): string | null;
}

interface TokenizerJsonParts {
  decoder?: DecoderJson | null;
  added_tokens?: { id: number; content: string; special?: boolean }[];
}

interface TokenizerConfigParts {
  clean_up_tokenization_spaces?: boolean;
  additional_special_tokens?: unknown;
}

/**
 * The table of a tokenizer, or why it has none (then the detokenizer decodes windows of
 * tokens with the tokenizer itself). `config` is the parsed `tokenizer_config.json`;
 * `vocabulary` the same vocabulary as id -> piece, when the caller has it (a faster read);
 * `result` the tokens' bytes when the caller has already read them (the table shares them).
 */
export function detokenizerTable(
  json: unknown,
  config: unknown,
  vocabulary?: readonly (string | undefined)[],
  result: TokenBytesResult = tokenBytesFromTokenizerJson(json, vocabulary),
): DetokenizerTable | string {
  if (!result.ok) return result.reason;
  const tokenizer = (json ?? {}) as TokenizerJsonParts;
  const settings = (config ?? {}) as TokenizerConfigParts;
  const extra = new Set(Array.isArray(settings.additional_special_tokens) ? settings.additional_special_tokens : []);
  const specialText = new Map<number, string>();
  for (const token of tokenizer.added_tokens ?? []) {
    if (token.special || extra.has(token.content)) specialText.set(token.id, token.content);
  }
  const tokenBytes = result.tokenBytes.slice();
  for (const id of specialText.keys()) if (id < tokenBytes.length) tokenBytes[id] = null;
  return {
    kind: result.kind,
    tokenBytes,
    specialText,
    stripLeadingSpaces: leadingStrip(tokenizer.decoder),
    // transformers.js (and Python transformers) clean up unless the config says false.
    cleanUpSpaces: settings.clean_up_tokenization_spaces ?? true,
    tokenText: tokenTextCache(tokenBytes),
  };
}

/** Spaces stripped at the start of a decode: a `Strip` of " " (Llama 2) or a `Metaspace` decoder. */
function leadingStrip(decoder: DecoderJson | null | undefined): number {
  let strip = 0;
  for (const step of flattenDecoders(decoder)) {
    if (step.type === 'Strip' && step.content === ' ') strip += step.start ?? 0;
    if (step.type === 'Metaspace') strip += 1;
  }
  return strip;
}

/** Token id -> its text when its bytes are valid, complete UTF-8; computed on first use. */
function tokenTextCache(tokenBytes: readonly (Uint8Array | null)[]): (id: number) => string | null {
  const texts: (string | null | undefined)[] = new Array<string | null | undefined>(tokenBytes.length);
  const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  return (id) => {
    const cached = texts[id];
    if (cached !== undefined) return cached;
    const bytes = tokenBytes[id];
    let text: string | null = null;
    if (bytes) {
      try {
        text = strict.decode(bytes);
      } catch {
        text = null;
      }
    }
    if (id >= 0 && id < texts.length) texts[id] = text;
    return text;
  };
}
