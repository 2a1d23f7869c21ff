import { describe, expect, it } from 'vitest';
import { GrammarLimitError, GrammarSyntaxError, parseGrammar } from './index.js';
import { MAX_EXPANDED_SIZE, MAX_GROUP_DEPTH } from './parser.js';
import { MAX_PARSE_STACKS, Recognizer } from './recognizer.js';

/** The error `fn` throws (fails the test when it returns). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('grammar budgets', () => {
  it('refuses groups nested past the depth limit without overflowing the stack', () => {
    const deep = `root ::= ${'('.repeat(6000)}"x"${')'.repeat(6000)}`;
    const error = thrown(() => parseGrammar(deep));
    expect(error).toBeInstanceOf(GrammarSyntaxError);
    expect((error as Error).message).toContain(`limit of ${MAX_GROUP_DEPTH}`);
    const ok = MAX_GROUP_DEPTH;
    expect(() => parseGrammar(`root ::= ${'('.repeat(ok)}"x"${')'.repeat(ok)}`)).not.toThrow();
  });

  it('refuses nested repetitions whose unrolled size multiplies past the limit', () => {
    for (const text of ['root ::= ("x"{0,10000}){0,10000}', 'a ::= "xy"{0,1000}\nroot ::= a{500}']) {
      const error = thrown(() => parseGrammar(text));
      expect(error).toBeInstanceOf(GrammarLimitError);
      expect((error as GrammarLimitError).limit).toBe('max_expanded_size');
    }
    // Just under: recursion (*) is not unrolled and counts one item.
    const under = MAX_EXPANDED_SIZE / 100 - 1;
    expect(() => parseGrammar(`root ::= ("x"{0,100}){${under}} [a-z]*`)).not.toThrow();
    expect(() => parseGrammar(`root ::= ("x"{0,100}){${under + 1}} [a-z]*`)).toThrow(GrammarLimitError);
  });

  it('refuses a grammar that is too ambiguous when its state is built, not after minutes', () => {
    const recognizer = new Recognizer(parseGrammar('root ::= ("x"?){10000}'));
    const error = thrown(() => recognizer.initial());
    expect(error).toBeInstanceOf(GrammarLimitError);
    expect((error as GrammarLimitError).limit).toBe('max_parse_stacks');
    expect((error as Error).message).toContain(String(MAX_PARSE_STACKS));
  });

  it('refuses an ambiguity that appears only after some text', () => {
    const recognizer = new Recognizer(parseGrammar('root ::= "a" ("x"?){10000}'));
    const start = recognizer.initial();
    expect(() => recognizer.next(start.id, 'a'.charCodeAt(0))).toThrow(GrammarLimitError);
  });

  it('keeps ordinary long repetitions cheap', () => {
    const recognizer = new Recognizer(parseGrammar('root ::= [a-z]{0,3000} "."'));
    let state = recognizer.initial().id;
    for (let k = 0; k < 2000; k++) state = recognizer.next(state, 'q'.charCodeAt(0));
    expect(recognizer.states[state]!.stacks.length).toBeLessThan(4);
  });
});
