/**
 * GBNF parser: the grammar format of llama.cpp (`grammars/README.md`) and text-generation-webui.
 *
 * Syntax accepted (llama.cpp's rules, with text-generation-webui's `_` in names):
 * - `name ::= body`; names are `[A-Za-z0-9_-]+`; the start rule is `root`; a rule defined
 *   twice keeps its last definition (as both reference implementations do).
 * - A rule ends at the end of its line, except after `::=` or `|`, and inside `( )`.
 * - `a b` sequence, `a | b` alternation, `( )` grouping, `""` matches the empty string.
 * - `*`, `+`, `?`, `{m}`, `{m,}`, `{m,n}` repeat the item before them.
 * - `"..."` string literal, `[...]` character class with ranges `a-z` and negation `[^...]`,
 *   `.` any character.
 * - Escapes in literals and classes: `\n \t \r \\ \" \[ \] \-`, `\xHH`, `\uHHHH`, `\UHHHHHHHH`.
 * - `#` starts a comment that runs to the end of the line.
 *
 * Errors throw `GrammarSyntaxError` with a 1-based line and column.
 */
import {
  MAX_CODE_POINT,
  complementRanges,
  normalizeRanges,
} from './charset.js';
import type { GrammarDeadline } from './deadline.js';
import { GrammarLimitError, GrammarSyntaxError } from './errors.js';
import { Grammar, type GrammarRule, type GrammarSymbol } from './grammar.js';

/** Most repetitions a single `{m,n}` may ask for (llama.cpp's limit is 2000). */
const MAX_REPETITIONS = 10_000;
/** Most symbols the rewritten grammar may hold (repetitions copy their item). */
const MAX_GRAMMAR_SYMBOLS = 1 << 20;
/** Deepest nesting of `( )` groups (the parser recurses once per level). */
export const MAX_GROUP_DEPTH = 100;
/**
 * Longest text a grammar may spell out without recursion, counting each repetition's
 * copies (`("x"{0,1000}){0,1000}` is 1,000,000): nested repetitions multiply, and matching
 * such a grammar costs in proportion.
 */
export const MAX_EXPANDED_SIZE = 100_000;

const ANY_CHAR: GrammarSymbol = { type: 'chars', ranges: [0, MAX_CODE_POINT] };

interface RuleDraft {
  name: string;
  alternatives: GrammarSymbol[][];
  /** Source index of the definition (a written rule) or of the group/repetition (a generated one). */
  at: number;
  defined: boolean;
  /** Source index of the first reference, for "undefined rule" errors. */
  firstRef: number;
  /** For generated rules, the written rule they belong to (for messages). */
  owner: string;
}

export interface ParseGrammarOptions {
  /** Checked after each alternative: parsing stops with its GrammarLimitError once it is spent. */
  deadline?: GrammarDeadline;
}

/**
 * Parses a GBNF grammar.
 * @throws GrammarSyntaxError when the text is not a valid grammar, a rule is used but never
 * defined, there is no `root` rule, or a rule is left-recursive.
 * @throws GrammarLimitError over a budget (expanded size; the deadline, when given).
 */
export function parseGrammar(text: string, options: ParseGrammarOptions = {}): Grammar {
  return new Parser(text, options.deadline).parse();
}

function isNameChar(c: string | undefined): boolean {
  return c !== undefined && /^[A-Za-z0-9_-]$/.test(c);
}

function isHexChar(c: string | undefined): boolean {
  return c !== undefined && /^[0-9A-Fa-f]$/.test(c);
}

function describeChar(c: string): string {
  if (c === '\n') return 'end of line';
  if (c === '\r') return 'carriage return';
  return `'${c}'`;
}

class Parser {
  private pos = 0;
  private readonly rules: RuleDraft[] = [];
  private readonly ruleIds = new Map<string, number>();
  /** Source index of each rule reference symbol, for left-recursion messages. */
  private readonly refPositions = new Map<GrammarSymbol, number>();
  private symbolCount = 0;
  private depth = 0;

  constructor(
    private readonly src: string,
    private readonly deadline: GrammarDeadline | undefined,
  ) {}

  parse(): Grammar {
    this.skipSpace(true);
    if (this.pos >= this.src.length) {
      throw this.error("the grammar is empty: it must define a 'root' rule", 0);
    }
    while (this.pos < this.src.length) this.parseRule();

    for (const rule of this.rules) {
      if (!rule.defined) throw this.error(`undefined rule '${rule.name}'`, rule.firstRef);
    }
    const root = this.ruleIds.get('root');
    if (root === undefined) {
      throw this.error("the grammar has no 'root' rule (the rule generation starts from)", 0);
    }
    this.checkLeftRecursion();
    this.checkExpandedSize(root);

    const rules: GrammarRule[] = this.rules.map((r) => ({
      name: r.name,
      alternatives: r.alternatives,
    }));
    return new Grammar(rules, root);
  }

  // ---------------------------------------------------------------------------------------
  // Positions and errors

  private error(reason: string, at: number): GrammarSyntaxError {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at && i < this.src.length; i++) {
      if (this.src[i] === '\n') {
        line++;
        lineStart = i + 1;
      }
    }
    // Columns count characters (code points), not UTF-16 units.
    const column = [...this.src.slice(lineStart, at)].length + 1;
    return new GrammarSyntaxError(reason, line, column);
  }

  private lineColumn(at: number): string {
    const e = this.error('', at);
    return `line ${e.line}, column ${e.column}`;
  }

  // ---------------------------------------------------------------------------------------
  // Lexical helpers

  private peek(offset = 0): string | undefined {
    return this.src[this.pos + offset];
  }

  /** Skips spaces, tabs and comments; also line breaks when `newlines` is true. */
  private skipSpace(newlines: boolean): void {
    for (;;) {
      const c = this.src[this.pos];
      if (c === ' ' || c === '\t') {
        this.pos++;
      } else if (c === '#') {
        while (this.pos < this.src.length && !'\r\n'.includes(this.src[this.pos]!)) this.pos++;
      } else if (newlines && (c === '\n' || c === '\r')) {
        this.pos++;
      } else {
        return;
      }
    }
  }

  private parseName(): string {
    const start = this.pos;
    while (isNameChar(this.src[this.pos])) this.pos++;
    return this.src.slice(start, this.pos);
  }

  private parseInteger(): number {
    const start = this.pos;
    while (/^[0-9]$/.test(this.src[this.pos] ?? '')) this.pos++;
    if (start === this.pos) throw this.error('expected a number', start);
    return Number(this.src.slice(start, this.pos));
  }

  /** One character of a literal or class, escapes resolved; returns its code point. */
  private parseChar(): number {
    const start = this.pos;
    const c = this.src[this.pos];
    if (c === undefined) throw this.error('unexpected end of grammar', start);
    if (c !== '\\') {
      const cp = this.src.codePointAt(this.pos)!;
      this.pos += cp > 0xffff ? 2 : 1;
      return cp;
    }
    const esc = this.src[this.pos + 1];
    this.pos += 2;
    switch (esc) {
      case 'n':
        return 0x0a;
      case 't':
        return 0x09;
      case 'r':
        return 0x0d;
      case '\\':
      case '"':
      case '[':
      case ']':
      case '-':
        return esc.charCodeAt(0);
      case 'x':
        return this.parseHexEscape(2, start);
      case 'u':
        return this.parseHexEscape(4, start);
      case 'U':
        return this.parseHexEscape(8, start);
      case undefined:
        throw this.error('unexpected end of grammar after \\', start);
      default:
        throw this.error(
          `unknown escape '\\${esc}' (known: \\n \\t \\r \\\\ \\" \\[ \\] \\- \\xHH \\uHHHH \\UHHHHHHHH)`,
          start,
        );
    }
  }

  private parseHexEscape(digits: number, start: number): number {
    const hex = this.src.slice(this.pos, this.pos + digits);
    if (hex.length !== digits || ![...hex].every(isHexChar)) {
      const kind = this.src[start + 1]!;
      throw this.error(`expected ${digits} hexadecimal digits after '\\${kind}'`, start);
    }
    this.pos += digits;
    const cp = parseInt(hex, 16);
    if (cp > MAX_CODE_POINT) {
      throw this.error(`'\\${this.src[start + 1]}${hex}' is beyond the last code point U+10FFFF`, start);
    }
    if (cp >= 0xd800 && cp <= 0xdfff) {
      throw this.error(
        `'\\${this.src[start + 1]}${hex}' is a surrogate code point, which UTF-8 text cannot contain`,
        start,
      );
    }
    return cp;
  }

  // ---------------------------------------------------------------------------------------
  // Rules

  private ruleFor(name: string, at: number): number {
    let id = this.ruleIds.get(name);
    if (id === undefined) {
      id = this.rules.length;
      this.rules.push({ name, alternatives: [], at, defined: false, firstRef: at, owner: name });
      this.ruleIds.set(name, id);
    }
    return id;
  }

  /** A rule for a group or a repetition inside rule `owner`, named like llama.cpp does. */
  private generatedRule(owner: string, at: number): number {
    const id = this.rules.length;
    this.rules.push({
      name: `${owner}_${id}`,
      alternatives: [],
      at,
      defined: true,
      firstRef: at,
      owner,
    });
    return id;
  }

  private ref(rule: number, at: number): GrammarSymbol {
    const sym: GrammarSymbol = { type: 'rule', rule };
    this.refPositions.set(sym, at);
    return sym;
  }

  private parseRule(): void {
    const start = this.pos;
    const name = this.parseName();
    if (name === '') {
      const c = this.peek()!;
      if (c === '|') {
        throw this.error(
          "a rule ends at the end of its line: to continue it on the next line, end the line with '|' or put the alternatives in parentheses",
          start,
        );
      }
      throw this.error(`expected a rule name, found ${describeChar(c)}`, start);
    }
    this.skipSpace(false);
    if (this.src.slice(this.pos, this.pos + 3) !== '::=') {
      throw this.error(`expected '::=' after the rule name '${name}'`, this.pos);
    }
    this.pos += 3;
    this.skipSpace(true);

    const id = this.ruleFor(name, start);
    const rule = this.rules[id]!;
    rule.alternatives = this.parseAlternates(name, false);
    rule.defined = true;
    rule.at = start;

    const c = this.peek();
    if (c === '\r') {
      this.pos += this.peek(1) === '\n' ? 2 : 1;
    } else if (c === '\n') {
      this.pos++;
    } else if (c !== undefined) {
      throw this.unexpected();
    }
    this.skipSpace(true);
  }

  /** The error for a character that cannot continue the current rule. */
  private unexpected(): GrammarSyntaxError {
    const c = this.peek()!;
    if (this.src.startsWith('::=', this.pos)) {
      return this.error(
        "unexpected '::=': each rule must start on a new line (is the previous rule's body missing?)",
        this.pos,
      );
    }
    if (c === ')') return this.error("unexpected ')' without a matching '('", this.pos);
    if (c === "'") {
      return this.error("unexpected \"'\": string literals use double quotes", this.pos);
    }
    if (c === ']') return this.error("unexpected ']' without a matching '['", this.pos);
    if (c === '}') return this.error("unexpected '}' without a matching '{'", this.pos);
    return this.error(`unexpected ${describeChar(c)}`, this.pos);
  }

  private parseAlternates(owner: string, nested: boolean): GrammarSymbol[][] {
    const alternatives = [this.parseSequence(owner, nested)];
    while (this.peek() === '|') {
      this.pos++;
      this.skipSpace(true);
      alternatives.push(this.parseSequence(owner, nested));
    }
    return alternatives;
  }

  /**
   * A sequence of items. Each item is kept as its own symbol list until the sequence ends, so
   * that a repetition operator can rewrite the item just before it.
   */
  private parseSequence(owner: string, nested: boolean): GrammarSymbol[] {
    this.deadline?.check();
    const items: { symbols: GrammarSymbol[]; at: number }[] = [];
    for (;;) {
      const at = this.pos;
      const c = this.peek();
      let symbols: GrammarSymbol[];
      if (c === '"') {
        symbols = this.parseLiteral();
      } else if (c === '[') {
        symbols = [this.parseClass()];
      } else if (c === '.') {
        this.pos++;
        symbols = [ANY_CHAR];
      } else if (isNameChar(c)) {
        const name = this.parseName();
        symbols = [this.ref(this.ruleFor(name, at), at)];
      } else if (c === '(') {
        symbols = [this.ref(this.parseGroup(owner, at), at)];
      } else if (c === '*' || c === '+' || c === '?' || c === '{') {
        items.push(this.repeatLast(items.pop(), owner, c, at));
        this.skipSpace(nested);
        continue;
      } else {
        break;
      }
      this.countSymbols(symbols.length, at);
      items.push({ symbols, at });
      this.skipSpace(nested);
    }
    return items.flatMap((item) => item.symbols);
  }

  /** A parenthesized group at `at` (the '(' is next): a generated rule; returns its id. */
  private parseGroup(owner: string, at: number): number {
    if (this.depth >= MAX_GROUP_DEPTH) {
      throw this.error(`groups nest deeper than the limit of ${MAX_GROUP_DEPTH} (max_group_depth)`, at);
    }
    this.pos++;
    this.skipSpace(true);
    const id = this.generatedRule(owner, at);
    this.depth++;
    this.rules[id]!.alternatives = this.parseAlternates(owner, true);
    this.depth--;
    if (this.peek() !== ')') {
      if (this.peek() === undefined) {
        throw this.error(`missing ')' to close the '(' at ${this.lineColumn(at)}`, this.pos);
      }
      throw this.error(`expected ')' to close the '(' at ${this.lineColumn(at)}, found ${describeChar(this.peek()!)}`, this.pos);
    }
    this.pos++;
    return id;
  }

  /** Applies the repetition operator `op` at `at` to the item before it. */
  private repeatLast(
    last: { symbols: GrammarSymbol[]; at: number } | undefined,
    owner: string,
    op: string,
    at: number,
  ): { symbols: GrammarSymbol[]; at: number } {
    if (last === undefined) {
      throw this.error(`'${op}' must follow an item (a string, a character class, a rule name or a group)`, at);
    }
    if (last.symbols.length === 0) {
      throw this.error(`'${op}' cannot repeat the empty string ""`, at);
    }
    const [min, max] = this.parseRepetition();
    return { symbols: this.repeat(owner, last.symbols, min, max, at), at: last.at };
  }

  private countSymbols(n: number, at: number): void {
    this.symbolCount += n;
    if (this.symbolCount > MAX_GRAMMAR_SYMBOLS) {
      throw this.error(
        `the grammar is too large (over ${MAX_GRAMMAR_SYMBOLS} symbols once repetitions are expanded)`,
        at,
      );
    }
  }

  /**
   * Throws GrammarLimitError when the longest text `root` spells out without recursion is over
   * MAX_EXPANDED_SIZE: each rule's size is its longest alternative, a reference counting its
   * rule's size and a recursive reference nothing. Iterative (no stack overflow on deep chains).
   */
  private checkExpandedSize(root: number): void {
    const UNKNOWN = -1;
    const VISITING = -2;
    const size = new Float64Array(this.rules.length).fill(UNKNOWN);
    const work = [root];
    while (work.length > 0) {
      const r = work[work.length - 1]!;
      if (size[r]! >= 0) {
        work.pop();
      } else if (size[r] === UNKNOWN) {
        size[r] = VISITING;
        for (const alt of this.rules[r]!.alternatives) {
          for (const sym of alt) if (sym.type === 'rule' && size[sym.rule] === UNKNOWN) work.push(sym.rule);
        }
      } else {
        let longest = 0;
        for (const alt of this.rules[r]!.alternatives) {
          let total = 0;
          for (const sym of alt) total += sym.type === 'rule' ? Math.max(0, size[sym.rule]!) : 1;
          longest = Math.max(longest, total);
        }
        size[r] = Math.min(longest, MAX_EXPANDED_SIZE + 1);
        work.pop();
      }
    }
    if (size[root]! > MAX_EXPANDED_SIZE) {
      throw new GrammarLimitError(
        'max_expanded_size',
        `the grammar expands to more than ${MAX_EXPANDED_SIZE} items once its repetitions are unrolled (max_expanded_size; nested repetition counts multiply): use * or + for long repetitions`,
      );
    }
  }

  /** Reads `*`, `+`, `?` or `{m}`, `{m,}`, `{m,n}`; returns [min, max] (max may be Infinity). */
  private parseRepetition(): [number, number] {
    const at = this.pos;
    const c = this.src[this.pos++];
    if (c === '*') return [0, Infinity];
    if (c === '+') return [1, Infinity];
    if (c === '?') return [0, 1];
    // '{'
    this.skipSpace(false);
    const min = this.parseInteger();
    this.skipSpace(false);
    let max = min;
    if (this.peek() === ',') {
      this.pos++;
      this.skipSpace(false);
      max = /^[0-9]$/.test(this.peek() ?? '') ? this.parseInteger() : Infinity;
      this.skipSpace(false);
    }
    if (this.peek() !== '}') {
      throw this.error(
        "expected '}' to close the repetition '{' (forms: {m}, {m,}, {m,n})",
        this.pos,
      );
    }
    this.pos++;
    if (max < min) {
      throw this.error(`the repetition {${min},${max}} has its maximum below its minimum`, at);
    }
    if (min > MAX_REPETITIONS || (max !== Infinity && max > MAX_REPETITIONS)) {
      throw this.error(`repetition counts are limited to ${MAX_REPETITIONS}`, at);
    }
    return [min, max];
  }

  /**
   * Rewrites `item{min,max}` into plain symbols:
   * - the item `min` times, then
   * - unbounded: `R` with `R ::= item R | ""`;
   * - bounded: `O(max-min)` with `O(k) ::= item O(k-1) | ""` and `O(1) ::= item | ""`.
   * The recursive references are always last in their alternative, so matching a long
   * repetition never grows the parse stacks.
   */
  private repeat(
    owner: string,
    item: GrammarSymbol[],
    min: number,
    max: number,
    at: number,
  ): GrammarSymbol[] {
    const optional = max === Infinity ? 1 : max - min;
    this.countSymbols(item.length * (min + optional) + optional, at);
    const out: GrammarSymbol[] = [];
    for (let k = 0; k < min; k++) out.push(...item);
    if (max === Infinity) {
      const id = this.generatedRule(owner, at);
      this.rules[id]!.alternatives = [[...item, this.ref(id, at)], []];
      out.push(this.ref(id, at));
    } else if (optional > 0) {
      let previous: number | undefined;
      for (let k = 0; k < optional; k++) {
        const id = this.generatedRule(owner, at);
        const tail = previous === undefined ? [] : [this.ref(previous, at)];
        this.rules[id]!.alternatives = [[...item, ...tail], []];
        previous = id;
      }
      out.push(this.ref(previous!, at));
    }
    return out;
  }

  private parseLiteral(): GrammarSymbol[] {
    const open = this.pos;
    this.pos++; // "
    const symbols: GrammarSymbol[] = [];
    while (this.peek() !== '"') {
      if (this.peek() === undefined) {
        throw this.error('unterminated string literal (missing the closing ")', open);
      }
      const cp = this.parseChar();
      symbols.push({ type: 'chars', ranges: [cp, cp] });
    }
    this.pos++; // "
    return symbols;
  }

  private parseClass(): GrammarSymbol {
    const open = this.pos;
    this.pos++; // [
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.pos++;
    }
    const pairs: [number, number][] = [];
    while (this.peek() !== ']') {
      if (this.peek() === undefined) {
        throw this.error("unterminated character class (missing the closing ']')", open);
      }
      const itemAt = this.pos;
      const lo = this.parseChar();
      let hi = lo;
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== undefined) {
        this.pos++;
        hi = this.parseChar();
        if (hi < lo) {
          throw this.error(
            `the character range '${this.src.slice(itemAt, this.pos)}' is empty: its start comes after its end`,
            itemAt,
          );
        }
      }
      pairs.push([lo, hi]);
    }
    this.pos++; // ]
    if (pairs.length === 0) {
      throw this.error(`empty character class '${negated ? '[^]' : '[]'}'`, open);
    }
    const ranges = normalizeRanges(pairs);
    return { type: 'chars', ranges: negated ? complementRanges(ranges) : ranges };
  }

  // ---------------------------------------------------------------------------------------
  // Left recursion

  /**
   * Rejects left recursion: a rule that can reach itself before consuming any character,
   * with something left to match afterwards (`expr ::= expr "+" term`). Matching such a rule
   * would expand it forever; llama.cpp rejects it as well. A cycle made only of references
   * that end their alternative (what `("a"*)*` rewrites into) expands to the same parse stack
   * again and is harmless, so it is accepted.
   */
  private checkLeftRecursion(): void {
    const edges = this.leftEdges(this.nullableRules());
    const component = stronglyConnectedComponents(edges);
    for (let a = 0; a < this.rules.length; a++) {
      for (const edge of edges[a]!) {
        if (edge.tail || component[edge.to] !== component[a]) continue;
        const path = this.leftPath(edges, edge.to, a);
        const names = [a, ...path].map((r) => this.rules[r]!.owner);
        // Collapse the generated rules of one written rule into its name.
        const shown = names.filter((name, i) => i === 0 || name !== names[i - 1]);
        if (shown.length === 1) shown.push(shown[0]!);
        throw this.error(
          `left recursion: rule '${this.rules[a]!.owner}' can start with itself before matching any character (${shown.join(' -> ')}); rewrite it with repetition, e.g. expr ::= term ("+" term)* instead of expr ::= expr "+" term | term`,
          this.refPositions.get(edge.sym) ?? this.rules[a]!.at,
        );
      }
    }
  }

  /** Which rules can match the empty string (a fixed point over the alternatives). */
  private nullableRules(): boolean[] {
    const nullable = new Array<boolean>(this.rules.length).fill(false);
    for (let changed = true; changed; ) {
      changed = false;
      for (let r = 0; r < this.rules.length; r++) {
        if (nullable[r]) continue;
        const canBeEmpty = this.rules[r]!.alternatives.some((alt) =>
          alt.every((sym) => sym.type === 'rule' && nullable[sym.rule]),
        );
        if (canBeEmpty) {
          nullable[r] = true;
          changed = true;
        }
      }
    }
    return nullable;
  }

  /** Edges A -> B when B can be the first thing A expands to; `tail` when B ends its alternative. */
  private leftEdges(nullable: readonly boolean[]): LeftEdge[][] {
    return this.rules.map((rule) => {
      const out: LeftEdge[] = [];
      for (const alt of rule.alternatives) {
        for (let j = 0; j < alt.length; j++) {
          const sym = alt[j]!;
          if (sym.type === 'chars') break;
          out.push({ to: sym.rule, tail: j === alt.length - 1, sym });
          if (!nullable[sym.rule]) break;
        }
      }
      return out;
    });
  }

  /** A path of left edges from `from` to `to` (breadth-first), as the list of rules after `from`. */
  private leftPath(edges: { to: number }[][], from: number, to: number): number[] {
    const previous = new Map<number, number>([[from, -1]]);
    const queue = [from];
    while (queue.length > 0) {
      const v = queue.shift()!;
      if (v === to) break;
      for (const { to: w } of edges[v]!) {
        if (!previous.has(w)) {
          previous.set(w, v);
          queue.push(w);
        }
      }
    }
    const path: number[] = [];
    for (let v = to; v !== -1; v = previous.get(v)!) path.unshift(v);
    return path;
  }
}

/** A left edge of the rule graph (see `checkLeftRecursion`). */
interface LeftEdge {
  to: number;
  tail: boolean;
  sym: GrammarSymbol;
}

/** The strongly connected component of each node (iterative Tarjan). */
function stronglyConnectedComponents(edges: readonly (readonly { to: number }[])[]): number[] {
  const n = edges.length;
  const index = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const component = new Array<number>(n).fill(-1);
  const onStack = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  let counter = 0;
  let components = 0;
  const visit = (v: number): void => {
    index[v] = low[v] = counter++;
    stack.push(v);
    onStack[v] = true;
  };
  const closeComponent = (v: number): void => {
    for (;;) {
      const w = stack.pop()!;
      onStack[w] = false;
      component[w] = components;
      if (w === v) break;
    }
    components++;
  };
  for (let s = 0; s < n; s++) {
    if (index[s] !== -1) continue;
    const work: [number, number][] = [[s, 0]];
    visit(s);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const [v, i] = frame;
      if (i < edges[v]!.length) {
        frame[1]++;
        const w = edges[v]![i]!.to;
        if (index[w] === -1) {
          visit(w);
          work.push([w, 0]);
        } else if (onStack[w]) {
          low[v] = Math.min(low[v]!, index[w]!);
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]![0];
        low[parent] = Math.min(low[parent]!, low[v]!);
      }
      if (low[v] === index[v]) closeComponent(v);
    }
  }
  return component;
}
