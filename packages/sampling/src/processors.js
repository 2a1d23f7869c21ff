/**
 * The logit processors: they edit the logits of particular token ids, based on the context.
 * They run in greedy mode too. Formulas follow text-generation-webui (`modules/sampler_hijack.py`)
 * and Hugging Face (`transformers.generation.logits_process`), without TGW v1.8-v1.14's bug that
 * forced the repetition penalty to 1.1.
 */
/** Largest finite float32: processor results are clamped to +/- this. */
export const MAX_LOGIT = 3.4028234663852886e38;
/** Clamps a logit computed from a finite one into the finite float32 range (NaN: the lowest). */
export function clampLogit(value) {
    if (value > MAX_LOGIT)
        return MAX_LOGIT;
    if (value >= -MAX_LOGIT)
        return value;
    return -MAX_LOGIT;
}
/** The last `range` tokens of the context; 0 (or a range longer than the context) = all of it. */
export function penaltyWindow(tokens, range) {
    return range > 0 && range < tokens.length ? tokens.slice(tokens.length - range) : tokens;
}
/** Counts the tokens of a window; `scratch` is a zeroed array indexed by token id, left zeroed. */
export function countTokens(window, scratch) {
    const ids = [];
    for (const t of window) {
        if (t < 0 || t >= scratch.length)
            continue;
        const seen = scratch[t];
        scratch[t] = seen + 1;
        if (seen === 0)
            ids.push(t);
    }
    const counts = ids.map((t) => scratch[t]);
    for (const t of ids)
        scratch[t] = 0;
    return { ids, counts };
}
/**
 * repetition_penalty θ over the window: for each distinct token, logit · θ if the logit is
 * negative, logit / θ otherwise.
 */
export function applyRepetitionPenalty(acc, window, theta) {
    for (const id of window.ids) {
        const v = acc.get(id);
        acc.set(id, v < 0 ? v * theta : v / theta);
    }
}
/** presence_penalty α: logit - α for each distinct token of the window. */
export function applyPresencePenalty(acc, window, alpha) {
    for (const id of window.ids)
        acc.set(id, acc.get(id) - alpha);
}
/** frequency_penalty α: logit - α · count for each token of the window. */
export function applyFrequencyPenalty(acc, window, alpha) {
    for (let i = 0; i < window.ids.length; i++) {
        const id = window.ids[i];
        acc.set(id, acc.get(id) - alpha * window.counts[i]);
    }
}
/**
 * encoder_repetition_penalty θ over the prompt (Hugging Face's "hallucination filter"): for each
 * distinct prompt token, logit / θ if negative, logit · θ otherwise, so θ > 1 favours tokens that
 * are in the prompt.
 */
export function applyEncoderRepetitionPenalty(acc, prompt, theta) {
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
export function applyNoRepeatNgram(acc, tokens, n) {
    const len = tokens.length;
    if (len + 1 < n)
        return;
    const prefixStart = len - (n - 1);
    for (let start = 0; start + n <= len; start++) {
        let same = true;
        for (let j = 0; j < n - 1; j++) {
            if (tokens[start + j] !== tokens[prefixStart + j]) {
                same = false;
                break;
            }
        }
        if (same)
            acc.ban(tokens[start + n - 1]);
    }
}
/** suppress_tokens (custom_token_bans, ban_eos_token): logit = -Infinity. */
export function applySuppressTokens(acc, ids) {
    for (const id of ids)
        acc.ban(id);
}
/** logit_bias: logit + bias, for each listed token id. */
export function applyLogitBias(acc, bias) {
    for (const key in bias) {
        const value = bias[key];
        acc.set(Number(key), acc.get(Number(key)) + value);
    }
}
/** TGW's cap on a DRY match length (it also keeps base^(length - allowed) finite). */
export const DRY_MAX_MATCH = 50;
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
export function applyDry(acc, window, p) {
    const len = window.length;
    if (len < 2)
        return;
    const last = window[len - 1];
    // Tokens after the end of the most recent complete breaker occurrence (only up to the cap).
    let limit = DRY_MAX_MATCH;
    for (let end = len - 1; end >= 0 && len - 1 - end < DRY_MAX_MATCH; end--) {
        if (breakerEndsAt(window, end, p.breakers)) {
            limit = len - 1 - end;
            break;
        }
    }
    if (limit === 0)
        return;
    const longest = new Map();
    for (let j = 0; j < len - 1; j++) {
        if (window[j] !== last)
            continue;
        const next = window[j + 1];
        if (completesBreaker(window, next, p.breakers))
            continue;
        let length = 1;
        while (length < limit && j - length >= 0 && window[j - length] === window[len - 1 - length])
            length++;
        const previous = longest.get(next);
        if (previous === undefined || length > previous)
            longest.set(next, length);
    }
    for (const [token, length] of longest) {
        if (length < p.allowedLength)
            continue;
        const penalty = p.multiplier * Math.pow(p.base, length - p.allowedLength);
        acc.set(token, acc.get(token) - penalty);
    }
}
/** Whether some breaker occurs in `tokens` ending exactly at index `end`. */
function breakerEndsAt(tokens, end, breakers) {
    for (const b of breakers) {
        const m = b.length;
        if (m === 0 || m > end + 1)
            continue;
        let match = true;
        for (let i = 0; i < m; i++) {
            if (tokens[end - m + 1 + i] !== b[i]) {
                match = false;
                break;
            }
        }
        if (match)
            return true;
    }
    return false;
}
/** Whether appending `token` to `tokens` would end a breaker occurrence. */
function completesBreaker(tokens, token, breakers) {
    const len = tokens.length;
    for (const b of breakers) {
        const m = b.length;
        if (m === 0 || b[m - 1] !== token || m - 1 > len)
            continue;
        let match = true;
        for (let i = 0; i < m - 1; i++) {
            if (tokens[len - (m - 1) + i] !== b[i]) {
                match = false;
                break;
            }
        }
        if (match)
            return true;
    }
    return false;
}
