/**
 * Grammar mask benchmark at GPT-2's vocabulary (50,257 tokens).
 *
 * For three grammars (yes|no, arithmetic, JSON) it replays a realistic generated text (the
 * GPT-2 tokens of a valid output) step by step: `mask(logits)` then `accept(token)`, and
 * reports the mask time per step, next to two baselines measured in the same run:
 * - argmax: one pass over the 50,257 logits, the cheapest possible sampler step;
 * - per-token walk: the same recognizer (memoized transitions) checking every token's bytes
 *   one by one, without the trie and without the per-state mask cache.
 * "cold" is a fresh constraint (empty memo tables, the vocabulary trie already built);
 * "warm" replays the same text on the same constraint (what a second request with the same
 * grammar sees).
 *
 * Run: npm run bench:grammar -w @textgen-spec/sampling (also part of `npm run bench`)
 */
import { createGrammarConstraint, parseGrammar } from '../src/index.js';
import { loadGpt2TokenVocabulary as loadGpt2Vocabulary } from '@textgen-spec/tiny-model/testing';
import { DEAD, Recognizer } from '../src/grammar/recognizer.js';

const ARITHMETIC = String.raw`
root   ::= expr
expr   ::= term (ws [-+] ws term)*
term   ::= factor (ws [*/] ws factor)*
factor ::= number | "(" ws expr ws ")"
number ::= "-"? [0-9]+ ("." [0-9]+)?
ws     ::= " "?
`;

const JSON_GRAMMAR = String.raw`
root   ::= object
value  ::= object | array | string | number | ("true" | "false" | "null") ws
object ::= "{" ws ( string ":" ws value ("," ws string ":" ws value)* )? "}" ws
array  ::= "[" ws ( value ("," ws value)* )? "]" ws
string ::= "\"" ( [^"\\\x7F\x00-\x1F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4}) )* "\"" ws
number ::= "-"? ([0-9] | [1-9] [0-9]{1,15}) ("." [0-9]+)? ([eE] [-+]? [0-9]+)? ws
ws     ::= | " " | "\n" [ \t]{0,20}
`;

const JSON_TEXT = JSON.stringify(
  {
    id: 'cmpl-7f3a9c',
    name: 'Ada Lovelace',
    born: 1815,
    languages: ['English', 'French', 'Mathematics'],
    notes: 'First published algorithm intended for a machine; “the Analytical Engine”.',
    scores: { logic: 9.5, poetry: 7.25, ratio: -0.125e3 },
    active: true,
    spouse: null,
  },
  null,
  1,
);

const CASES = [
  { name: 'yes|no', grammar: 'root ::= "yes" | "no"', text: 'yes' },
  {
    name: 'arithmetic',
    grammar: ARITHMETIC,
    text: '(12.5 + 3) * 4 - 18 / (2 + 5) * 100 - (64 + -12) * 3 + 7 * (8 - 1.25)',
  },
  { name: 'JSON', grammar: JSON_GRAMMAR, text: JSON_TEXT },
];

const vocab = loadGpt2Vocabulary();
const V = vocab.tokenBytes.length;

// Deterministic pseudo-random logits (xorshift32).
let seed = 0x9e3779b9;
function random(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x100000000;
}
const source = Float32Array.from({ length: V }, () => random() * 20 - 10);
const logits = new Float32Array(V);

function stats(samples: number[]): { mean: number; p50: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((s, x) => s + x, 0) / samples.length;
  return { mean, p50: sorted[sorted.length >> 1]!, max: sorted[sorted.length - 1]! };
}

const fmt = (ms: number) => `${(ms * 1000).toFixed(1)} µs`.padStart(11);

function argmaxTimes(steps: number): number[] {
  const times: number[] = [];
  let sink = 0;
  for (let s = 0; s < steps; s++) {
    logits.set(source);
    const t0 = performance.now();
    let best = 0;
    for (let i = 1; i < V; i++) if (logits[i]! > logits[best]!) best = i;
    times.push(performance.now() - t0);
    sink += best;
  }
  if (sink < 0) console.log(sink);
  return times;
}

/** Baseline without the trie or the mask cache: every token's bytes walked from the state. */
function perTokenWalkTimes(grammarText: string, tokens: number[], maxSteps: number): number[] {
  const recognizer = new Recognizer(parseGrammar(grammarText));
  let state = recognizer.initial().id;
  const times: number[] = [];
  for (const token of tokens.slice(0, maxSteps)) {
    logits.set(source);
    const t0 = performance.now();
    for (let t = 0; t < V; t++) {
      const bytes = vocab.tokenBytes[t];
      let ok = bytes !== null && bytes !== undefined && bytes.length > 0;
      if (ok) {
        let s = state;
        for (let k = 0; k < bytes!.length && s !== DEAD; k++) s = recognizer.next(s, bytes![k]!);
        ok = s !== DEAD;
      }
      if (!ok) logits[t] = -Infinity;
    }
    times.push(performance.now() - t0);
    for (const b of vocab.tokenBytes[token]!) state = recognizer.next(state, b);
  }
  return times;
}

function replay(constraint: ReturnType<typeof createGrammarConstraint>, tokens: number[]): number[] {
  const state = constraint.start();
  const times: number[] = [];
  for (const token of [...tokens, vocab.eos]) {
    logits.set(source);
    const t0 = performance.now();
    state.mask(logits);
    times.push(performance.now() - t0);
    if (logits[token] === -Infinity) throw new Error(`token ${token} was masked`);
    state.accept(token);
  }
  return times;
}

const REPEATS = 7;

/** Per-step statistics of the run whose mean is the median of REPEATS runs (load makes single runs noisy). */
function medianRun(run: () => number[]): { mean: number; p50: number; max: number } {
  const runs = Array.from({ length: REPEATS }, () => stats(run()));
  runs.sort((a, b) => a.mean - b.mean);
  return runs[REPEATS >> 1]!;
}

console.log(`GPT-2 vocabulary: ${V} tokens.`);
let t0 = performance.now();
createGrammarConstraint(parseGrammar('root ::= "x"'), vocab);
console.log(`vocabulary trie, built once per tokenizer: ${(performance.now() - t0).toFixed(1)} ms`);

// Warm the JIT on every code path before measuring.
for (const c of CASES) {
  const tokens = vocab.encode(c.text);
  replay(createGrammarConstraint(parseGrammar(c.grammar), vocab), tokens);
  argmaxTimes(50);
  perTokenWalkTimes(c.grammar, tokens, 3);
}

console.log(
  `Per step: mean / median / max over the sequence, median of ${REPEATS} runs.\n`,
);
for (const c of CASES) {
  const tokens = vocab.encode(c.text);
  t0 = performance.now();
  const constraint = createGrammarConstraint(parseGrammar(c.grammar), vocab);
  const setup = performance.now() - t0;
  const cold = medianRun(() => replay(createGrammarConstraint(parseGrammar(c.grammar), vocab), tokens));
  const warm = medianRun(() => replay(constraint, tokens));
  const argmax = medianRun(() => argmaxTimes(tokens.length + 1));
  const walk = medianRun(() => perTokenWalkTimes(c.grammar, tokens, 10));
  console.log(`${c.name}: ${tokens.length} tokens + EOS; parse + constraint ${setup.toFixed(2)} ms`);
  const row = (label: string, s: { mean: number; p50: number; max: number }) =>
    console.log(`  ${label.padEnd(40)}${fmt(s.mean)}${fmt(s.p50)}${fmt(s.max)}`);
  row('mask, cold (fresh constraint)', cold);
  row('mask, warm (constraint reused)', warm);
  row('baseline: argmax over the logits', argmax);
  row('baseline: per-token walk (first 10 steps)', walk);
  console.log('');
}
