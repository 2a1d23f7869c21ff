import { describe, expect, it } from 'vitest';
import { loadGpt2TokenVocabulary } from '@textgen-spec/tiny-model/testing';
import { createGrammarConstraint, GrammarDeadline, GrammarLimitError, GrammarSyntaxError, parseGrammar } from './index.js';
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

describe('grammar time budgets', () => {
  // Inside every structural limit (3 rules, 4,000 parse stacks), yet its first token mask reads
  // each byte of the vocabulary 4,000 ways at once: about two minutes without a budget.
  const SLOW = 'root ::= (.?){4000}';
  const gpt2 = loadGpt2TokenVocabulary();

  /** The GrammarLimitError `fn` throws, and how long it ran. */
  function timedLimit(fn: () => unknown): { error: GrammarLimitError; ms: number } {
    const started = performance.now();
    const error = thrown(fn);
    expect(error).toBeInstanceOf(GrammarLimitError);
    return { error: error as GrammarLimitError, ms: performance.now() - started };
  }

  it('a compile deadline stops the first mask of a slow grammar that passes the structural limits', () => {
    const constraint = createGrammarConstraint(parseGrammar(SLOW), gpt2);
    expect(() => constraint.start()).not.toThrow(); // the structural limits let it through
    const { error, ms } = timedLimit(() => constraint.prepare(new GrammarDeadline(100, 'max_compile_ms', 'compiling')));
    expect(error.limit).toBe('max_compile_ms');
    expect(error.message).toContain('100 ms');
    expect(ms).toBeGreaterThanOrEqual(100);
    expect(ms).toBeLessThan(5000); // stopped within one unit of work, not minutes later
  });

  it('an ordinary grammar prepares well within the same deadline', () => {
    const constraint = createGrammarConstraint(parseGrammar('root ::= [a-z]+ ("," [a-z]+)*'), gpt2);
    expect(() => constraint.prepare(new GrammarDeadline(5000, 'max_compile_ms', 'compiling'))).not.toThrow();
  });

  it('maxMatchMs bounds a later mask: the ambiguity appears after the first token', () => {
    // \x01 is one token that no longer token extends, so the first mask stays cheap.
    const constraint = createGrammarConstraint(parseGrammar(`root ::= "\\x01" ${SLOW.slice('root ::= '.length)}`), gpt2, { maxMatchMs: 100 });
    const state = constraint.start();
    const logits = new Float32Array(gpt2.tokenBytes.length);
    state.mask(logits);
    const first = gpt2.tokenBytes.findIndex((b) => b?.length === 1 && b[0] === 1);
    expect(logits[first]).toBe(0);
    state.accept(first);
    const { error, ms } = timedLimit(() => state.mask(logits.fill(0)));
    expect(error.limit).toBe('max_match_ms');
    expect(ms).toBeLessThan(5000);
  });

  it('the parser checks the deadline: a long grammar stops early', () => {
    const chain = Array.from({ length: 40_000 }, (_, i) => `r${i} ::= "a" r${i + 1}?`).join('\n');
    const text = `${chain}\nr40000 ::= "b"\nroot ::= r0`;
    const { error, ms } = timedLimit(() => parseGrammar(text, { deadline: new GrammarDeadline(20, 'max_compile_ms', 'compiling') }));
    expect(error.limit).toBe('max_compile_ms');
    expect(ms).toBeLessThan(1000);
    expect(() => parseGrammar(text)).not.toThrow(); // no deadline: the same text parses
  });

  it('time spent in excluding() does not count', () => {
    const deadline = new GrammarDeadline(30, 'max_compile_ms', 'compiling');
    deadline.excluding(() => {
      const until = performance.now() + 60;
      while (performance.now() < until); // busy: over the budget, but excluded
    });
    expect(() => deadline.check()).not.toThrow();
  });
});
