/**
 * Stop-string matching over streamed text.
 *
 * Text is checked as it grows, so a stop string split over several tokens is found as soon
 * as its last character arrives. While the tail of the text could still grow into a stop
 * string it is held back; it is released the moment it cannot.
 */
export interface StopMatch {
  /** UTF-16 index where the stop string starts: the text is cut here. */
  index: number;
  stop: string;
}

export class StopStringMatcher {
  private readonly stops: readonly string[];

  constructor(stops: readonly string[]) {
    this.stops = stops.filter((s) => s.length > 0);
  }

  get isEmpty(): boolean {
    return this.stops.length === 0;
  }

  /**
   * The earliest occurrence of any stop string that starts at or after `from` (ties go to
   * the longest stop string, which does not change where the text is cut).
   */
  findEarliest(text: string, from: number): StopMatch | null {
    let best: StopMatch | null = null;
    for (const stop of this.stops) {
      const index = text.indexOf(stop, from);
      if (index < 0) continue;
      if (best === null || index < best.index || (index === best.index && stop.length > best.stop.length)) {
        best = { index, stop };
      }
    }
    return best;
  }

  /**
   * Length of the longest suffix of `text.slice(from)` that is a proper prefix of some stop
   * string: that many trailing characters must be held back.
   */
  holdBackLength(text: string, from: number): number {
    const available = text.length - from;
    let longest = 0;
    for (const stop of this.stops) {
      const max = Math.min(stop.length - 1, available);
      for (let len = max; len > longest; len--) {
        if (text.startsWith(stop.slice(0, len), text.length - len)) {
          longest = len;
          break;
        }
      }
    }
    return longest;
  }
}
