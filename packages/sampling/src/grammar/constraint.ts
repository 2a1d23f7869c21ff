/**
 * Grammar-constrained decoding: which tokens keep the generated text a valid prefix of the
 * grammar.
 *
 * `createGrammarConstraint` does the per-(grammar, vocabulary) work once: it builds the byte
 * trie of the vocabulary and a recognizer whose states and byte transitions are memoized and
 * shared by every sequence. One mask step walks the trie from the current state and skips every
 * subtree whose prefix is already rejected; the resulting token set is cached per recognizer
 * state, so a state seen before (inside a JSON string, between digits...) costs one pass over
 * the logits.
 *
 * Wiring into the decode loop, per sequence:
 * ```ts
 * const grammarState = constraint.start();
 * // before sampling, as the sampler's LogitsMask:
 * const mask: LogitsMask = (logits) => grammarState.mask(logits);
 * // after sampling `token`:
 * grammarState.accept(token);
 * if (grammarState.isExhausted()) finish('stop'); // nothing may follow; EOS also ends it
 * ```
 */
import { GrammarDeadline } from './deadline.js';
import type { Grammar } from './grammar.js';
import { DEAD, Recognizer, type RecognizerState } from './recognizer.js';
import { TokenTrie } from './token-trie.js';

/** What the constraint needs to know about the tokenizer. */
export interface TokenVocabulary {
  /**
   * Per token id, the bytes it decodes to (for byte-level BPE, the bytes behind the token's
   * characters; for SentencePiece, with `▁` as a space and `<0xHH>` byte tokens as that byte).
   * `null` for special tokens, which are never allowed, except EOS.
   */
  tokenBytes: (Uint8Array | null)[];
  /** Token ids that end the sequence: allowed exactly when the text so far completes the grammar. */
  eosTokenIds: number[];
}

/** A grammar prepared for one vocabulary. Create once, `start()` once per sequence. */
export interface GrammarConstraint {
  readonly grammar: Grammar;
  /** A fresh state: nothing generated yet. */
  start(): GrammarState;
  /**
   * Does the work of the first step now: the state before any text and its token mask (cached
   * for every sequence that starts). With `deadline`, that work stops with its
   * GrammarLimitError once the deadline is spent (a compile-time budget).
   * @throws GrammarLimitError (max_parse_stacks, or the deadline's budget)
   */
  prepare(deadline?: GrammarDeadline): void;
}

/** The grammar's view of one sequence. */
export interface GrammarState {
  /**
   * Sets the logit of every token the grammar does not allow next to -Infinity, in place.
   * EOS is allowed only when the text so far completes the grammar. When no token can
   * continue (a vocabulary that cannot spell what the grammar needs), only EOS is left.
   * A `logits` longer than the vocabulary has its extra entries disallowed.
   */
  mask(logits: Float32Array): void;
  /**
   * Advances past `token`.
   * @throws Error if the grammar does not allow the token here.
   */
  accept(token: number): void;
  /** The text so far is a complete sentence of the grammar (EOS may be sampled). */
  isComplete(): boolean;
  /** Nothing may follow (the grammar is complete and cannot grow, or EOS was accepted): stop now. */
  isExhausted(): boolean;
  /** An independent copy (for speculative decoding, beams, `n` > 1 forks). */
  clone(): GrammarState;
}

export interface GrammarConstraintOptions {
  /** Memoized recognizer states kept before the caches are rebuilt. Default 20,000. */
  maxStates?: number;
  /** Total token ids kept in cached masks before that cache is dropped. Default 8,000,000 (32 MB). */
  maxCachedMaskEntries?: number;
  /**
   * Time budget for computing one token mask not computed before (a new recognizer state), in
   * ms: over it, `mask` throws GrammarLimitError `max_match_ms`. Default: no budget.
   */
  maxMatchMs?: number;
}

/** The token set of one recognizer state: either the allowed ids or, when shorter, the rest. */
interface TokenSet {
  ids: Int32Array;
  /** `ids` lists the rejected tokens of the trie rather than the allowed ones. */
  blocked: boolean;
}

/**
 * Prepares `grammar` for a vocabulary: the recognizer, and the byte trie of the vocabulary
 * (built on the first call for a given `tokenBytes` array, then shared). The tokenizer's
 * `tokenBytes` array must not be mutated afterwards. Reuse the constraint across sequences and
 * requests with the same grammar: its memo tables carry over.
 */
export function createGrammarConstraint(
  grammar: Grammar,
  vocab: TokenVocabulary,
  options: GrammarConstraintOptions = {},
): GrammarConstraint {
  return new Constraint(grammar, vocab, options);
}

/** What depends only on the vocabulary: the trie, and the tokens it leaves out. */
interface VocabularyIndex {
  trie: TokenTrie;
  /** Tokens never allowed: special (null bytes) and empty tokens, EOS excepted. */
  outside: Int32Array;
}

/**
 * Module-level on purpose: built once per `tokenBytes` array (and EOS list) and shared by every
 * grammar, so a new request pays only for its grammar. Keyed weakly by the caller's array, so it
 * goes when the tokenizer does; an index is immutable once built.
 */
const indexCache = new WeakMap<readonly (Uint8Array | null)[], Map<string, VocabularyIndex>>();

function indexFor(tokenBytes: readonly (Uint8Array | null)[], eos: readonly number[]): VocabularyIndex {
  let byEos = indexCache.get(tokenBytes);
  if (byEos === undefined) {
    byEos = new Map();
    indexCache.set(tokenBytes, byEos);
  }
  const key = [...eos].sort((a, b) => a - b).join(',');
  let index = byEos.get(key);
  if (index === undefined) {
    const eosSet = new Set(eos);
    const inTrie: number[] = [];
    const outside: number[] = [];
    tokenBytes.forEach((bytes, id) => {
      if (eosSet.has(id)) return;
      if (bytes !== null && bytes !== undefined && bytes.length > 0) inTrie.push(id);
      else outside.push(id);
    });
    index = { trie: new TokenTrie(tokenBytes, inTrie), outside: Int32Array.from(outside) };
    byEos.set(key, index);
  }
  return index;
}

class Constraint implements GrammarConstraint {
  readonly recognizer: Recognizer;
  readonly trie: TokenTrie;
  /** Tokens never allowed (special, empty), EOS excepted. */
  readonly outside: Int32Array;
  readonly vocabSize: number;
  readonly eos: readonly number[];
  private readonly eosSet: Set<number>;
  private readonly tokenBytes: readonly (Uint8Array | null)[];
  private masks = new Map<RecognizerState, TokenSet>();
  private maskEntries = 0;
  private readonly maxMaskEntries: number;
  private readonly maxMatchMs: number | undefined;
  // Scratch buffers reused by every mask computation.
  private readonly pathStates: Int32Array;
  private saved = new Float32Array(0);

  constructor(
    readonly grammar: Grammar,
    vocab: TokenVocabulary,
    options: GrammarConstraintOptions,
  ) {
    this.recognizer = new Recognizer(grammar, { maxStates: options.maxStates });
    this.maxMaskEntries = options.maxCachedMaskEntries ?? 8_000_000;
    this.maxMatchMs = options.maxMatchMs;
    this.tokenBytes = vocab.tokenBytes;
    this.vocabSize = vocab.tokenBytes.length;
    this.eos = [...new Set(vocab.eosTokenIds)];
    this.eosSet = new Set(this.eos);
    const index = indexFor(vocab.tokenBytes, this.eos);
    this.trie = index.trie;
    this.outside = index.outside;
    this.pathStates = new Int32Array(this.trie.maxDepth + 1);
  }

  start(): GrammarState {
    return new SequenceGrammarState(this, this.recognizer.initial(), false);
  }

  prepare(deadline?: GrammarDeadline): void {
    const previous = this.recognizer.deadline;
    this.recognizer.deadline = deadline ?? null;
    try {
      this.tokenSet(this.recognizer.initial());
    } finally {
      this.recognizer.deadline = previous;
    }
  }

  /** `state` valid in the current cache generation; drops the caches first if they are too big. */
  current(state: RecognizerState): RecognizerState {
    if (this.recognizer.overBudget) {
      this.recognizer.compact();
      this.masks.clear();
      this.maskEntries = 0;
    }
    return this.recognizer.current(state);
  }

  isEos(token: number): boolean {
    return this.eosSet.has(token);
  }

  bytesOf(token: number): Uint8Array | null | undefined {
    return this.tokenBytes[token];
  }

  /** The tokens allowed after `state` (EOS aside), cached per state. */
  tokenSet(state: RecognizerState): TokenSet {
    let set = this.masks.get(state);
    if (set === undefined) {
      set = this.timedTokenSet(state);
      if (this.maskEntries + set.ids.length > this.maxMaskEntries) {
        this.masks.clear();
        this.maskEntries = 0;
      }
      this.masks.set(state, set);
      this.maskEntries += set.ids.length;
    }
    return set;
  }

  /** computeTokenSet within the maxMatchMs budget, unless a caller's deadline (prepare's) is already set. */
  private timedTokenSet(state: RecognizerState): TokenSet {
    const recognizer = this.recognizer;
    if (recognizer.deadline !== null || this.maxMatchMs === undefined) return this.computeTokenSet(state);
    recognizer.deadline = new GrammarDeadline(this.maxMatchMs, 'max_match_ms', 'computing one token mask');
    try {
      return this.computeTokenSet(state);
    } finally {
      recognizer.deadline = null;
    }
  }

  /** The ASCII bytes on which state `id` goes back to itself, as 4 x 32 bits (memoized). */
  private asciiLoops(id: number): Uint32Array {
    const state = this.recognizer.states[id]!;
    if (state.asciiLoops === undefined) {
      const loops = new Uint32Array(4);
      for (let b = 0; b < 0x80; b++) {
        if (this.recognizer.next(id, b) === id) loops[b >> 5]! |= 1 << (b & 31);
      }
      state.asciiLoops = loops;
    }
    return state.asciiLoops;
  }

  /** The tokens allowed (or, when shorter, rejected) in `state`. */
  private computeTokenSet(state: RecognizerState): TokenSet {
    const { rejected, rejectedCount } = this.rejectedRuns(state);
    return this.tokenSetFromRuns(rejected, rejectedCount);
  }

  /**
   * Walks the trie from `state`, skipping the subtree of every rejected prefix. The trie's
   * tokens are stored in node order, so a rejected subtree is one contiguous run of
   * `trie.tokens`: the walk only records those runs, as [start, end) pairs in increasing order.
   */
  private rejectedRuns(state: RecognizerState): { rejected: number[]; rejectedCount: number } {
    const { bytes, depth, skip, tokenStart, size } = this.trie;
    const recognizer = this.recognizer;
    const path = this.pathStates;
    path[0] = state.id;
    let table = recognizer.transitions;
    const rejected: number[] = [];
    let rejectedCount = 0;
    let i = 0;
    while (i < size) {
      const d = depth[i]!;
      const from = path[d - 1]!;
      let to = table[from * 256 + bytes[i]!]!;
      if (to < 0) {
        to = recognizer.next(from, bytes[i]!);
        table = recognizer.transitions; // may have been reallocated
      }
      if (to === DEAD) {
        const next = skip[i]!;
        const a = tokenStart[i]!;
        const b = tokenStart[next]!;
        if (b > a) {
          // Merge with the previous run when adjacent.
          if (rejected.length > 0 && rejected[rejected.length - 1] === a) rejected[rejected.length - 1] = b;
          else rejected.push(a, b);
          rejectedCount += b - a;
        }
        i = next;
        continue;
      }
      path[d] = to;
      const skipSubtree = to === from && this.subtreeLoops(i, to);
      table = recognizer.transitions; // subtreeLoops may have reallocated it
      i = skipSubtree ? skip[i]! : i + 1;
    }
    return { rejected, rejectedCount };
  }

  /**
   * In a state that looped on node i's byte, the whole subtree is allowed when the state also
   * loops on every byte below (checked on ASCII bytes only).
   */
  private subtreeLoops(i: number, state: number): boolean {
    const { skip, asciiBelow, otherBelow } = this.trie;
    if (!(skip[i]! > i + 1 && otherBelow[i] === 0)) return false;
    const loops = this.asciiLoops(state);
    const m = i * 4;
    return (
      (asciiBelow[m]! & ~loops[0]!) === 0 &&
      (asciiBelow[m + 1]! & ~loops[1]!) === 0 &&
      (asciiBelow[m + 2]! & ~loops[2]!) === 0 &&
      (asciiBelow[m + 3]! & ~loops[3]!) === 0
    );
  }

  /**
   * Keeps whichever list is shorter: the allowed tokens, or the rejected ones (to which `mask`
   * adds `outside`).
   */
  private tokenSetFromRuns(rejected: readonly number[], rejectedCount: number): TokenSet {
    const tokens = this.trie.tokens;
    const allowedCount = tokens.length - rejectedCount;
    if (allowedCount <= rejectedCount + this.outside.length) {
      const ids = new Int32Array(allowedCount);
      let n = 0;
      let from = 0;
      for (let r = 0; r <= rejected.length; r += 2) {
        const to = r < rejected.length ? rejected[r]! : tokens.length;
        ids.set(tokens.subarray(from, to), n);
        n += to - from;
        from = rejected[r + 1]!;
      }
      return { ids, blocked: false };
    }
    const ids = new Int32Array(rejectedCount);
    let n = 0;
    for (let r = 0; r < rejected.length; r += 2) {
      ids.set(tokens.subarray(rejected[r]!, rejected[r + 1]!), n);
      n += rejected[r + 1]! - rejected[r]!;
    }
    return { ids, blocked: true };
  }

  /** Keeps only `keep` and (when `withEos`) the EOS tokens finite. */
  applyAllowList(logits: Float32Array, keep: Int32Array, withEos: boolean): void {
    const n = keep.length;
    const extra = withEos ? this.eos.length : 0;
    if (this.saved.length < n + extra) this.saved = new Float32Array(n + extra);
    const saved = this.saved;
    for (let k = 0; k < n; k++) saved[k] = logits[keep[k]!]!;
    for (let k = 0; k < extra; k++) saved[n + k] = logits[this.eos[k]!]!;
    logits.fill(-Infinity);
    for (let k = 0; k < n; k++) logits[keep[k]!] = saved[k]!;
    for (let k = 0; k < extra; k++) {
      const id = this.eos[k]!;
      if (id < logits.length) logits[id] = saved[n + k]!;
    }
  }
}

class SequenceGrammarState implements GrammarState {
  constructor(
    private readonly constraint: Constraint,
    private state: RecognizerState,
    /** EOS has been accepted. */
    private ended: boolean,
  ) {}

  mask(logits: Float32Array): void {
    const c = this.constraint;
    if (this.ended) {
      c.applyAllowList(logits, new Int32Array(0), true);
      return;
    }
    this.state = c.current(this.state);
    const complete = this.state.complete;
    const set = c.tokenSet(this.state);
    if (!set.blocked) {
      // A dead end for this vocabulary (no token spells what the grammar needs next): offer
      // EOS rather than nothing, so the sequence can still end.
      const withEos = complete || set.ids.length === 0;
      if (set.ids.length === 0 && c.eos.length === 0) {
        throw new Error(
          'grammar: no token can follow the text and the vocabulary has no EOS token (check isExhausted() before masking)',
        );
      }
      c.applyAllowList(logits, set.ids, withEos);
      return;
    }
    const ids = set.ids;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k]!;
      if (id < logits.length) logits[id] = -Infinity;
    }
    const outside = c.outside;
    for (let k = 0; k < outside.length; k++) {
      const id = outside[k]!;
      if (id < logits.length) logits[id] = -Infinity;
    }
    for (let t = c.vocabSize; t < logits.length; t++) logits[t] = -Infinity;
    if (!complete) {
      for (const id of c.eos) if (id < logits.length) logits[id] = -Infinity;
    }
  }

  accept(token: number): void {
    const c = this.constraint;
    if (this.ended) throw new Error(`grammar: token ${token} after the end of the sequence`);
    this.state = c.current(this.state);
    if (c.isEos(token)) {
      if (!this.state.complete) {
        throw new Error(`grammar: end of sequence (token ${token}) before the grammar is complete`);
      }
      this.ended = true;
      return;
    }
    const bytes = c.bytesOf(token);
    if (bytes === null || bytes === undefined || bytes.length === 0) {
      throw new Error(`grammar: token ${token} is a special token, which the grammar never allows`);
    }
    let id = this.state.id;
    for (const b of bytes) {
      id = c.recognizer.next(id, b);
      if (id === DEAD) throw new Error(`grammar: token ${token} is not allowed here`);
    }
    this.state = c.recognizer.states[id]!;
  }

  isComplete(): boolean {
    return this.ended || this.state.complete;
  }

  isExhausted(): boolean {
    return this.ended || this.state.exhausted;
  }

  clone(): GrammarState {
    return new SequenceGrammarState(this.constraint, this.state, this.ended);
  }
}
