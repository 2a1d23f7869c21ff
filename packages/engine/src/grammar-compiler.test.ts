/** grammar_string compilation: the 400s it raises and its cache. */
import { describe, expect, test } from 'vitest';
import { GrammarCompiler } from './grammar-compiler.js';
import { tokenBytesFromTokenizerJson } from './token-bytes.js';
import { EngineRequestError } from './types.js';

const BYTE_LEVEL = {
  model: { type: 'BPE', vocab: { a: 0, b: 1, ab: 2, '<|end|>': 3 } },
  decoder: { type: 'ByteLevel' },
  added_tokens: [{ id: 3, content: '<|end|>', special: true }],
};

function thrown(run: () => unknown): EngineRequestError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(EngineRequestError);
    return error as EngineRequestError;
  }
  throw new Error('expected an EngineRequestError');
}

describe('GrammarCompiler', () => {
  test('compiles once per grammar text and reads the token bytes once', () => {
    let reads = 0;
    const compiler = new GrammarCompiler(() => (reads++, tokenBytesFromTokenizerJson(BYTE_LEVEL)), [3], 'toy');
    const first = compiler.compile('root ::= "ab"');
    expect(compiler.compile('root ::= "ab"')).toBe(first);
    expect(compiler.compile('root ::= "a"')).not.toBe(first);
    expect(reads).toBe(1);
    // The constraint works on the toy vocabulary: "a" then "b", or "ab", and only those.
    const state = first.start();
    const logits = new Float32Array(4);
    state.mask(logits);
    expect([...logits]).toEqual([0, -Infinity, 0, -Infinity]);
  });

  test('an invalid grammar names grammar_string with its line and column', () => {
    const error = thrown(() => new GrammarCompiler(() => tokenBytesFromTokenizerJson(BYTE_LEVEL), [3], 'toy').compile('root ::= "a"\nx ::= (b'));
    expect(error.param).toBe('grammar_string');
    expect(error.code).toBe('invalid_grammar');
    expect(error.message).toMatch(/line 2/);
  });

  test('a tokenizer that cannot be mapped to bytes is a 400 for grammar_string', () => {
    const wordPiece = { model: { type: 'WordPiece', vocab: { a: 0, '##b': 1 } }, decoder: { type: 'WordPiece' } };
    const error = thrown(() => new GrammarCompiler(() => tokenBytesFromTokenizerJson(wordPiece), [], 'bert-ish').compile('root ::= "a"'));
    expect(error.param).toBe('grammar_string');
    expect(error.code).toBe('unsupported_parameter');
    expect(error.message).toMatch(/bert-ish.*WordPiece/);
  });

  test('a grammar over a budget is a 400 naming the limit, remembered so that sending it again costs nothing', () => {
    const compiler = new GrammarCompiler(() => tokenBytesFromTokenizerJson(BYTE_LEVEL), [3], 'toy');
    const text = 'root ::= ("a"?){10000}';
    const error = thrown(() => compiler.compile(text));
    expect(error).toMatchObject({ param: 'grammar_string', code: 'grammar_too_complex' });
    expect(error.message).toContain('max_parse_stacks');
    expect(thrown(() => compiler.compile(text))).toBe(error); // the same error, not a new attempt
    expect(() => compiler.compile('root ::= "a"')).not.toThrow();
  });
});
