/**
 * The advanced decoding parameters, side by side with plain decoding in the same run:
 *   1. grammar_string: the cost of a decoding step with a grammar mask at GPT-2's vocabulary
 *      (50,257 tokens), for a grammar that lets the model say what it would say anyway (same
 *      tokens as plain decoding, so only the mask differs) and for a JSON grammar; plus the
 *      first request with a new grammar (compilation, cold mask caches);
 *   2. prompt_lookup_num_tokens: wall time of greedy and seeded sampled decoding on a
 *      repetitive prompt (the tiny model's rhyme), with and without prompt lookup, checking
 *      that both produce the same text.
 *
 * Run: npm run bench:advanced -w @textgen-spec/engine   (after `npx turbo run build --filter=@textgen-spec/engine...`;
 *      `npm run bench -w @textgen-spec/engine` runs it after engine-bench.mjs)
 * Models: the embedded tiny model and its `large` variant; or BENCH_MODELS=/path/a,/path/b.
 * Each loop runs BENCH_RUNS times (default 7) after one warm-up run, in rotation; the table
 * shows best and median wall times and compares best times (the least disturbed run on a
 * shared machine).
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadEngine } from '../dist/index.js';
import { benchRequest, compare, median, RUNS } from './common.mjs';

const TOKENS = Number(process.env.BENCH_TOKENS ?? 128);

const RHYME =
  'This is the house that Jack built.\nThis is the malt\nThat lay in the house that Jack built.\n' +
  'This is the rat\nThat ate the malt\nThat lay in the house that Jack built.\n';

/** Printable ASCII and newlines: everything the tiny model writes, so it writes the same text. */
const PERMISSIVE = 'root ::= [ -~\\n]*';
const JSON_GRAMMAR = String.raw`
root   ::= object
value  ::= object | array | string | number | ("true" | "false" | "null") ws
object ::= "{" ws ( string ":" ws value ("," ws string ":" ws value)* )? "}" ws
array  ::= "[" ws ( value ("," ws value)* )? "]" ws
string ::= "\"" ( [^"\\\x7F\x00-\x1F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4}) )* "\"" ws
number ::= "-"? ([0-9] | [1-9] [0-9]{1,15}) ("." [0-9]+)? ([eE] [-+]? [0-9]+)? ws
ws     ::= | " " | "\n" [ \t]{0,20}
`;



function request(overrides) {
  return benchRequest({ prompt: RHYME, max_tokens: TOKENS }, overrides);
}

/** Runs a request to the end; returns its text and completion token count. */
async function run(engine, overrides) {
  let text = '';
  let tokens = 0;
  for await (const event of engine.complete(request(overrides))) {
    if (event.type === 'text') text += event.text;
    if (event.type === 'done') tokens = event.usage.completion_tokens;
  }
  return { text, tokens };
}

async function modelFolders() {
  if (process.env.BENCH_MODELS) return process.env.BENCH_MODELS.split(',').map((p) => path.resolve(p));
  const { ensureTinyModel } = await import('@textgen-spec/tiny-model');
  return [await ensureTinyModel({}), await ensureTinyModel({ variant: 'large' })];
}

const pad = (s, n) => String(s).padEnd(n);
const header = () => console.log(`  ${pad('loop', 52)}${pad('best ms', 10)}${pad('median ms', 11)}${pad('ms/token', 10)}ratio (best times)`);
const row = (name, time, tokens, ratio) =>
  console.log(`  ${pad(name, 52)}${pad(time.best.toFixed(1), 10)}${pad(time.median.toFixed(1), 11)}${pad((time.best / tokens).toFixed(3), 10)}${ratio}`);

for (const folder of await modelFolders()) {
  const engine = await loadEngine({ model: folder });
  // The vocabulary's bytes and byte trie are built once per engine, by the first grammar request.
  const vocabularyStart = performance.now();
  await run(engine, { grammar_string: 'root ::= "a"', max_tokens: 1 });
  const vocabularyMs = performance.now() - vocabularyStart;
  console.log(`\n${path.basename(folder)} (${engine.info.modelType}, vocab ${engine.info.vocabSize}), ${TOKENS} new tokens, ${RUNS} runs each`);

  // ---- grammar_string ------------------------------------------------------------------
  const plain = await run(engine, {});
  const constrained = await run(engine, { grammar_string: PERMISSIVE });
  if (constrained.text !== plain.text) throw new Error('the permissive grammar changed the greedy text');
  const json = await run(engine, { grammar_string: JSON_GRAMMAR, temperature: 1, do_sample: true, seed: 7 });
  console.log(`first grammar request of the engine (vocabulary bytes and trie, once): ${vocabularyMs.toFixed(0)} ms`);
  console.log('grammar_string: greedy on the rhyme prompt (the permissive grammar yields the same tokens as plain decoding)');
  let fresh = 0;
  const g = await compare({
    plain: () => run(engine, {}),
    permissive: () => run(engine, { grammar_string: PERMISSIVE }),
    // A grammar text the engine has not seen yet: parse, compile, cold recognizer and mask caches.
    cold: () => run(engine, { grammar_string: `${PERMISSIVE}\n# new grammar ${fresh++}` }),
    plainSampled: () => run(engine, { temperature: 1, do_sample: true, seed: 7 }),
    json: () => run(engine, { grammar_string: JSON_GRAMMAR, temperature: 1, do_sample: true, seed: 7 }),
  });
  header();
  row('plain greedy', g.plain, plain.tokens, '1.00x');
  row(`grammar ${PERMISSIVE}`, g.permissive, constrained.tokens, `${(g.permissive.best / g.plain.best).toFixed(2)}x plain greedy`);
  row('same grammar, new text each run (cold)', g.cold, constrained.tokens, `${(g.cold.best / g.plain.best).toFixed(2)}x plain greedy`);
  row('plain sampled (temperature 1)', g.plainSampled, TOKENS, '1.00x');
  row(`JSON grammar, sampled (${json.tokens} tokens)`, g.json, json.tokens, `${(g.json.best / json.tokens / (g.plainSampled.best / TOKENS)).toFixed(2)}x plain sampled, per token`);

  // ---- prompt_lookup_num_tokens ----------------------------------------------------------
  console.log('prompt_lookup_num_tokens (lookup N): the rhyme prompt (repetitive), same text checked');
  const cases = [
    ['greedy', {}],
    ['sampled (T 0.7, seed 3)', { temperature: 0.7, do_sample: true, seed: 3 }],
  ];
  for (const [label, params] of cases) {
    const base = await run(engine, params);
    for (const draft of [3, 10]) {
      const fast = await run(engine, { ...params, prompt_lookup_num_tokens: draft });
      if (fast.text !== base.text) throw new Error(`prompt lookup (${draft}) changed the ${label} text`);
    }
    const t = await compare({
      plain: () => run(engine, params),
      lookup3: () => run(engine, { ...params, prompt_lookup_num_tokens: 3 }),
      lookup10: () => run(engine, { ...params, prompt_lookup_num_tokens: 10 }),
    });
    header();
    row(`${label}, plain`, t.plain, base.tokens, '1.00x');
    row(`${label}, lookup 3`, t.lookup3, base.tokens, `${(t.plain.best / t.lookup3.best).toFixed(2)}x faster`);
    row(`${label}, lookup 10`, t.lookup10, base.tokens, `${(t.plain.best / t.lookup10.best).toFixed(2)}x faster`);
  }
  await engine.dispose();
}
