import { describe, expect, it } from 'vitest';
import { loadGpt2TokenVocabulary as loadGpt2Vocabulary } from '@textgen-spec/tiny-model/testing';
import {
  createGrammarConstraint,
  parseGrammar,
  type GrammarConstraintOptions,
  type GrammarState,
  type TokenVocabulary,
} from './index.js';
import { DEAD, Recognizer } from './recognizer.js';

const gpt2 = loadGpt2Vocabulary();
const V = gpt2.tokenBytes.length;
const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

const JSON_GRAMMAR = String.raw`
root   ::= object
value  ::= object | array | string | number | ("true" | "false" | "null") ws
object ::= "{" ws ( string ":" ws value ("," ws string ":" ws value)* )? "}" ws
array  ::= "[" ws ( value ("," ws value)* )? "]" ws
string ::= "\"" ( [^"\\\x7F\x00-\x1F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4}) )* "\"" ws
number ::= "-"? ([0-9] | [1-9] [0-9]{1,15}) ("." [0-9]+)? ([eE] [-+]? [0-9]+)? ws
ws     ::= | " " | "\n" [ \t]{0,20}
`;

const ARITHMETIC = String.raw`
root   ::= expr
expr   ::= term (ws [-+] ws term)*
term   ::= factor (ws [*/] ws factor)*
factor ::= number | "(" ws expr ws ")"
number ::= "-"? [0-9]+
ws     ::= " "?
`;

/** Deterministic PRNG (xorshift32) for random walks. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

/** The token ids left finite by `state.mask`. */
function allowedTokens(state: GrammarState, size = V): number[] {
  const logits = new Float32Array(size).fill(1);
  state.mask(logits);
  const out: number[] = [];
  for (let t = 0; t < size; t++) if (logits[t] !== -Infinity) out.push(t);
  return out;
}

/**
 * The reference answer, computed the slow way: walk every token's bytes from the state
 * reached by `prefix` with an independent recognizer (no trie, no mask cache).
 */
// One recognizer per grammar for the whole file: building one is the slow part of the oracle.
const oracleRecognizers = new Map<string, Recognizer>();
function oracle(grammar: string, prefix: Uint8Array, vocab: TokenVocabulary = gpt2): number[] {
  let recognizer = oracleRecognizers.get(grammar);
  if (recognizer === undefined) {
    recognizer = new Recognizer(parseGrammar(grammar));
    oracleRecognizers.set(grammar, recognizer);
  }
  let start = recognizer.initial().id;
  for (const b of prefix) start = recognizer.next(start, b);
  const out: number[] = [];
  vocab.tokenBytes.forEach((bytes, id) => {
    if (vocab.eosTokenIds.includes(id)) {
      if (recognizer!.states[start]!.complete) out.push(id);
      return;
    }
    if (bytes === null || bytes.length === 0) return;
    let s = start;
    for (const b of bytes) {
      s = recognizer!.next(s, b);
      if (s === DEAD) return;
    }
    out.push(id);
  });
  return out;
}

/** Samples uniformly among the allowed tokens until EOS, exhaustion or `maxSteps`. */
function randomWalk(
  state: GrammarState,
  random: () => number,
  maxSteps: number,
  onStep?: (prefix: Uint8Array, allowed: number[]) => void,
): { bytes: Uint8Array; ended: boolean } {
  const bytes: number[] = [];
  for (let step = 0; step < maxSteps; step++) {
    if (state.isExhausted()) return { bytes: Uint8Array.from(bytes), ended: true };
    const allowed = allowedTokens(state);
    onStep?.(Uint8Array.from(bytes), allowed);
    const token = allowed[Math.floor(random() * allowed.length)]!;
    state.accept(token);
    if (token === gpt2.eos) return { bytes: Uint8Array.from(bytes), ended: true };
    bytes.push(...gpt2.tokenBytes[token]!);
  }
  return { bytes: Uint8Array.from(bytes), ended: false };
}

function tokenId(bytes: string): number {
  const target = utf8(bytes);
  const id = gpt2.tokenBytes.findIndex(
    (b) => b !== null && b.length === target.length && b.every((x, i) => x === target[i]),
  );
  if (id < 0) throw new Error(`no GPT-2 token for ${JSON.stringify(bytes)}`);
  return id;
}

function rawTokenId(bytes: number[]): number {
  const id = gpt2.tokenBytes.findIndex(
    (b) => b !== null && b.length === bytes.length && b.every((x, i) => x === bytes[i]),
  );
  if (id < 0) throw new Error(`no GPT-2 token for bytes ${bytes}`);
  return id;
}

describe('grammar constraint on the GPT-2 vocabulary', () => {
  it('root ::= "yes" | "no" allows exactly the prefixes of yes and no, never EOS first', () => {
    const constraint = createGrammarConstraint(parseGrammar('root ::= "yes" | "no"'), gpt2);
    const expected = gpt2.tokenBytes
      .map((bytes, id) => ({ bytes, id }))
      .filter(({ bytes }) => bytes !== null && bytes.length > 0 && ['yes', 'no'].some((w) => w.startsWith(text(bytes))))
      .map(({ id }) => id);
    expect(expected.map((id) => text(gpt2.tokenBytes[id]!)).sort()).toEqual(['n', 'no', 'y', 'ye', 'yes']);
    expect(allowedTokens(constraint.start())).toEqual(expected);
  });

  it('root ::= "yes" | "no" only ever yields yes or no', () => {
    const constraint = createGrammarConstraint(parseGrammar('root ::= "yes" | "no"'), gpt2);
    const random = rng(7);
    const seen = new Set<string>();
    for (let run = 0; run < 100; run++) {
      const state = constraint.start();
      const { bytes, ended } = randomWalk(state, random, 10);
      expect(ended).toBe(true);
      expect(state.isComplete()).toBe(true);
      seen.add(text(bytes));
    }
    expect([...seen].sort()).toEqual(['no', 'yes']);
  });

  it('allows EOS only when the text completes the grammar', () => {
    const constraint = createGrammarConstraint(parseGrammar('root ::= [0-9]+ ("." [0-9]+)?'), gpt2);
    const state = constraint.start();
    expect(allowedTokens(state)).not.toContain(gpt2.eos);
    expect(state.isComplete()).toBe(false);
    state.accept(tokenId('12'));
    expect(state.isComplete()).toBe(true);
    expect(state.isExhausted()).toBe(false);
    expect(allowedTokens(state)).toContain(gpt2.eos);
    state.accept(tokenId('.'));
    expect(state.isComplete()).toBe(false);
    expect(allowedTokens(state)).not.toContain(gpt2.eos);
    expect(() => state.clone().accept(gpt2.eos)).toThrow(/before the grammar is complete/);
    state.accept(tokenId('5'));
    state.accept(gpt2.eos);
    expect(state.isExhausted()).toBe(true);
    expect(allowedTokens(state)).toEqual([gpt2.eos]);
    expect(() => state.accept(tokenId('5'))).toThrow(/after the end/);
  });

  it('is exhausted when nothing can follow, leaving only EOS', () => {
    const constraint = createGrammarConstraint(parseGrammar('root ::= "a" "b"?'), gpt2);
    const state = constraint.start();
    state.accept(tokenId('a'));
    expect(state.isComplete()).toBe(true);
    expect(state.isExhausted()).toBe(false);
    expect(allowedTokens(state).map((id) => (id === gpt2.eos ? 'EOS' : text(gpt2.tokenBytes[id]!)))).toEqual([
      'b',
      'EOS',
    ]);
    state.accept(tokenId('b'));
    expect(state.isExhausted()).toBe(true);
    expect(allowedTokens(state)).toEqual([gpt2.eos]);
  });

  it('accept() rejects tokens the grammar does not allow, leaving the state unchanged', () => {
    const constraint = createGrammarConstraint(parseGrammar('root ::= "yes" | "no"'), gpt2);
    const state = constraint.start();
    expect(() => state.accept(tokenId('maybe'))).toThrow(/not allowed/);
    // A token that starts right and then goes wrong.
    const overlong = gpt2.tokenBytes.findIndex((b) => b !== null && b.length > 2 && text(b).startsWith('no'));
    expect(overlong).toBeGreaterThan(0);
    expect(() => state.accept(overlong)).toThrow(/not allowed/);
    state.accept(tokenId('ye'));
    expect(allowedTokens(state).map((id) => text(gpt2.tokenBytes[id]!))).toEqual(['s']);
  });

  it('allows tokens that span several grammar symbols', () => {
    const grammar = 'root ::= "{" ws "\\"a\\"" ws ":" ws [0-9]+ ws "}"\nws ::= " "?';
    const constraint = createGrammarConstraint(parseGrammar(grammar), gpt2);
    const state = constraint.start();
    const first = allowedTokens(state);
    // `{"` crosses from the literal "{" over the empty ws into the quoted key.
    expect(first).toContain(tokenId('{"'));
    expect(first).toContain(tokenId('{'));
    expect(first).not.toContain(tokenId('{{'));
    state.accept(tokenId('{"'));
    state.accept(tokenId('a'));
    // `":` closes the key, skips ws and matches the colon; `":"` would need a quoted value.
    expect(allowedTokens(state)).toContain(tokenId('":'));
    expect(allowedTokens(state)).not.toContain(tokenId('":"'));
    state.accept(tokenId('":'));
    state.accept(tokenId(' 42'));
    state.accept(tokenId('}'));
    expect(state.isExhausted()).toBe(true);
    expect(state.isComplete()).toBe(true);
  });

  it('follows UTF-8 characters split across tokens', () => {
    const grammar = 'root ::= "日本語" | "héllo " [α-ω]+';
    const constraint = createGrammarConstraint(parseGrammar(grammar), gpt2);

    // GPT-2's own tokenization of 日本語 splits characters between tokens.
    const tokens = gpt2.encode('日本語');
    const splits = tokens.filter((t) => {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(gpt2.tokenBytes[t]!);
        return false;
      } catch {
        return true;
      }
    });
    expect(splits.length).toBeGreaterThan(0);
    const state = constraint.start();
    for (const t of tokens) {
      expect(allowedTokens(state)).toContain(t);
      state.accept(t);
    }
    expect(state.isExhausted()).toBe(true);

    // A lone lead byte is allowed only if it starts an allowed character.
    const start = constraint.start();
    const initial = allowedTokens(start);
    expect(initial).toContain(rawTokenId([0xe6])); // 日 = E6 97 A5
    expect(initial).not.toContain(rawTokenId([0xe4])); // 中 = E4 B8 AD
    expect(initial).not.toContain(rawTokenId([0x97])); // a continuation byte cannot start
    expect(initial).toEqual(oracle(grammar, new Uint8Array(0)));

    // In the middle of a character, only its continuation bytes may come.
    start.accept(rawTokenId([0xe6]));
    const middle = allowedTokens(start);
    expect(middle).toContain(rawTokenId([0x97]));
    expect(middle).not.toContain(rawTokenId([0x98]));
    expect(middle).not.toContain(tokenId('a'));
    expect(middle).toEqual(oracle(grammar, Uint8Array.from([0xe6])));
    expect(start.isComplete()).toBe(false);

    // Greek letters are two bytes each: after "héllo ", α (CE B1) and ω (CF 89) may start,
    // Ω (CE A9) may not, even though it shares α's first byte.
    const greek = constraint.start();
    for (const t of gpt2.encode('héllo ')) greek.accept(t);
    greek.accept(rawTokenId([0xce]));
    const afterLead = allowedTokens(greek);
    expect(afterLead).toContain(rawTokenId([0xb1]));
    expect(afterLead).not.toContain(rawTokenId([0xa9]));
    expect(afterLead).toEqual(oracle(grammar, Uint8Array.from([...utf8('héllo '), 0xce])));
  });

  it('matches the slow per-token reference on random walks through a JSON grammar', () => {
    const constraint = createGrammarConstraint(parseGrammar(JSON_GRAMMAR), gpt2);
    const random = rng(42);
    let steps = 0;
    for (let run = 0; run < 3; run++) {
      randomWalk(constraint.start(), random, 12, (prefix, allowed) => {
        expect(allowed).toEqual(oracle(JSON_GRAMMAR, prefix));
        steps++;
      });
    }
    expect(steps).toBe(36);
  });

  it('matches the slow per-token reference at every step of a JSON document', () => {
    const constraint = createGrammarConstraint(parseGrammar(JSON_GRAMMAR), gpt2);
    const state = constraint.start();
    const sample = '{"a": [1, -2.5, {"b": "c\\n"}],\n "d": true, "é": null}';
    const prefix: number[] = [];
    for (const t of gpt2.encode(sample)) {
      expect(allowedTokens(state)).toEqual(oracle(JSON_GRAMMAR, Uint8Array.from(prefix)));
      state.accept(t);
      prefix.push(...gpt2.tokenBytes[t]!);
    }
    expect(allowedTokens(state)).toEqual(oracle(JSON_GRAMMAR, Uint8Array.from(prefix)));
    expect(state.isComplete()).toBe(true);
  });

  it('accepts GPT-2 tokenizations of valid JSON and arithmetic, step by step', () => {
    const cases: [string, string][] = [
      [JSON_GRAMMAR, JSON.stringify({ name: 'Ada “Lovelace”', n: [1, -2.5e3, true, null], nested: { ok: false } }, null, 2)],
      [JSON_GRAMMAR, '{"emoji": "😀 naïve café", "escape": "a\\"b\\u00e9\\n"}'],
      [ARITHMETIC, '(12 + 3) * 4 - 18 / (2 + -5) * 100'],
    ];
    for (const [grammar, sample] of cases) {
      const constraint = createGrammarConstraint(parseGrammar(grammar), gpt2);
      const state = constraint.start();
      for (const t of gpt2.encode(sample)) {
        const logits = new Float32Array(V);
        state.mask(logits);
        expect(logits[t], `token ${JSON.stringify(text(gpt2.tokenBytes[t]!))} in ${sample}`).toBe(0);
        expect(logits[gpt2.eos]).toBe(state.isComplete() ? 0 : -Infinity);
        state.accept(t);
      }
      expect(state.isComplete()).toBe(true);
      expect(allowedTokens(state)).toContain(gpt2.eos);
    }
  });

  it('rejects invalid JSON the moment it goes wrong', () => {
    const constraint = createGrammarConstraint(parseGrammar(JSON_GRAMMAR), gpt2);
    const state = constraint.start();
    for (const t of gpt2.encode('{"a": ')) state.accept(t);
    const allowed = new Set(allowedTokens(state));
    expect(allowed.has(tokenId('true'))).toBe(true);
    expect(allowed.has(tokenId('"'))).toBe(true);
    expect(allowed.has(tokenId('True'))).toBe(false);
    expect(allowed.has(tokenId('}'))).toBe(false);
    expect(allowed.has(tokenId("'"))).toBe(false);
    expect(allowed.has(gpt2.eos)).toBe(false);
  });

  it('keeps cloned states independent', () => {
    const constraint = createGrammarConstraint(parseGrammar('root ::= "yes" | "no"'), gpt2);
    const a = constraint.start();
    a.accept(tokenId('y'));
    const b = a.clone();
    b.accept(tokenId('es'));
    expect(b.isComplete()).toBe(true);
    expect(a.isComplete()).toBe(false);
    expect(allowedTokens(a).map((id) => text(gpt2.tokenBytes[id]!))).toEqual(['e', 'es']);
  });

  it('gives the same masks after its caches are dropped', () => {
    const options: GrammarConstraintOptions = { maxStates: 8, maxCachedMaskEntries: 1000 };
    const small = createGrammarConstraint(parseGrammar(ARITHMETIC), gpt2, options);
    const random = rng(3);
    let steps = 0;
    randomWalk(small.start(), random, 15, (prefix, allowed) => {
      expect(allowed).toEqual(oracle(ARITHMETIC, prefix));
      steps++;
    });
    expect(steps).toBeGreaterThan(5);
    // The caches were indeed dropped along the way.
    const internals = small as unknown as { recognizer: Recognizer };
    expect(internals.recognizer.generation).toBeGreaterThan(2);
  });
});

describe('grammar constraint on a hand-made vocabulary', () => {
  // 0: special (<s>), 1: EOS, 2: empty, 3: "a", 4: "b", 5: "ab", 6: "c"
  const vocab: TokenVocabulary = {
    tokenBytes: [null, utf8('</s>'), new Uint8Array(0), utf8('a'), utf8('b'), utf8('ab'), utf8('c')],
    eosTokenIds: [1],
  };

  it('never allows special or empty tokens, nor EOS before completion', () => {
    const state = createGrammarConstraint(parseGrammar('root ::= [a-c]*'), vocab).start();
    expect(allowedTokens(state, 7)).toEqual([1, 3, 4, 5, 6]);
    const partial = createGrammarConstraint(parseGrammar('root ::= [a-c]+'), vocab).start();
    expect(allowedTokens(partial, 7)).toEqual([3, 4, 5, 6]);
    expect(() => partial.accept(0)).toThrow(/special token/);
    expect(() => partial.accept(2)).toThrow(/special token/);
  });

  it('treats tokens with the same bytes alike', () => {
    const duplicates: TokenVocabulary = {
      tokenBytes: [utf8('ab'), utf8('a'), utf8('b'), utf8('a'), utf8('ab'), utf8('abc')],
      eosTokenIds: [],
    };
    const state = createGrammarConstraint(parseGrammar('root ::= "a" "b"?'), duplicates).start();
    expect(allowedTokens(state, 6)).toEqual([0, 1, 3, 4]);
    state.accept(3);
    expect(allowedTokens(state, 6)).toEqual([2]);
  });

  it('disallows the extra logits of a model whose output is wider than the vocabulary', () => {
    const wideOpen = createGrammarConstraint(parseGrammar('root ::= [a-c]*'), vocab).start();
    expect(allowedTokens(wideOpen, 10)).toEqual([1, 3, 4, 5, 6]);
    const narrow = createGrammarConstraint(parseGrammar('root ::= "a"'), vocab).start();
    expect(allowedTokens(narrow, 10)).toEqual([3]);
  });

  it('offers only EOS when the vocabulary cannot spell what the grammar needs', () => {
    const state = createGrammarConstraint(parseGrammar('root ::= "a" "z"'), vocab).start();
    state.accept(3);
    expect(allowedTokens(state, 7)).toEqual([1]);
    expect(state.isComplete()).toBe(false);
  });

  it('throws rather than leave no finite logit when there is no EOS token', () => {
    const noEos = { tokenBytes: vocab.tokenBytes, eosTokenIds: [] };
    const state = createGrammarConstraint(parseGrammar('root ::= "a"'), noEos).start();
    state.accept(3);
    expect(state.isExhausted()).toBe(true);
    expect(() => state.mask(new Float32Array(7))).toThrow(/no EOS token/);
  });
});
