/**
 * `clean_up_tokenization_spaces` (on in Llama 3's tokenizer config), applied to a stream of
 * text so that the pieces join to what cleaning the whole text gives.
 *
 * The clean-up (as transformers.js and Python transformers do it) only deletes spaces, and every
 * pattern it rewrites starts with a space and is at most four characters long. So a cut with no
 * space among the three characters before it can never be crossed by a pattern, even after
 * earlier rewrites (they only delete spaces): the text on each side cleans up on its own. Nor
 * can a cut just before a character that no pattern has after its leading space (a digit, most
 * letters: not a space or one of `.?!,'ntmsvre`), since that character is never deleted and a
 * crossing match would contain it. And the end of the text is a safe cut unless it ends with a
 * space or with the start of a pattern (" '", " n", " n'", " 'v", " 'r"): rewrites only delete
 * spaces, so nothing else can grow into a match. The stream holds back text after the last safe
 * cut, which in practice is rare: Llama 3 puts spaces at the start of its tokens.
 */

/** The clean-up, pattern by pattern in the order transformers.js applies them. */
export function cleanUpTokenization(text: string): string {
  if (!text.includes(' ')) return text;
  return text
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}

/** Characters before a cut that must hold no space (the longest pattern's length minus one). */
const GUARD = 3;
/** Text ending in one of these may still become a match when more text comes. */
const OPEN_ENDINGS = [' ', " '", ' n', " n'", " 'v", " 'r"];
/** Every character a pattern has after its leading space. */
const PATTERN_TAIL = " .?!,'ntmsvre";

export class SpaceCleanupStream {
  /** Text not released yet; it starts at a safe cut. */
  private pending = '';
  /** The last characters released (raw), to judge a cut near the start of `pending`. */
  private before = '';

  /** Adds raw text; returns the cleaned text that can no longer change. */
  push(text: string): string {
    if (text === '') return '';
    this.pending += text;
    const cut = this.safeCut();
    if (cut === 0) return '';
    const released = this.pending.slice(0, cut);
    this.pending = this.pending.slice(cut);
    this.before = (this.before + released).slice(-GUARD);
    return cleanUpTokenization(released);
  }

  /** Releases the rest (the end of the text is a safe cut). */
  flush(): string {
    const rest = this.pending;
    this.pending = '';
    this.before = (this.before + rest).slice(-GUARD);
    return cleanUpTokenization(rest);
  }

  /** The longest prefix of `pending` that ends at a safe cut (see the file comment). */
  private safeCut(): number {
    const text = this.before + this.pending;
    const offset = this.before.length;
    if (!OPEN_ENDINGS.some((ending) => text.endsWith(ending))) return this.pending.length;
    for (let end = text.length; end > offset; end--) {
      const next = text.charCodeAt(end); // NaN at the end of the text
      if (next >= 0xdc00 && next <= 0xdfff) continue; // never between the halves of a surrogate pair
      if (end < text.length && !PATTERN_TAIL.includes(text[end]!)) return end - offset;
      let spaceFree = 0; // characters without a space just before the candidate cut
      for (let i = end - 1; i >= 0 && i >= end - GUARD && text.charCodeAt(i) !== 32; i--) spaceFree++;
      if (spaceFree >= GUARD || spaceFree === end) return end - offset;
    }
    return 0;
  }
}
