/**
 * The vocabulary as a byte trie, flattened in depth-first (pre)order into typed arrays so
 * that the mask computation is one forward loop: node `i` holds one byte at `depth[i]`; its
 * subtree is the nodes `i + 1 .. skip[i] - 1`, so a dead prefix skips its whole subtree in one
 * step; the tokens whose bytes end at node `i` are `tokens[tokenStart[i] .. tokenStart[i + 1] - 1]`.
 *
 * Each node also records which ASCII bytes occur below it (`asciiBelow`, 4 x 32 bits per
 * node) and whether any other byte does (`otherBelow`): when the walk is in a state that loops
 * back to itself on every one of those bytes (a JSON string, free text), the whole subtree is
 * allowed without visiting it.
 */
export class TokenTrie {
  /** Number of nodes (the root, the empty prefix, is not stored). */
  readonly size: number;
  readonly bytes: Uint8Array;
  /** 1-based depth: the length of the prefix the node stands for. */
  readonly depth: Uint32Array;
  readonly skip: Int32Array;
  readonly tokenStart: Int32Array;
  readonly tokens: Int32Array;
  readonly maxDepth: number;
  /** Bits of the ASCII bytes found strictly below node `i`: words `4i .. 4i + 3`. */
  readonly asciiBelow: Uint32Array;
  /** 1 when a byte >= 0x80 occurs strictly below node `i`. */
  readonly otherBelow: Uint8Array;

  /** Builds the trie of every token id in `ids` (each must have bytes of length >= 1). */
  constructor(tokenBytes: readonly (Uint8Array | null)[], ids: readonly number[]) {
    const sorted = sortByBytes(tokenBytes, ids);
    const { bytes, depth, skip, tokenNode } = buildNodes(tokenBytes, sorted);
    this.size = bytes.length;
    this.bytes = Uint8Array.from(bytes);
    this.depth = Uint32Array.from(depth);
    this.skip = Int32Array.from(skip);
    this.tokens = Int32Array.from(sorted);
    this.tokenStart = new Int32Array(this.size + 1);
    let t = 0;
    for (let node = 0; node <= this.size; node++) {
      while (t < tokenNode.length && tokenNode[t]! < node) t++;
      this.tokenStart[node] = t;
    }
    this.maxDepth = depth.reduce((m, d) => Math.max(m, d), 0);
    this.asciiBelow = new Uint32Array(this.size * 4);
    this.otherBelow = new Uint8Array(this.size);
    this.summarizeBytes();
  }

  /** Fills `asciiBelow` and `otherBelow`: children come after their parent in preorder, so backwards. */
  private summarizeBytes(): void {
    for (let node = this.size - 1; node >= 0; node--) {
      for (let child = node + 1; child < this.skip[node]!; child = this.skip[child]!) {
        const b = this.bytes[child]!;
        if (b < 0x80) this.asciiBelow[node * 4 + (b >> 5)]! |= 1 << (b & 31);
        else this.otherBelow[node] = 1;
        this.otherBelow[node]! |= this.otherBelow[child]!;
        for (let w = 0; w < 4; w++) this.asciiBelow[node * 4 + w]! |= this.asciiBelow[child * 4 + w]!;
      }
    }
  }
}

/**
 * The trie's nodes in preorder from tokens sorted by bytes: each node's byte, depth and the node
 * after its subtree (`skip`), and the node where each token ends.
 */
function buildNodes(
  tokenBytes: readonly (Uint8Array | null)[],
  sorted: readonly number[],
): { bytes: number[]; depth: number[]; skip: number[]; tokenNode: number[] } {
  const bytes: number[] = [];
  const depth: number[] = [];
  const skip: number[] = [];
  const tokenNode: number[] = [];
  // open[k]: the node at depth k + 1 on the current path.
  const open: number[] = [];
  let previous: Uint8Array = new Uint8Array(0);
  for (const id of sorted) {
    const b = tokenBytes[id]!;
    let common = 0;
    while (common < b.length && common < previous.length && b[common] === previous[common]) common++;
    for (let d = common; d < b.length; d++) {
      const node = bytes.length;
      // Every open node at this depth or deeper ends its subtree here.
      for (let k = d; k < open.length; k++) skip[open[k]!] = node;
      open.length = d;
      open.push(node);
      bytes.push(b[d]!);
      depth.push(d + 1);
      skip.push(-1);
    }
    // Lexicographic order puts a prefix before its extensions, so the token ends at the
    // deepest open node, and tokens arrive in node order.
    tokenNode.push(open[b.length - 1]!);
    previous = b;
  }
  for (const node of open) skip[node] = bytes.length;
  return { bytes, depth, skip, tokenNode };
}

/**
 * Token ids in lexicographic order of their bytes: a most-significant-byte radix sort, much
 * faster than a comparison sort over 50,000 byte arrays.
 */
function sortByBytes(tokenBytes: readonly (Uint8Array | null)[], ids: readonly number[]): number[] {
  const out = [...ids];
  const scratch = new Array<number>(out.length);
  const sortRange = (lo: number, hi: number, d: number): void => {
    if (hi - lo < 32) {
      // Insertion sort on the bytes from position d (the first d are equal).
      for (let k = lo + 1; k < hi; k++) {
        const id = out[k]!;
        let j = k - 1;
        while (j >= lo && compareBytes(tokenBytes[out[j]!]!, tokenBytes[id]!, d) > 0) {
          out[j + 1] = out[j]!;
          j--;
        }
        out[j + 1] = id;
      }
      return;
    }
    // Bucket 0: tokens that end at d (they sort first); bucket 1 + b: byte b at d.
    const key = (id: number) => {
      const bytes = tokenBytes[id]!;
      return d < bytes.length ? bytes[d]! + 1 : 0;
    };
    const starts = new Int32Array(258);
    for (let k = lo; k < hi; k++) starts[key(out[k]!) + 1]!++;
    for (let b = 1; b < 258; b++) starts[b]! += starts[b - 1]!;
    const bounds = starts.slice();
    for (let k = lo; k < hi; k++) scratch[lo + starts[key(out[k]!)]!++] = out[k]!;
    for (let k = lo; k < hi; k++) out[k] = scratch[k]!;
    for (let b = 1; b < 257; b++) {
      const from = lo + bounds[b]!;
      const to = lo + bounds[b + 1]!;
      if (to - from > 1) sortRange(from, to, d + 1);
    }
  };
  sortRange(0, out.length, 0);
  return out;
}

function compareBytes(a: Uint8Array, b: Uint8Array, from: number): number {
  const n = Math.min(a.length, b.length);
  for (let i = from; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}
