/**
 * Sets of Unicode code points, stored as sorted, disjoint, non-adjacent inclusive ranges
 * `[lo0, hi0, lo1, hi1, ...]`. Negated classes (`[^...]`) and `.` are resolved into this
 * positive form when the grammar is parsed, so matching never needs a "negated" flag.
 */
/** The highest Unicode code point. */
export const MAX_CODE_POINT = 0x10ffff;
/** Sorts and merges `[lo, hi]` pairs (inclusive) into canonical form. */
export function normalizeRanges(pairs) {
    const sorted = [...pairs].sort((a, b) => a[0] - b[0]);
    const out = [];
    for (const [lo, hi] of sorted) {
        const last = out.length - 1;
        if (last > 0 && lo <= out[last] + 1) {
            if (hi > out[last])
                out[last] = hi;
        }
        else {
            out.push(lo, hi);
        }
    }
    return out;
}
/** The complement of a canonical range list within `[0, MAX_CODE_POINT]`. */
export function complementRanges(ranges) {
    const out = [];
    let next = 0;
    for (let i = 0; i < ranges.length; i += 2) {
        const lo = ranges[i];
        if (lo > next)
            out.push(next, lo - 1);
        next = ranges[i + 1] + 1;
    }
    if (next <= MAX_CODE_POINT)
        out.push(next, MAX_CODE_POINT);
    return out;
}
/** Whether `cp` is in the set. */
export function rangesContain(ranges, cp) {
    // Binary search over the pairs: the sets of real grammars are small, but `[^"\\]` or a
    // class of many single characters should not cost a linear scan per character.
    let lo = 0;
    let hi = (ranges.length >> 1) - 1;
    while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (cp < ranges[2 * mid])
            hi = mid - 1;
        else if (cp > ranges[2 * mid + 1])
            lo = mid + 1;
        else
            return true;
    }
    return false;
}
/** Whether the set holds at least one code point of `[lo, hi]`. */
export function rangesIntersect(ranges, lo, hi) {
    for (let i = 0; i < ranges.length; i += 2) {
        if (ranges[i] <= hi && lo <= ranges[i + 1])
            return true;
    }
    return false;
}
/** Whether the set holds every code point of `[lo, hi]`. */
export function rangesCover(ranges, lo, hi) {
    // Canonical ranges are non-adjacent, so `[lo, hi]` is covered only by a single range.
    for (let i = 0; i < ranges.length; i += 2) {
        if (ranges[i] <= lo && hi <= ranges[i + 1])
            return true;
    }
    return false;
}
/** Whether the set holds a code point that UTF-8 can encode (anything but surrogates). */
export function rangesEncodable(ranges) {
    return (rangesIntersect(ranges, 0, 0xd7ff) || rangesIntersect(ranges, 0xe000, MAX_CODE_POINT));
}
