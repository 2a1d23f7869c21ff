/**
 * A byte-level recognizer for a parsed grammar: a pushdown automaton in the style of
 * llama.cpp, with every intermediate result interned and memoized so that the token mask can
 * be computed with table lookups.
 *
 * - A *parse stack* is the list of grammar positions still to match, innermost on top. Stacks
 *   are immutable linked lists, interned so that equal stacks are the same object; the empty
 *   stack (`EMPTY_STACK`) means "the text so far is a complete sentence".
 * - A *state* is the set of stacks the text so far can be in (the grammar may be ambiguous),
 *   plus the leading bytes of a UTF-8 character that is not finished yet. States are interned
 *   too and numbered; state 0 is the dead state (no stack left).
 * - `next(state, byte)` is memoized in one flat table, `transitions[state * 256 + byte]`, so
 *   walking a token's bytes, or the whole vocabulary trie, is mostly typed-array reads.
 *
 * Matching is over code points: the recognizer decodes UTF-8 itself, accepts only well-formed
 * UTF-8 (no overlong forms, no surrogates), and keeps a partial character alive only while some
 * stack can still match a character starting with those bytes. When every surviving stack
 * accepts every character those bytes can still become (`[^"\\]` after the lead byte of any
 * multi-byte character), the exact bytes are forgotten ("uniform" partial state), so the
 * thousands of byte prefixes in a vocabulary share a handful of states.
 */
import {
  rangesContain,
  rangesCover,
  rangesEncodable,
  rangesIntersect,
  type CharRanges,
} from './charset.js';
import type { GrammarDeadline } from './deadline.js';
import { GrammarLimitError } from './errors.js';
import type { Grammar } from './grammar.js';

/** The dead state: no continuation of the text can match. */
export const DEAD = 0;
/** Marks a transition that has not been computed yet. */
const UNKNOWN = -1;
/** `partialBytes` of a partial state that does not need to know the exact bytes. */
const UNIFORM = -1;

const KIND_END = 0;
const KIND_CHARS = 1;
const KIND_RULE = 2;

/** An interned parse stack: `pos` is the grammar position on top, `parent` the rest. */
class StackNode {
  /** Memoized `closure(this)`: the stacks this one expands to, each with a character set on top. */
  closure: StackNode[] | undefined;
  /** Memoized: the stacks after the character set on top of this one matched a character. */
  successors: StackNode[] | undefined;
  constructor(
    readonly id: number,
    readonly pos: number,
    readonly parent: StackNode | null,
    /** The cache generation this node was interned in (see `Recognizer.reset`). */
    readonly generation: number,
  ) {}
}

/** One interned recognizer state. */
export class RecognizerState {
  /**
   * After a complete character, the next state depends only on which of `stacks` matched it:
   * next state id by bitmask of matching stacks (most bytes share a few subsets).
   */
  readonly afterSubset: Map<number, number> | undefined;
  /** The ASCII bytes on which this state goes back to itself (filled in by the constraint). */
  asciiLoops: Uint32Array | undefined;
  /** The text so far is a complete sentence (an empty stack is present, no partial character). */
  readonly complete: boolean;
  /** No byte can follow. */
  readonly exhausted: boolean;
  constructor(
    readonly id: number,
    readonly generation: number,
    /** Sorted by id, no duplicates. */
    readonly stacks: readonly StackNode[],
    /** Continuation bytes still needed to finish the current UTF-8 character (0: none pending). */
    readonly pending: number,
    /**
     * The bytes of the unfinished character seen so far, the first in the low 8 bits; or
     * UNIFORM when every stack accepts whatever character they complete to.
     */
    readonly partialBytes: number,
    recognizer: Recognizer,
  ) {
    this.afterSubset = stacks.length <= 30 ? new Map() : undefined;
    this.complete = pending === 0 && stacks.some((s) => s.pos < 0);
    this.exhausted = pending === 0 && stacks.every((s) => !recognizer.canMatchSomething(s));
  }
}

/**
 * Most parse stacks one state may hold (an ambiguous grammar such as `("x"?){10000}` keeps one
 * per way the text so far can be read, and every token's mask walks them all).
 */
export const MAX_PARSE_STACKS = 4096;

export interface RecognizerOptions {
  /**
   * How many states to keep memoized before the caches are dropped and rebuilt (a long
   * generation with a deeply nested grammar keeps creating states). Default 20,000.
   */
  maxStates?: number;
}

export class Recognizer {
  // The grammar flattened into positions: alternatives laid end to end, each closed by END.
  private readonly kind: Uint8Array;
  private readonly arg: Int32Array;
  private readonly charsets: CharRanges[];
  private readonly charsetEncodable: boolean[];
  private readonly ruleAlternatives: number[][];
  private readonly rootRule: number;

  /** Bumped each time the memo tables are dropped. */
  generation = 0;
  private nextStackId = 1;
  private readonly emptyStack: StackNode;
  private stackTable = new Map<number, StackNode>();
  private stateTable = new Map<string, RecognizerState>();
  /** State by id; index 0 is the dead state. */
  states: RecognizerState[] = [];
  /**
   * Memoized byte transitions: `transitions[id * 256 + byte]` is the next state id, or
   * UNKNOWN (negative). Reallocated as states are added: re-read it after calling `next`.
   */
  transitions = new Int32Array(256 * 64).fill(UNKNOWN);
  private readonly maxStates: number;
  private initialState: RecognizerState | undefined;
  /**
   * Checked before each new transition is computed, for each stack it advances, every 1,024
   * nodes of a closure and for each root alternative of the initial state: set by the caller
   * around work that has a time budget, null otherwise.
   */
  deadline: GrammarDeadline | null = null;

  constructor(grammar: Grammar, options: RecognizerOptions = {}) {
    this.maxStates = options.maxStates ?? 20_000;
    const kind: number[] = [];
    const arg: number[] = [];
    this.charsets = [];
    const charsetIds = new Map<CharRanges, number>();
    this.ruleAlternatives = grammar.rules.map((rule) =>
      rule.alternatives.map((alt) => {
        const start = kind.length;
        for (const sym of alt) {
          if (sym.type === 'rule') {
            kind.push(KIND_RULE);
            arg.push(sym.rule);
          } else {
            let id = charsetIds.get(sym.ranges);
            if (id === undefined) {
              id = this.charsets.length;
              this.charsets.push(sym.ranges);
              charsetIds.set(sym.ranges, id);
            }
            kind.push(KIND_CHARS);
            arg.push(id);
          }
        }
        kind.push(KIND_END);
        arg.push(0);
        return start;
      }),
    );
    this.kind = Uint8Array.from(kind);
    this.arg = Int32Array.from(arg);
    this.charsetEncodable = this.charsets.map(rangesEncodable);
    this.rootRule = grammar.root;
    this.emptyStack = new StackNode(0, -1, null, -1);
    this.reset();
  }

  /** Drops every memoized stack and state. States held by callers stay usable (see `current`). */
  private reset(): void {
    this.generation++;
    this.stackTable = new Map();
    this.stateTable = new Map();
    this.states = [];
    this.transitions = new Int32Array(256 * 64).fill(UNKNOWN);
    // The dead state is always id 0.
    this.states.push(new RecognizerState(DEAD, this.generation, [], 0, 0, this));
    this.stateTable.set('', this.states[0]!);
    this.initialState = undefined;
  }

  /** The state before any text. */
  initial(): RecognizerState {
    if (this.initialState === undefined) {
      const stacks = new Set<StackNode>();
      for (const alt of this.ruleAlternatives[this.rootRule]!) {
        this.deadline?.check();
        for (const s of this.closure(this.push(alt, this.emptyStack))) stacks.add(s);
      }
      this.initialState = this.intern([...stacks], 0, 0);
    }
    return this.initialState;
  }

  /** Whether the memo tables have grown past their budget (call `compact` at a safe point). */
  get overBudget(): boolean {
    return this.states.length > this.maxStates;
  }

  /** Drops the memo tables if they are over budget; states held by callers remain valid via `current`. */
  compact(): void {
    if (this.overBudget) this.reset();
  }

  /** `state` re-interned in the current cache generation (itself when it already is). */
  current(state: RecognizerState): RecognizerState {
    if (state.generation === this.generation) return state;
    return this.intern(
      state.stacks.map((s) => this.reintern(s)),
      state.pending,
      state.partialBytes,
    );
  }

  private reintern(node: StackNode): StackNode {
    // Iterative: a deeply nested text makes deep stacks.
    const chain: StackNode[] = [];
    let base = node;
    while (base !== this.emptyStack && base.generation !== this.generation) {
      chain.push(base);
      base = base.parent!;
    }
    for (let k = chain.length - 1; k >= 0; k--) base = this.stackOf(chain[k]!.pos, base);
    return base;
  }

  /** The state after `byte`, or DEAD. Memoized. */
  next(stateId: number, byte: number): number {
    let next = this.transitions[stateId * 256 + byte]!;
    if (next === UNKNOWN) {
      next = this.computeNext(this.states[stateId]!, byte).id;
      this.transitions[stateId * 256 + byte] = next;
    }
    return next;
  }

  // ---------------------------------------------------------------------------------------
  // Stacks

  private stackOf(pos: number, parent: StackNode): StackNode {
    // pos < 2^21 (the parser caps grammars at 2^20 symbols), parent ids < 2^31.
    const key = parent.id * 0x200000 + pos;
    let node = this.stackTable.get(key);
    if (node === undefined) {
      node = new StackNode(this.nextStackId++, pos, parent, this.generation);
      this.stackTable.set(key, node);
    }
    return node;
  }

  /** `parent` with position `pos` pushed on top, or `parent` itself when `pos` ends its alternative. */
  private push(pos: number, parent: StackNode): StackNode {
    return this.kind[pos] === KIND_END ? parent : this.stackOf(pos, parent);
  }

  /**
   * The stacks `node` expands to by replacing the rule reference on top with the start of
   * each of its alternatives, repeatedly, until a character set (or nothing: the empty stack)
   * is on top. Memoized on the node. Iterative with one `seen` set, so a cycle of references
   * (`a ::= b`, `b ::= a | "x"`) ends instead of recursing forever.
   */
  private closure(node: StackNode): StackNode[] {
    if (node.closure !== undefined) return node.closure;
    const out = new Set<StackNode>();
    const seen = new Set<StackNode>();
    const work = [node];
    while (work.length > 0) {
      const n = work.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      if (seen.size > MAX_PARSE_STACKS * 16) throw tooAmbiguous();
      if ((seen.size & 1023) === 0) this.deadline?.check();
      if (n === this.emptyStack || this.kind[n.pos] === KIND_CHARS) {
        out.add(n);
      } else if (n.closure !== undefined) {
        for (const s of n.closure) out.add(s);
      } else {
        const rest = this.push(n.pos + 1, n.parent!);
        for (const alt of this.ruleAlternatives[this.arg[n.pos]!]!) work.push(this.push(alt, rest));
      }
    }
    node.closure = [...out];
    return node.closure;
  }

  /** Whether the character set on top of `node` can match any encodable character. */
  canMatchSomething(node: StackNode): boolean {
    return node.pos >= 0 && this.charsetEncodable[this.arg[node.pos]!]!;
  }

  // ---------------------------------------------------------------------------------------
  // States

  private intern(stacks: StackNode[], pending: number, partialBytes: number): RecognizerState {
    if (stacks.length === 0) return this.states[DEAD]!;
    if (stacks.length > MAX_PARSE_STACKS) throw tooAmbiguous();
    stacks.sort((a, b) => a.id - b.id);
    let key = '';
    for (const s of stacks) key += `${s.id},`;
    if (pending > 0) key += `/${pending}:${partialBytes}`;
    let state = this.stateTable.get(key);
    if (state === undefined) {
      state = new RecognizerState(
        this.states.length,
        this.generation,
        stacks,
        pending,
        partialBytes,
        this,
      );
      this.states.push(state);
      this.stateTable.set(key, state);
      if (this.states.length * 256 > this.transitions.length) {
        const grown = new Int32Array(this.transitions.length * 2).fill(UNKNOWN);
        grown.set(this.transitions);
        this.transitions = grown;
      }
    }
    return state;
  }

  private computeNext(state: RecognizerState, byte: number): RecognizerState {
    this.deadline?.check();
    const dead = this.states[DEAD]!;
    if (state.id === DEAD) return dead;
    if (state.pending === 0) {
      if (byte < 0x80) return this.afterChar(state, state.stacks, byte);
      const total = sequenceLength(byte);
      if (total === 0) return dead; // a stray continuation byte, or a byte UTF-8 never uses
      return this.partial(state.stacks, byte, 1, total);
    }
    if (state.partialBytes === UNIFORM) {
      // Every stack accepts any character these bytes become: only check the byte's form.
      if (byte < 0x80 || byte > 0xbf) return dead;
      if (state.pending === 1) return this.afterAnyChar(state.stacks);
      return this.intern([...state.stacks], state.pending - 1, UNIFORM);
    }
    const lead = state.partialBytes & 0xff;
    const total = sequenceLength(lead);
    const seen = total - state.pending;
    const [lo, hi] = seen === 1 ? secondByteRange(lead) : [0x80, 0xbf];
    if (byte < lo || byte > hi) return dead;
    const bytes = state.partialBytes | (byte << (8 * seen));
    if (state.pending === 1) return this.afterChar(state, state.stacks, decode(bytes, total));
    return this.partial(state.stacks, bytes, seen + 1, total);
  }

  /** The stacks after the character set on top of `node` matched a character. */
  private successors(node: StackNode): StackNode[] {
    if (node.successors === undefined) {
      node.successors = this.closure(this.push(node.pos + 1, node.parent!));
    }
    return node.successors;
  }

  /** The state after the complete character `cp`. */
  private afterChar(state: RecognizerState, stacks: readonly StackNode[], cp: number): RecognizerState {
    const bySubset = stacks === state.stacks ? state.afterSubset : undefined;
    let subset = 0;
    const matching: StackNode[] = [];
    for (let k = 0; k < stacks.length; k++) {
      const s = stacks[k]!;
      if (s.pos >= 0 && rangesContain(this.charsets[this.arg[s.pos]!]!, cp)) {
        matching.push(s);
        subset |= 1 << k;
      }
    }
    if (matching.length === 0) return this.states[DEAD]!;
    const known = bySubset?.get(subset);
    if (known !== undefined) return this.states[known]!;
    const next = this.afterAnyChar(matching);
    bySubset?.set(subset, next.id);
    return next;
  }

  /** The state after a character that every stack in `stacks` is known to accept. */
  private afterAnyChar(stacks: readonly StackNode[]): RecognizerState {
    if (stacks.length === 1) return this.intern([...this.successors(stacks[0]!)], 0, 0);
    const out = new Set<StackNode>();
    for (const s of stacks) {
      // One check per stack: with thousands of stacks, one transition is a long unit of work.
      this.deadline?.check();
      for (const t of this.successors(s)) out.add(t);
    }
    return this.intern([...out], 0, 0);
  }

  /**
   * The state holding `seen` of `total` bytes of an unfinished character (packed in `bytes`),
   * keeping the stacks that can match some character starting with them; DEAD if none can.
   */
  private partial(
    stacks: readonly StackNode[],
    bytes: number,
    seen: number,
    total: number,
  ): RecognizerState {
    const lead = bytes & 0xff;
    // The code points this prefix can still become: pad with the lowest / highest valid bytes.
    let min = bytes;
    let max = bytes;
    for (let k = seen; k < total; k++) {
      const [lo, hi] = k === 1 ? secondByteRange(lead) : [0x80, 0xbf];
      min |= lo << (8 * k);
      max |= hi << (8 * k);
    }
    const low = decode(min, total);
    const high = decode(max, total);
    const viable: StackNode[] = [];
    let uniform = true;
    for (const s of stacks) {
      if (s.pos < 0) continue;
      const ranges = this.charsets[this.arg[s.pos]!]!;
      if (!rangesIntersect(ranges, low, high)) continue;
      viable.push(s);
      if (uniform && !rangesCover(ranges, low, high)) uniform = false;
    }
    if (viable.length === 0) return this.states[DEAD]!;
    // A uniform state forgets the lead byte, so it cannot be used while the lead still
    // restricts the next byte (the second byte after E0, ED, F0, F4).
    const [secondLo, secondHi] = secondByteRange(lead);
    const leadMatters = seen === 1 && (secondLo !== 0x80 || secondHi !== 0xbf);
    if (uniform && !leadMatters) {
      return this.intern(viable, total - seen, UNIFORM);
    }
    return this.intern(viable, total - seen, bytes);
  }
}

/** Total bytes of the UTF-8 sequence a lead byte starts; 0 if it cannot start one. */
function tooAmbiguous(): GrammarLimitError {
  return new GrammarLimitError(
    'max_parse_stacks',
    `the grammar is too ambiguous: the text can be read in more than ${MAX_PARSE_STACKS} ways at once (max_parse_stacks); make optional items not follow one another, e.g. "x"{0,N} instead of ("x"?){N}`,
  );
}

function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** The valid range of the second byte after `lead` (excludes overlong forms, surrogates, > U+10FFFF). */
function secondByteRange(lead: number): [number, number] {
  if (lead === 0xe0) return [0xa0, 0xbf];
  if (lead === 0xed) return [0x80, 0x9f];
  if (lead === 0xf0) return [0x90, 0xbf];
  if (lead === 0xf4) return [0x80, 0x8f];
  return [0x80, 0xbf];
}

/** Decodes a complete UTF-8 sequence packed little-end-first into a number. */
function decode(bytes: number, length: number): number {
  const lead = bytes & 0xff;
  let cp = length === 2 ? lead & 0x1f : length === 3 ? lead & 0x0f : lead & 0x07;
  for (let k = 1; k < length; k++) cp = (cp << 6) | ((bytes >>> (8 * k)) & 0x3f);
  return cp;
}
