/**
 * The text of one choice as it streams: token pieces in, releasable text (and its logprobs)
 * out, with stop strings cut off and held back.
 */
import type { TokenLogprob } from '@textgen-spec/sampling';
import { codePointLength } from './detokenizer.js';
import type { StopMatch, StopStringMatcher } from './stop-strings.js';
import type { LogprobsSlice } from './types.js';

/** Logprob data of one token, already turned into strings for the legacy object. */
export interface TokenLogprobEntry {
  logprob: number | null;
  top: Record<string, number> | null;
}

/**
 * A top_logprobs entry of the legacy object: token text -> logprob, the first of tokens that
 * show as the same text kept, and the chosen token added when missing (OpenAI lists up to
 * logprobs + 1 entries).
 */
export function topLogprobsRecord(
  tokenString: (id: number) => string,
  top: readonly TokenLogprob[] | undefined,
  chosen: number,
  logprob: number,
): Record<string, number> {
  const map: Record<string, number> = {};
  for (const t of top ?? []) {
    const key = tokenString(t.token);
    if (!(key in map)) map[key] = t.logprob;
  }
  const key = tokenString(chosen);
  if (!(key in map)) map[key] = logprob;
  return map;
}

/** Text that may be shown to the client now, with the logprobs of exactly its tokens. */
export interface TextRelease {
  text: string;
  logprobs: LogprobsSlice | null;
}

interface PendingToken extends TokenLogprobEntry {
  text: string;
  /** UTF-16 index of the token's first character in the choice text. */
  start: number;
}

export interface ChoiceOutputOptions {
  stops: StopStringMatcher;
  /** Keep per-token logprobs; text is then released in whole tokens. */
  withLogprobs: boolean;
  /** text_offset of the first character, in code points (the prompt's length: OpenAI's base). */
  offsetBase: number;
}

/**
 * Accumulates one choice's generated text.
 *
 * Without logprobs, text is released character by character as soon as it cannot be part
 * of a stop string. With logprobs, each release covers whole tokens, so every text event
 * carries exactly the logprobs of its own tokens (OpenAI's streaming shape): a token whose
 * tail might start a stop string waits until that is decided.
 */
export class ChoiceOutput {
  /** The choice text so far (cut at the stop string once one matched). */
  text = '';
  /** The stop string that ended the choice, if any. */
  stopped: StopMatch | null = null;
  /** Number of UTF-16 units of `text` already released. */
  private released = 0;
  private releasedCodePoints: number;
  private pending: PendingToken[] = [];

  constructor(private readonly options: ChoiceOutputOptions) {
    this.releasedCodePoints = options.offsetBase;
  }

  /**
   * Appends the text of one token. Returns what can be released now (or null), and sets
   * `stopped` when a stop string completed: then everything before it is released.
   */
  push(piece: string, entry: TokenLogprobEntry | null): TextRelease | null {
    if (this.stopped) throw new Error('ChoiceOutput.push after a stop string matched');
    const start = this.text.length;
    this.text += piece;
    if (this.options.withLogprobs) {
      this.pending.push({ text: piece, start, logprob: entry?.logprob ?? null, top: entry?.top ?? null });
    }
    const { stops } = this.options;
    if (stops.isEmpty) return this.releaseUpTo(this.text.length);

    const match = stops.findEarliest(this.text, this.released);
    if (match) {
      this.cutAt(match.index);
      this.stopped = match;
      return this.releaseUpTo(this.text.length);
    }
    return this.releaseUpTo(this.text.length - stops.holdBackLength(this.text, this.released));
  }

  /**
   * Adds text that belongs to the last token (what the detokenizer still held at the end).
   * It is checked for stop strings like any other text.
   */
  appendToLastToken(piece: string): TextRelease | null {
    if (piece === '' || this.stopped) return null;
    const last = this.pending.at(-1);
    if (!this.options.withLogprobs || !last) return this.push(piece, null);
    last.text += piece;
    this.text += piece;
    const match = this.options.stops.findEarliest(this.text, this.released);
    if (match) {
      this.cutAt(match.index);
      this.stopped = match;
    }
    return this.releaseUpTo(this.text.length);
  }

  /** Releases everything still held back: the choice is finished. */
  finish(): TextRelease | null {
    return this.releaseUpTo(this.text.length, true);
  }

  /**
   * Cuts the text at a stop string. Tokens past the cut stay in the logprobs with empty text,
   * so that there is one entry per generated token and the entries still join to the text.
   */
  private cutAt(index: number): void {
    this.text = this.text.slice(0, index);
    for (const token of this.pending) {
      const keep = Math.max(0, index - token.start);
      if (token.text.length > keep) token.text = token.text.slice(0, keep);
      token.start = Math.min(token.start, index);
    }
  }

  private releaseUpTo(limit: number, final = false): TextRelease | null {
    if (!this.options.withLogprobs) {
      if (limit <= this.released) return null;
      const text = this.text.slice(this.released, limit);
      this.released = limit;
      return { text, logprobs: null };
    }
    // Whole tokens only: release the longest run of pending tokens that ends within `limit`.
    let count = 0;
    while (count < this.pending.length) {
      const token = this.pending[count]!;
      if (token.start + token.text.length > limit) break;
      count++;
    }
    const end = count > 0 ? this.pending[count - 1]!.start + this.pending[count - 1]!.text.length : this.released;
    // Tokens with no text yet (half a character, a skipped special token) wait for text to
    // travel with, unless the choice is finished.
    if (count === 0 || (end === this.released && !final)) return null;
    const tokens = this.pending.splice(0, count);
    const slice: LogprobsSlice = { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] };
    for (const token of tokens) {
      slice.tokens.push(token.text);
      slice.token_logprobs.push(token.logprob);
      slice.top_logprobs.push(token.top);
      slice.text_offset.push(this.releasedCodePoints);
      this.releasedCodePoints += codePointLength(token.text);
    }
    const text = this.text.slice(this.released, end);
    this.released = end;
    return { text, logprobs: slice };
  }
}
