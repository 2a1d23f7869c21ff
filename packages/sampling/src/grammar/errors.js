/** A grammar that cannot be used: a syntax error, an undefined rule, no `root` rule, left recursion. */
export class GrammarSyntaxError extends Error {
    reason;
    line;
    column;
    name = 'GrammarSyntaxError';
    /**
     * @param reason what is wrong, without the position (e.g. `undefined rule 'value'`)
     * @param line 1-based line of the offending text
     * @param column 1-based column (in characters) of the offending text
     */
    constructor(reason, line, column) {
        super(`${reason} (line ${line}, column ${column})`);
        this.reason = reason;
        this.line = line;
        this.column = column;
    }
}
