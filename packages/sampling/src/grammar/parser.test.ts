import { describe, expect, it } from 'vitest';
import { GrammarSyntaxError, parseGrammar } from './index.js';
import { DEAD, Recognizer } from './recognizer.js';

/** Runs `text` through the grammar: a complete sentence, a prefix of one, or rejected. */
function match(grammar: string, text: string): 'complete' | 'prefix' | 'reject' {
  const recognizer = new Recognizer(parseGrammar(grammar));
  let id = recognizer.initial().id;
  for (const byte of new TextEncoder().encode(text)) {
    id = recognizer.next(id, byte);
    if (id === DEAD) return 'reject';
  }
  return recognizer.states[id]!.complete ? 'complete' : 'prefix';
}

/** Asserts each text's outcome, so a table reads as the grammar's specification. */
function expectMatches(
  grammar: string,
  cases: Record<string, 'complete' | 'prefix' | 'reject'>,
): void {
  const outcomes = Object.fromEntries(Object.keys(cases).map((text) => [text, match(grammar, text)]));
  expect(outcomes).toEqual(cases);
}

/** Like `match`, over raw bytes. */
function matchBytes(grammar: string, bytes: number[]): 'complete' | 'prefix' | 'reject' {
  const recognizer = new Recognizer(parseGrammar(grammar));
  let id = recognizer.initial().id;
  for (const byte of bytes) {
    id = recognizer.next(id, byte);
    if (id === DEAD) return 'reject';
  }
  return recognizer.states[id]!.complete ? 'complete' : 'prefix';
}

function syntaxError(grammar: string): GrammarSyntaxError {
  try {
    parseGrammar(grammar);
  } catch (error) {
    expect(error).toBeInstanceOf(GrammarSyntaxError);
    return error as GrammarSyntaxError;
  }
  throw new Error(`expected a GrammarSyntaxError for: ${grammar}`);
}

describe('GBNF syntax', () => {
  it('matches string literals exactly', () => {
    expectMatches('root ::= "abc"', {
      abc: 'complete',
      ab: 'prefix',
      '': 'prefix',
      abd: 'reject',
      abcd: 'reject',
    });
  });

  it('supports sequences, alternation and grouping', () => {
    expectMatches('root ::= ("a" | "b") "c" | "d"', {
      ac: 'complete',
      bc: 'complete',
      d: 'complete',
      a: 'prefix',
      cc: 'reject',
      dc: 'reject',
    });
  });

  it('supports *, + and ?', () => {
    expectMatches('root ::= "a"* "b"', { b: 'complete', aaab: 'complete', aa: 'prefix', ba: 'reject' });
    expectMatches('root ::= "a"+', { '': 'prefix', a: 'complete', aaaa: 'complete', b: 'reject' });
    expectMatches('root ::= "x" "a"? "y"', { xy: 'complete', xay: 'complete', xaay: 'reject' });
  });

  it('repeats a whole literal or group, not its last character', () => {
    expectMatches('root ::= "ab"+', { ab: 'complete', abab: 'complete', abb: 'reject' });
    expectMatches('root ::= ("a" "b")*', { '': 'complete', abab: 'complete', aab: 'reject' });
  });

  it('supports {m}, {m,}, {m,n} and {0,n}', () => {
    expectMatches('root ::= "ab"{2}', { abab: 'complete', ab: 'prefix', ababab: 'reject' });
    expectMatches('root ::= [0-9]{2,}', { '1': 'prefix', '12': 'complete', '123456': 'complete' });
    expectMatches('root ::= [0-9]{1,3}', {
      '': 'prefix',
      '1': 'complete',
      '123': 'complete',
      '1234': 'reject',
    });
    expectMatches('root ::= "a"{0,2} "b"', { b: 'complete', ab: 'complete', aab: 'complete', aaab: 'reject' });
    expectMatches('root ::= "a"{ 1 , 2 }', { a: 'complete', aa: 'complete', aaa: 'reject' });
  });

  it('supports character classes with ranges and negation', () => {
    expectMatches('root ::= [a-z0-9_]+', { abc_09: 'complete', 'a-b': 'reject', A: 'reject' });
    expectMatches('root ::= [^a-c\\n]+', { xyz: 'complete', 'é!': 'complete', xb: 'reject', 'x\n': 'reject' });
    expectMatches('root ::= [-a]+ [a-]', { '-a-': 'complete', 'a-a': 'complete', b: 'reject' });
  });

  it('supports . as any character, multi-byte ones included', () => {
    expectMatches('root ::= "<" . ">"', {
      '<a>': 'complete',
      '<é>': 'complete',
      '<😀>': 'complete',
      '<\n>': 'complete',
      '<ab>': 'reject',
    });
  });

  it('supports every escape in literals and classes', () => {
    expectMatches('root ::= "\\n\\t\\r\\\\\\""', { '\n\t\r\\"': 'complete' });
    expectMatches('root ::= [\\]\\[\\-\\\\]+', { '][-\\': 'complete', a: 'reject' });
    expectMatches('root ::= "\\x41\\u00e9\\U0001F600"', { 'Aé😀': 'complete', Ae: 'reject' });
    expectMatches('root ::= [\\x61-\\x63]', { b: 'complete', d: 'reject' });
    expectMatches('root ::= "\\[\\]\\-"', { '[]-': 'complete' });
  });

  it('matches non-ASCII literals and ranges by code point', () => {
    expectMatches('root ::= "日本" [ぁ-ゟ]+', {
      日本: 'prefix',
      日本ひらがな: 'complete',
      日本カ: 'reject',
      日: 'prefix',
    });
    expectMatches('root ::= [α-ω]+', { αβγ: 'complete', αA: 'reject', Ω: 'reject' });
  });

  it('skips comments and blank lines', () => {
    const grammar = [
      '# a leading comment',
      '',
      'root ::= "a" b # a trailing comment',
      '   # an indented comment',
      'b ::= "b" # another',
      '# the end',
    ].join('\n');
    expectMatches(grammar, { ab: 'complete', a: 'prefix', abb: 'reject' });
  });

  it('accepts rule names with dashes, underscores and digits', () => {
    expectMatches('root ::= my-rule my_rule2\nmy-rule ::= "x"\nmy_rule2 ::= "y"', { xy: 'complete' });
  });

  it('continues a rule after ::=, after | and inside parentheses', () => {
    const grammar = [
      'root ::=',
      '  "a" |',
      '  "b" (',
      '    "c"',
      '    | "d"',
      '  )',
      'other ::= "z"',
    ].join('\n');
    expectMatches(grammar, { a: 'complete', bc: 'complete', bd: 'complete', z: 'reject' });
  });

  it('accepts CRLF line endings', () => {
    expectMatches('root ::= a\r\na ::= "x" |\r\n  "y"\r\n', { x: 'complete', y: 'complete' });
  });

  it('accepts empty alternatives and the empty string', () => {
    expectMatches('root ::= "a" ws "b"\nws ::= | " " | "\\n"', {
      ab: 'complete',
      'a b': 'complete',
      'a  b': 'reject',
    });
    expectMatches('root ::= ""', { '': 'complete', a: 'reject' });
  });

  it('keeps the last definition of a rule defined twice, as llama.cpp does', () => {
    expectMatches('root ::= "a"\nroot ::= "b"', { a: 'reject', b: 'complete' });
  });

  it('accepts right recursion and nested repetitions', () => {
    expectMatches('root ::= "(" root ")" | ""', { '': 'complete', '(())': 'complete', '(()': 'prefix', ')': 'reject' });
    expectMatches('root ::= ("a"*)* "b"', { b: 'complete', aaab: 'complete', c: 'reject' });
    expectMatches('root ::= a\na ::= b | "x"\nb ::= a', { x: 'complete', y: 'reject' });
  });

  it('exposes the rewritten rules', () => {
    const grammar = parseGrammar('root ::= [a-c]+ "d"?');
    expect(grammar.rules[grammar.root]!.name).toBe('root');
    expect(grammar.toString().split('\n')[0]).toBe('root ::= [a-c] root_1 root_2');
  });
});

describe('UTF-8 handling', () => {
  it('accepts only well-formed UTF-8', () => {
    const any = 'root ::= .+';
    expect(matchBytes(any, [0xe6, 0x97, 0xa5])).toBe('complete'); // 日
    expect(matchBytes(any, [0xf0, 0x9f, 0x98, 0x80])).toBe('complete'); // 😀
    expect(matchBytes(any, [0xe6, 0x97])).toBe('prefix'); // unfinished character
    expect(matchBytes(any, [0x97])).toBe('reject'); // continuation byte first
    expect(matchBytes(any, [0xc0, 0x80])).toBe('reject'); // overlong NUL
    expect(matchBytes(any, [0xe0, 0x80, 0x80])).toBe('reject'); // overlong
    expect(matchBytes(any, [0xed, 0xa0, 0x80])).toBe('reject'); // surrogate U+D800
    expect(matchBytes(any, [0xf4, 0x90, 0x80, 0x80])).toBe('reject'); // beyond U+10FFFF
    expect(matchBytes(any, [0xf5])).toBe('reject');
    expect(matchBytes(any, [0xe6, 0x41])).toBe('reject'); // ASCII inside a character
  });

  it('keeps a partial character only if some character it can become is allowed', () => {
    const grammar = 'root ::= [α-γ] | "ж"'; // α-γ: CE B1..CE B3, ж: D0 B6
    expect(matchBytes(grammar, [0xce])).toBe('prefix');
    expect(matchBytes(grammar, [0xce, 0xb2])).toBe('complete');
    expect(matchBytes(grammar, [0xce, 0xb4])).toBe('reject');
    expect(matchBytes(grammar, [0xd0, 0xb6])).toBe('complete');
    expect(matchBytes(grammar, [0xd1])).toBe('reject');
    // Negated classes and . are decided the same way, after the whole character.
    expect(matchBytes('root ::= [^é]', [0xc3])).toBe('prefix');
    expect(matchBytes('root ::= [^é]', [0xc3, 0xa9])).toBe('reject');
    expect(matchBytes('root ::= [^é]', [0xc3, 0xa8])).toBe('complete');
  });
});

describe('GBNF errors', () => {
  const cases: [string, string, number, number, RegExp][] = [
    ['unterminated literal', 'root ::= "abc', 1, 10, /unterminated string literal/],
    ['unterminated class', 'root ::= [abc', 1, 10, /unterminated character class/],
    ['unmatched )', 'root ::= "a" )', 1, 14, /unexpected '\)'/],
    ['missing )', 'root ::= ("a"\n"b"', 2, 4, /missing '\)' to close the '\(' at line 1, column 10/],
    ['undefined rule', 'root ::= "a" foo\nbar ::= foo', 1, 14, /undefined rule 'foo'/],
    ['no root', 'other ::= "a"', 1, 1, /no 'root' rule/],
    ['empty grammar', '# only a comment\n', 1, 1, /empty/],
    ['unknown escape', 'root ::= "a\\q"', 1, 12, /unknown escape '\\q'/],
    ['short hex escape', 'root ::= "\\x4"', 1, 11, /2 hexadecimal digits after '\\x'/],
    ['short unicode escape', 'root ::= "\\u12"', 1, 11, /4 hexadecimal digits after '\\u'/],
    ['surrogate escape', 'root ::= "\\uD800"', 1, 11, /surrogate/],
    ['escape beyond Unicode', 'root ::= "\\U00110000"', 1, 11, /beyond/],
    ['reversed range', 'root ::= [az-a]', 1, 12, /'z-a' is empty/],
    ['empty class', 'root ::= "a" []', 1, 14, /empty character class/],
    ['repetition with no item', 'root ::= *"a"', 1, 10, /'\*' must follow an item/],
    ['repetition of ""', 'root ::= ""+', 1, 12, /cannot repeat the empty string/],
    ['max below min', 'root ::= "a"{3,1}', 1, 13, /maximum below its minimum/],
    ['unclosed count', 'root ::= "a"{2', 1, 15, /expected '}'/],
    ['count without number', 'root ::= "a"{,2}', 1, 14, /expected a number/],
    ['huge count', 'root ::= "a"{20000}', 1, 13, /limited to 10000/],
    ['missing ::=', 'root = "a"', 1, 6, /expected '::=' after the rule name 'root'/],
    ['single quotes', "root ::= 'a'", 1, 10, /double quotes/],
    ['| on the next line', 'root ::= "a"\n  | "b"', 2, 3, /end the line with '\|'/],
    ['rule without a body', 'root ::=\nitem ::= "a"', 2, 6, /each rule must start on a new line/],
    ['column counts characters', 'root ::= x\nx ::= "é" @', 2, 11, /unexpected '@'/],
    ['stray character at line start', 'root ::= "a"\n"b"', 2, 1, /expected a rule name, found '"'/],
  ];

  it.each(cases)('%s', (_, grammar, line, column, message) => {
    const error = syntaxError(grammar);
    expect(error.reason).toMatch(message);
    expect({ line: error.line, column: error.column }).toEqual({ line, column });
    expect(error.message).toBe(`${error.reason} (line ${line}, column ${column})`);
    expect(error.name).toBe('GrammarSyntaxError');
  });
});

describe('left recursion', () => {
  it('rejects direct left recursion, pointing at the reference', () => {
    const error = syntaxError('root ::= expr\nexpr ::= expr "+" term | term\nterm ::= [0-9]+');
    expect(error.reason).toMatch(/left recursion: rule 'expr' can start with itself/);
    expect(error.reason).toMatch(/expr -> expr/);
    expect({ line: error.line, column: error.column }).toEqual({ line: 2, column: 10 });
  });

  it('rejects indirect left recursion', () => {
    const error = syntaxError('root ::= a\na ::= b "x"\nb ::= a "y" | "z"');
    expect(error.reason).toMatch(/left recursion/);
    expect(error.reason).toMatch(/a -> b -> a|b -> a -> b/);
  });

  it('rejects left recursion hidden behind a rule that can be empty', () => {
    const error = syntaxError('root ::= ws root "a" | "b"\nws ::= " "*');
    expect(error.reason).toMatch(/left recursion: rule 'root'/);
    expect({ line: error.line, column: error.column }).toEqual({ line: 1, column: 13 });
  });

  it('rejects left recursion through a group', () => {
    expect(syntaxError('root ::= ("x"? root) "a" | "b"').reason).toMatch(/left recursion/);
  });
});
