/**
 * The logit processors: they edit the logits of particular token ids, based on the context.
 * They run in greedy mode too. Formulas follow text-generation-webui (`modules/sampler_hijack.py`)
 * and Hugging Face (`transformers.generation.logits_process`), without TGW v1.8-v1.14's bug that
 * forced the repetition penalty to 1.1.
 */

/**
 * Read and write access to the current logit of a token id (-Infinity: not a candidate).
 *
 * `set` never brings a removed token back (it ignores tokens at -Infinity) and keeps results
 * finite: an overflowing penalty gives -3.4e38 (very unlikely, still a candidate), not
 * -Infinity, and a boost gives +3.4e38, never +Infinity, which no softmax survives. Only `ban`
 * removes a token.
 */
export interface LogitAccess {
  get(id: number): number;
  set(id: number, value: number): void;
  ban(id: number): void;
}

/** Largest finite float32: processor results are clamped to +/- this. */
export const MAX_LOGIT = 3.4028234663852886e38;

/** Clamps a logit computed from a finite one into the finite float32 range (NaN: the lowest). */
export function clampLogit(value: number): number {
  if (value > MAX_LOGIT) return MAX_LOGIT;
  if (value >= -MAX_LOGIT) return value;
  return -MAX_LOGIT;
}

/** Distinct tokens of a window and how many times each occurs. */
export interface TokenCounts {
  ids: number[];
  counts: number[];
}

/** The last `range` tokens of the context; 0 (or a range longer than the context) = all of it. */
export function penaltyWindow(tokens: readonly number[], range: number): readonly number[] {
  return range > 0 && range < tokens.length ? tokens.slice(tokens.length - range) : tokens;
}

/** Counts the tokens of a window; `scratch` is a zeroed array indexed by token id, left zeroed. */
export function countTokens(window: readonly number[], scratch: Int32Array): TokenCounts {
  const ids: number[] = [];
  for (const t of window) {
    if (t < 0 || t >= scratch.length) continue;
    const seen = scratch[t]!;
    scratch[t] = seen + 1;
    if (seen === 0) ids.push(t);
  }
  const counts = ids.map((t) => scratch[t]!);
  for (const t of ids) scratch[t] = 0;
  return { ids, counts };
}

/**
 * repetition_penalty θ over the window: for each distinct token, logit · θ if the logit is
 * negative, logit / θ otherwise.
 */
export function applyRepetitionPenalty(acc: LogitAccess, window: TokenCounts, theta: number): void {
  for (const id of window.ids) {
    const v = acc.get(id);
    acc.set(id, v < 0 ? v * theta : v / theta);
  }
}

/** presence_penalty α: logit - α for each distinct token of the window. */
export function applyPresencePenalty(acc: LogitAccess, window: TokenCounts, alpha: number): void {
  for (const id of window.ids) acc.set(id, acc.get(id) - alpha);
}

/** frequency_penalty α: logit - α · count for each token of the window. */
export function applyFrequencyPenalty(acc: LogitAccess, window: TokenCounts, alpha: number): void {
  for (let i = 0; i < window.ids.length; i++) {
    const id = window.ids[i]!;
    acc.set(id, acc.get(id) - alpha * window.counts[i]!);
  }
}

/**
 * encoder_repetition_penalty θ over the prompt (Hugging Face's "hallucination filter"): for each
 * distinct prompt token, logit / θ if negative, logit · θ otherwise, so θ > 1 favours tokens that
 * are in the prompt.
 */
export function applyEncoderRepetitionPenalty(acc: LogitAccess, prompt: TokenCounts, theta: number): void {
  for (const id of prompt.ids) {
    const v = acc.get(id);
    acc.set(id, v < 0 ? v / theta : v * theta);
  }
}

/**
 * no_repeat_ngram_size n over the whole context (prompt and generated tokens): bans every token
 * that would complete an n-gram already present. Nothing happens while the context is shorter
 * than n - 1 tokens.
 */
export function applyNoRepeatNgram(acc: LogitAccess, tokens: readonly number[], n: number): void {
  const len = tokens.length;
  if (len + 1 < n) return;
  const prefixStart = len - (n - 1);
  for (let start = 0; start + n <= len; start++) {
    let same = true;
    for (let j = 0; j < n - 1; j++) {
      if (tokens[start + j] !== tokens[prefixStart + j]) {
        same = false;
        break;
      }
    }
    if (same) acc.ban(tokens[start + n - 1]!);
  }
}

/** suppress_tokens (custom_token_bans, ban_eos_token): logit = -Infinity. */
export function applySuppressTokens(acc: LogitAccess, ids: readonly number[]): void {
  for (const id of ids) acc.ban(id);
}

/** logit_bias: logit + bias, for each listed token id. */
export function applyLogitBias(acc: LogitAccess, bias: Readonly<Record<number, number>>): void {
  for (const key in bias) {
    const value = bias[key as unknown as number]!;
    acc.set(Number(key), acc.get(Number(key)) + value);
  }
}

/** TGW's cap on a DRY match length (it also keeps base^(length - allowed) finite). */
export const DRY_MAX_MATCH = 50;

export interface DryParams {
  multiplier: number;
  base: number;
  allowedLength: number;
  /** Breakers as token sequences; a breaker of several tokens is matched as a sequence. */
  breakers: readonly (readonly number[])[];
}

/**
 * DRY ("don't repeat yourself") over the window (the last repetition_penalty_range tokens).
 *
 * For every earlier position j holding the window's last token, the match length L is how many
 * tokens, ending at j and ending at the window's end, agree (at least 1). L is capped at 50 and
 * at the number of tokens after the most recent sequence breaker, so a match never crosses a
 * breaker (if the window ends with a breaker, nothing is penalized). The token that followed
 * position j would extend the repetition: if L >= allowed_length its logit loses
 * multiplier · base^(L - allowed_length), with L the longest match over all such j.
 *
 * A token that is itself a breaker, or that would complete a breaker of several tokens given
 * the window's end, is never penalized. With single-token breakers this is exactly TGW's
 * DRYLogitsProcessor; breakers of several tokens are matched as sequences, as llama.cpp does.
 */
export function applyDry(acc: LogitAccess, window: readonly number[], p: DryParams): void {
  const len = window.length;
  if (len < 2) return;
  const last = window[len - 1]!;

  // Tokens after the end of the most recent complete breaker occurrence (only up to the cap).
  let limit = DRY_MAX_MATCH;
  for (let end = len - 1; end >= 0 && len - 1 - end < DRY_MAX_MATCH; end--) {
    if (breakerEndsAt(window, end, p.breakers)) {
      limit = len - 1 - end;
      break;
    }
  }
  if (limit === 0) return;

  const longest = new Map<number, number>();
  for (let j = 0; j < len - 1; j++) {
    if (window[j] !== last) continue;
    const next = window[j + 1]!;
    if (completesBreaker(window, next, p.breakers)) continue;
    let length = 1;
    while (length < limit && j - length >= 0 && window[j - length] === window[len - 1 - length]) length++;
    const previous = longest.get(next);
    if (previous === undefined || length > previous) longest.set(next, length);
  }

  for (const [token, length] of longest) {
    if (length < p.allowedLength) continue;
    const penalty = p.multiplier * Math.pow(p.base, length - p.allowedLength);
    acc.set(token, acc.get(token) - penalty);
  }
}

/** Whether some breaker occurs in `tokens` ending exactly at index `end`. */
function breakerEndsAt(tokens: readonly number[], end: number, breakers: DryParams['breakers']): boolean {
  for (const b of breakers) {
    const m = b.length;
    if (m === 0 || m > end + 1) continue;
    let match = true;
    for (let i = 0; i < m; i++) {
      if (tokens[end - m + 1 + i] !== b[i]) {
        match = false;
        break;
      }
    }
    if (match) return true;
  }
  return false;
}

/** Whether appending `token` to `tokens` would end a breaker occurrence. */
function completesBreaker(tokens: readonly number[], token: number, breakers: DryParams['breakers']): boolean {
  const len = tokens.length;
  for (const b of breakers) {
    const m = b.length;
    if (m === 0 || b[m - 1] !== token || m - 1 > len) continue;
    let match = true;
    for (let i = 0; i < m - 1; i++) {
      if (tokens[len - (m - 1) + i] !== b[i]) {
        match = false;
        break;
      }
    }
    if (match) return true;
  }
  return false;
}
