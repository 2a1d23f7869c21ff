import { describe, expect, it } from 'vitest';
import { loadGpt2TokenVocabulary } from './index.js';

const decode = (bytes: readonly (Uint8Array | null)[], ids: readonly number[]) =>
  Buffer.concat(ids.map((id) => bytes[id]!)).toString('utf8');

describe('loadGpt2TokenVocabulary', () => {
  const vocab = loadGpt2TokenVocabulary();

  it('has every GPT-2 token, with <|endoftext|> as the only special one', () => {
    expect(vocab.tokenBytes).toHaveLength(50257);
    expect(vocab.eos).toBe(50256);
    expect(vocab.eosTokenIds).toEqual([50256]);
    expect(vocab.tokenBytes.filter((b) => b === null)).toHaveLength(1);
    expect(vocab.tokenBytes[50256]).toBeNull();
  });

  it('decodes byte-level tokens to the bytes they stand for', () => {
    expect([...vocab.tokenBytes[198]!]).toEqual([0x0a]); // "Ċ" is the newline
    expect([...vocab.tokenBytes[220]!]).toEqual([0x20]); // "Ġ" is the space
    for (const text of ['Hello, world!', ' naïve café — 日本語', 'a\n\tb']) expect(decode(vocab.tokenBytes, vocab.encode(text))).toBe(text);
  });

  it('is built once and shared', () => {
    expect(loadGpt2TokenVocabulary()).toBe(vocab);
  });
});
