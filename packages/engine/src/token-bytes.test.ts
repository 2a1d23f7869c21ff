/** Mapping tokenizer vocabularies to bytes for grammar_string. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ensureTinyModel } from '@textgen-spec/tiny-model';
import { describe, expect, test } from 'vitest';
import { tokenBytesFromTokenizerJson } from './token-bytes.js';

const text = (bytes: Uint8Array | null | undefined) => (bytes ? new TextDecoder().decode(bytes) : bytes);

describe('tokenBytesFromTokenizerJson', () => {
  test('GPT-2 byte-level BPE: every token is the bytes it decodes to', async () => {
    const folder = await ensureTinyModel({});
    const json = JSON.parse(readFileSync(path.join(folder, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number> } };
    const result = tokenBytesFromTokenizerJson(json);
    if (!result.ok) throw new Error(result.reason);
    expect(result.kind).toBe('byte-level');
    expect(result.tokenBytes).toHaveLength(50257);
    const vocab = json.model.vocab;
    expect(text(result.tokenBytes[vocab['Ġhouse']!])).toBe(' house');
    expect(text(result.tokenBytes[vocab['Ċ']!])).toBe('\n');
    // "日" (E6 97 A5) is split over two tokens by GPT-2: their bytes join to the character.
    const [first, second] = [vocab['æĹ']!, vocab['¥']!];
    expect([...result.tokenBytes[first]!, ...result.tokenBytes[second]!]).toEqual([0xe6, 0x97, 0xa5]);
    // <|endoftext|> is special: never matched by a grammar.
    expect(result.tokenBytes[50256]).toBeNull();
  });

  test('SentencePiece-style: ▁ is a space, <0xHH> is a byte, special tokens are null', () => {
    const result = tokenBytesFromTokenizerJson({
      model: { type: 'BPE', byte_fallback: true, vocab: { '<unk>': 0, '<s>': 1, '</s>': 2, '<0x0A>': 3, '▁the': 4, 'cat': 5, '▁': 6 } },
      decoder: {
        type: 'Sequence',
        decoders: [
          { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
          { type: 'ByteFallback' },
          { type: 'Fuse' },
          { type: 'Strip', content: ' ', start: 1, stop: 0 },
        ],
      },
      added_tokens: [
        { id: 0, content: '<unk>', special: true },
        { id: 1, content: '<s>', special: true },
        { id: 2, content: '</s>', special: true },
        { id: 7, content: '<tool>', special: false },
      ],
    });
    if (!result.ok) throw new Error(result.reason);
    expect(result.kind).toBe('sentencepiece');
    expect(result.tokenBytes.slice(0, 3)).toEqual([null, null, null]);
    expect([...result.tokenBytes[3]!]).toEqual([0x0a]);
    expect(result.tokenBytes.slice(4).map(text)).toEqual([' the', 'cat', ' ', '<tool>']);
  });

  test('Unigram with a Metaspace decoder', () => {
    const result = tokenBytesFromTokenizerJson({
      model: { type: 'Unigram', unk_id: 0, vocab: [['<unk>', 0], ['▁a', -1], ['b', -2]] },
      decoder: { type: 'Metaspace', replacement: '▁' },
    });
    if (!result.ok) throw new Error(result.reason);
    expect(result.tokenBytes.map(text)).toEqual([null, ' a', 'b']);
  });

  test('pieces are UTF-8 encoded as TextEncoder does (astral characters, lone surrogates), and SentencePiece added tokens turn ▁ into spaces', () => {
    const pieces = ['a', 'é', '日本', '😀', 'x\uD800y', '\uDC00', 'e\u0301', '▁▁日😀', '\uD83D', 'ab\uD83D\uDE00c'];
    const result = tokenBytesFromTokenizerJson({
      model: { type: 'BPE', vocab: Object.fromEntries(pieces.map((piece, id) => [piece, id])) },
      decoder: { type: 'Metaspace' },
      added_tokens: [{ id: pieces.length, content: '▁▁', special: false }],
    });
    if (!result.ok) throw new Error(result.reason);
    const encoder = new TextEncoder();
    pieces.forEach((piece, id) => expect([...result.tokenBytes[id]!], JSON.stringify(piece)).toEqual([...encoder.encode(piece.replaceAll('▁', ' '))]));
    expect(text(result.tokenBytes[pieces.length])).toBe('  ');
  });

  test('WordPiece and unknown decoders are refused with a reason', () => {
    const wordPiece = tokenBytesFromTokenizerJson({ model: { type: 'WordPiece', vocab: { a: 0, '##b': 1 } }, decoder: { type: 'WordPiece' } });
    expect(wordPiece).toMatchObject({ ok: false, reason: expect.stringContaining('WordPiece') });
    const suffix = tokenBytesFromTokenizerJson({ model: { type: 'BPE', vocab: { 'a</w>': 0 } }, decoder: { type: 'BPEDecoder' } });
    expect(suffix).toMatchObject({ ok: false, reason: expect.stringContaining('BPEDecoder') });
  });
});
