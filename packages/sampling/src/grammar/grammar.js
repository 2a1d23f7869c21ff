/**
 * The parsed form of a GBNF grammar: a context-free grammar over Unicode code points in which
 * every repetition (`*`, `+`, `?`, `{m,n}`) and group has been rewritten into plain rules,
 * the way llama.cpp does it. Only two kinds of symbol remain: a character set and a rule
 * reference.
 */
import { MAX_CODE_POINT } from './charset.js';
/** A validated grammar, ready for `createGrammarConstraint`. Build it with `parseGrammar`. */
export class Grammar {
    rules;
    root;
    constructor(
    /** Every rule, written and generated. */
    rules, 
    /** Index of the start rule, `root`. */
    root) {
        this.rules = rules;
        this.root = root;
    }
    /** A GBNF listing of the rewritten rules, one per line (for debugging). */
    toString() {
        return this.rules
            .map((rule) => {
            const alts = rule.alternatives.map((alt) => alt.length === 0
                ? '""'
                : alt
                    .map((sym) => sym.type === 'rule' ? this.rules[sym.rule].name : formatRanges(sym.ranges))
                    .join(' '));
            return `${rule.name} ::= ${alts.join(' | ')}`;
        })
            .join('\n');
    }
}
function formatChar(cp) {
    if (cp >= 0x21 && cp <= 0x7e && !'\\]["-^'.includes(String.fromCharCode(cp))) {
        return String.fromCharCode(cp);
    }
    if (cp <= 0xff)
        return `\\x${cp.toString(16).padStart(2, '0').toUpperCase()}`;
    if (cp <= 0xffff)
        return `\\u${cp.toString(16).padStart(4, '0').toUpperCase()}`;
    return `\\U${cp.toString(16).padStart(8, '0').toUpperCase()}`;
}
function formatRanges(ranges) {
    if (ranges.length === 2 && ranges[0] === 0 && ranges[1] === MAX_CODE_POINT)
        return '.';
    let body = '';
    for (let i = 0; i < ranges.length; i += 2) {
        const lo = ranges[i];
        const hi = ranges[i + 1];
        body += lo === hi ? formatChar(lo) : `${formatChar(lo)}-${formatChar(hi)}`;
    }
    return `[${body}]`;
}
