/**
 * The bytes each token stands for, read from a Hugging Face `tokenizer.json`: what the grammar
 * constraint (grammar_string) matches against the grammar, byte by byte.
 *
 * Two tokenizer families can be mapped:
 * - **byte-level BPE** (GPT-2, Llama 3, Qwen...: a `ByteLevel` decoder): each character of a
 *   token string stands for one byte through GPT-2's `bytes_to_unicode` table;
 * - **SentencePiece-style** (Llama 2, Mistral, Gemma...: a `Metaspace` decoder or a `Replace`
 *   of `▁` by a space): `▁` is a space, `<0xHH>` byte-fallback tokens are that byte, and every
 *   other piece is its UTF-8 text.
 *
 * Special tokens (BOS, EOS, pad, control tokens) map to null: the grammar never allows them
 * (the constraint treats EOS separately). Other tokenizers (WordPiece's `##` continuations,
 * BPE with end-of-word suffixes...) cannot be mapped: the result says why.
 */

/** The parts of `tokenizer.json` read here. */
interface TokenizerJson {
  model?: { type?: string; vocab?: unknown; unk_id?: number | null; byte_fallback?: boolean };
  decoder?: DecoderJson | null;
  pre_tokenizer?: DecoderJson | null;
  added_tokens?: { id: number; content: string; special?: boolean }[];
}

export interface DecoderJson {
  type?: string;
  start?: number;
  decoders?: DecoderJson[];
  pretokenizers?: DecoderJson[];
  pattern?: { String?: string; Regex?: string };
  content?: string;
  replacement?: string;
}

export type TokenBytesResult =
  | { ok: true; kind: 'byte-level' | 'sentencepiece'; tokenBytes: (Uint8Array | null)[] }
  | { ok: false; reason: string };

/**
 * GPT-2's `bytes_to_unicode`, inverted, indexed by UTF-16 code unit (-1: not a byte): printable
 * bytes stand for themselves, the rest map to U+0100 onwards.
 */
function byteLevelDecoder(): Int16Array {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const table = new Int16Array(0x200).fill(-1);
  let next = 0;
  for (let b = 0; b < 256; b++) table[printable(b) ? b : 256 + next++] = b;
  return table;
}

/** Every decoder (or pre-tokenizer) of a possibly nested `Sequence`. */
export function flattenDecoders(node: DecoderJson | null | undefined): DecoderJson[] {
  if (!node) return [];
  const children = node.decoders ?? node.pretokenizers;
  return children ? children.flatMap(flattenDecoders) : [node];
}

/** Token id -> token string, from a BPE/WordLevel vocab object or a Unigram `[piece, score]` list. */
function vocabPieces(model: NonNullable<TokenizerJson['model']>): (string | undefined)[] | null {
  const pieces: (string | undefined)[] = [];
  const { vocab } = model;
  if (Array.isArray(vocab)) {
    vocab.forEach((entry, id) => {
      if (Array.isArray(entry) && typeof entry[0] === 'string') pieces[id] = entry[0];
    });
  } else if (vocab && typeof vocab === 'object') {
    // for...in, not Object.entries: a 262k-entry vocabulary would allocate as many pairs.
    const byPiece = vocab as Record<string, unknown>;
    for (const piece in byPiece) {
      const id = byPiece[piece];
      if (typeof id === 'number' && Number.isInteger(id) && id >= 0) pieces[id] = piece;
    }
  } else {
    return null;
  }
  return pieces;
}

const BYTE_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;

/**
 * Maps every token id of `json` (a parsed `tokenizer.json`) to its bytes, or says why this
 * tokenizer cannot be mapped. `vocabulary`, when given, is the same vocabulary as id -> piece.
 */
export function tokenBytesFromTokenizerJson(json: unknown, vocabulary?: readonly (string | undefined)[]): TokenBytesResult {
  const tokenizer = (json ?? {}) as TokenizerJson;
  const model = tokenizer.model;
  const type = model?.type ?? 'unknown';
  if (!model || (type !== 'BPE' && type !== 'Unigram' && type !== 'WordLevel')) {
    return { ok: false, reason: `its tokenizer model is ${type} (only byte-level BPE and SentencePiece-style vocabularies can be mapped to bytes)` };
  }
  // Reading a 262k-entry vocab object takes a second; a tokenizer that already holds it as an
  // id-indexed array (transformers.js does) passes that instead.
  const pieces = vocabulary ?? vocabPieces(model);
  if (!pieces) return { ok: false, reason: 'its tokenizer.json has no readable vocabulary' };

  const decoders = flattenDecoders(tokenizer.decoder);
  const preTokenizers = flattenDecoders(tokenizer.pre_tokenizer);
  const byteLevel = decoders.some((d) => d.type === 'ByteLevel') || (decoders.length === 0 && preTokenizers.some((p) => p.type === 'ByteLevel'));
  const metaspace =
    decoders.some((d) => d.type === 'Metaspace' || (d.type === 'Replace' && d.pattern?.String === '▁' && d.content === ' ')) ||
    (decoders.length === 0 && preTokenizers.some((p) => p.type === 'Metaspace'));
  const byteFallback = model.byte_fallback === true || decoders.some((d) => d.type === 'ByteFallback');
  if (!byteLevel && !metaspace) {
    const names = decoders.map((d) => d.type).join(', ') || 'none';
    return { ok: false, reason: `its tokenizer is neither byte-level BPE nor SentencePiece-style (decoders: ${names})` };
  }

  const special = new Set<number>();
  const added = new Map<number, string>();
  for (const token of tokenizer.added_tokens ?? []) {
    if (token.special) special.add(token.id);
    else added.set(token.id, token.content);
  }
  if (typeof model.unk_id === 'number') special.add(model.unk_id);

  let size = pieces.length;
  for (const token of tokenizer.added_tokens ?? []) size = Math.max(size, token.id + 1);

  const decoder = byteLevel ? byteLevelDecoder() : null;
  const tokenBytes: (Uint8Array | null)[] = new Array<Uint8Array | null>(size).fill(null);
  for (let id = 0; id < size; id++) {
    if (special.has(id)) continue;
    // Added tokens that are not special are plain text, outside the byte-level alphabet (a
    // SentencePiece decoder still turns their `▁` into spaces: Gemma's "▁▁" tokens).
    const text = added.get(id);
    if (text !== undefined && decoder) {
      tokenBytes[id] = utf8(text);
      continue;
    }
    const piece = text ?? pieces[id];
    if (piece === undefined || piece === '') continue;
    tokenBytes[id] = decoder ? byteLevelBytes(piece, decoder) : sentencePieceBytes(piece, byteFallback);
  }
  return { ok: true, kind: byteLevel ? 'byte-level' : 'sentencepiece', tokenBytes };
}

/**
 * UTF-8 of a string, as TextEncoder writes it (a lone surrogate becomes U+FFFD), in plain JS:
 * for the short strings of a vocabulary this beats one TextEncoder call per token severalfold.
 */
function utf8(text: string): Uint8Array {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) length += 1;
    else if (c < 0x800) length += 2;
    else if (c >= 0xd800 && c <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      length += 4;
      i++;
    } else length += 3;
  }
  const bytes = new Uint8Array(length);
  let at = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      bytes[at++] = c;
      continue;
    }
    if (c < 0x800) {
      bytes[at++] = 0xc0 | (c >> 6);
    } else {
      if (c >= 0xd800 && c <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
        c = 0x10000 + ((c - 0xd800) << 10) + (text.charCodeAt(++i) - 0xdc00);
        bytes[at++] = 0xf0 | (c >> 18);
        bytes[at++] = 0x80 | ((c >> 12) & 0x3f);
      } else {
        if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
        bytes[at++] = 0xe0 | (c >> 12);
      }
      bytes[at++] = 0x80 | ((c >> 6) & 0x3f);
    }
    bytes[at++] = 0x80 | (c & 0x3f);
  }
  return bytes;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** A SentencePiece piece's bytes: `<0xHH>` is that byte (with byte fallback), `▁` a space. */
function sentencePieceBytes(piece: string, byteFallback: boolean): Uint8Array {
  const byte = byteFallback && piece.length === 6 && piece.startsWith('<0x') ? BYTE_TOKEN.exec(piece) : null;
  if (byte) return Uint8Array.of(parseInt(byte[1]!, 16));
  return utf8(piece.includes('▁') ? piece.replaceAll('▁', ' ') : piece);
}

/** The bytes behind a byte-level token string; null if a character is outside the table. */
function byteLevelBytes(piece: string, decoder: Int16Array): Uint8Array | null {
  const bytes = new Uint8Array(piece.length);
  for (let i = 0; i < piece.length; i++) {
    const c = piece.charCodeAt(i);
    const b = c < decoder.length ? decoder[c]! : -1;
    if (b < 0) return null;
    bytes[i] = b;
  }
  return bytes;
}
