/**
 * Numeric helpers shared by the samplers.
 *
 * Softmax over a 150k vocabulary is dominated by `exp`. `Math.exp` costs about 10 ns here, so
 * the hot loops use `expNonPositive`, a table-driven exp for arguments <= 0 (which is all a
 * softmax needs once the maximum is subtracted). Its relative error is below 1e-13, far under
 * float32 logit precision, and it is about three times faster.
 */
const TABLE_BITS = 6;
const TABLE_SIZE = 1 << TABLE_BITS; // 64
/** 2^(-j/64) for j = 0..63. */
const FRACTION_TABLE = new Float64Array(TABLE_SIZE);
for (let j = 0; j < TABLE_SIZE; j++)
    FRACTION_TABLE[j] = Math.pow(2, -j / TABLE_SIZE);
/** 2^(-n) for n = 0..1100 (covers every argument down to -745, where exp underflows to 0). */
const POWER_TABLE = new Float64Array(1101);
for (let n = 0; n < POWER_TABLE.length; n++)
    POWER_TABLE[n] = Math.pow(2, -n);
const SCALE = TABLE_SIZE / Math.LN2;
const STEP = Math.LN2 / TABLE_SIZE;
/** Adding and subtracting 1.5 * 2^52 rounds a double to the nearest integer. */
const ROUND = 6755399441055744.0;
/**
 * e^x, fast for x <= 0 (x = -Infinity gives 0). Below -708 the result is subnormal and loses
 * precision, which no softmax can notice (the largest term is 1).
 *
 * x = -(k/64)·ln 2 + r with k an integer and |r| <= ln2/128, so
 * e^x = 2^(-floor(k/64)) · 2^(-(k mod 64)/64) · e^r, with e^r from a degree-5 Taylor polynomial.
 */
export function expNonPositive(x) {
    if (!(x > -745))
        return 0; // -Infinity (a removed token) and underflow
    if (x > 0)
        return Math.exp(x); // not expected; correct anyway
    const kd = ROUND - (ROUND - x * SCALE); // round(x*64/ln2), <= 0
    const r = x - kd * STEP;
    const k = -kd | 0;
    const p = 1 + r * (1 + r * (0.5 + r * (0.16666666666666666 + r * (0.041666666666666664 + r * 0.008333333333333333))));
    return p * FRACTION_TABLE[k & (TABLE_SIZE - 1)] * POWER_TABLE[k >>> TABLE_BITS];
}
