/**
 * The llama.cpp column (issue 17 item 3): the engine beside llama.cpp (node-llama-cpp's
 * prebuilt CPU binary, LLAMA_CPP_THREADS threads, default 2; its default f16 KV cache) on the
 * GGUF export of the same weights, in one run, loops in rotation (common.mjs `compare`):
 *   n=1          128 greedy tokens (BENCH_TOKENS) after the prompt, ms per token;
 *   4 and 8      concurrent sequences: the engine gets that many separate requests at once,
 *                llama.cpp that many sequences of one context (node-llama-cpp batches their
 *                steps into one decode); aggregate tokens/s.
 * First it checks that both produce the same greedy tokens (and stops if not).
 *
 * Run: npm run bench:llamacpp -w @textgen-spec/engine (after a build); BENCH_RUNS, BENCH_TOKENS,
 * BENCH_ANCHOR_MODELS=default,large, BENCH_CONCURRENCY=4,8. Skipped (exit 0, with a line
 * saying why) where node-llama-cpp is not installed or has no binary for this machine.
 */
import { loadEngine } from '../dist/index.js';
import { prepareAnchorModel } from './anchor-models.mjs';
import { benchRequest, compare, RUNS } from './common.mjs';
import { llamaGreedy, loadLlamaCpp, openLlamaCpp, tokenTexts } from './llamacpp.mjs';

const PROMPT = 'The quick brown fox';
const TOKENS = Number(process.env.BENCH_TOKENS ?? 128);
const MODELS = (process.env.BENCH_ANCHOR_MODELS ?? 'default,large').split(',');
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '4,8').split(',').map(Number);

/** The engine's greedy token texts (EOS allowed: the check compares what each would do). */
async function engineTokens(engine) {
  const texts = [];
  const request = benchRequest({ prompt: PROMPT, ban_eos_token: false, logprobs: 0 }, { max_tokens: TOKENS });
  for await (const event of engine.complete(request)) if (event.type === 'text') texts.push(...(event.logprobs?.tokens ?? []));
  return texts;
}

async function checkSameTokens(engine, sequence, promptIds) {
  const ours = await engineTokens(engine);
  const { tokens } = await llamaGreedy(sequence, promptIds, TOKENS);
  const theirs = tokenTexts(engine, promptIds, tokens);
  const same = ours.length === TOKENS && ours.every((t, i) => t === theirs[i]);
  if (!same) throw new Error(`greedy tokens differ: engine ${JSON.stringify(ours.join(''))}\nllama.cpp ${JSON.stringify(theirs.join(''))}`);
  console.log(`  greedy tokens identical for ${TOKENS} tokens: ${JSON.stringify(ours.slice(0, 8).join(''))}...`);
}

async function engineRequests(engine, count) {
  const one = async () => {
    let generated = 0;
    for await (const event of engine.complete(benchRequest({ prompt: PROMPT }, { max_tokens: TOKENS }))) {
      if (event.type === 'done') generated = event.usage.completion_tokens;
    }
    if (generated !== TOKENS) throw new Error(`engine generated ${generated} tokens, expected ${TOKENS}`);
  };
  await Promise.all(Array.from({ length: count }, one));
}

async function llamaSequences(sequences, promptIds) {
  await Promise.all(sequences.map((s) => llamaGreedy(s, promptIds, TOKENS)));
}

/** Loops for one model: n=1 on each side, then each concurrency level on each side. */
async function loopsFor(engine, llama, prepared, promptIds) {
  const single = await openLlamaCpp(llama, prepared.modelPath);
  const contexts = [single];
  single.sequence = single.context.getSequence();
  const loops = {
    'engine n=1': { tokens: TOKENS, run: () => engineRequests(engine, 1) },
    'llama.cpp n=1': { tokens: TOKENS, run: () => llamaGreedy(single.sequence, promptIds, TOKENS) },
  };
  for (const count of CONCURRENCY) {
    const cpp = await openLlamaCpp(llama, prepared.modelPath, { sequences: count });
    contexts.push(cpp);
    const sequences = Array.from({ length: count }, () => cpp.context.getSequence());
    loops[`engine ${count} requests`] = { tokens: TOKENS * count, run: () => engineRequests(engine, count) };
    loops[`llama.cpp ${count} sequences`] = { tokens: TOKENS * count, run: () => llamaSequences(sequences, promptIds) };
  }
  return { loops, contexts };
}

function printTable(loops, times) {
  const pad = (s, n) => String(s).padEnd(n);
  console.log(`  ${pad('loop', 26)}${pad('best ms/token', 15)}${pad('median ms/token', 17)}${pad('tokens/s (best)', 17)}engine ÷ llama.cpp (best / median)`);
  for (const [name, { tokens }] of Object.entries(loops)) {
    const t = times[name];
    const other = name.startsWith('engine') ? times[name.replace('engine', 'llama.cpp').replace('requests', 'sequences')] : null;
    const ratio = other ? `${(t.best / other.best).toFixed(2)} / ${(t.median / other.median).toFixed(2)}` : '';
    console.log(`  ${pad(name, 26)}${pad((t.best / tokens).toFixed(3), 15)}${pad((t.median / tokens).toFixed(3), 17)}${pad(((tokens / t.best) * 1000).toFixed(0), 17)}${ratio}`);
  }
}

async function benchModel(llama, name) {
  const prepared = await prepareAnchorModel(name);
  const engine = await loadEngine({ model: prepared.folder });
  const promptIds = engine.encode(PROMPT, { addBos: true });
  console.log(`\n${name}: engine (transformers.js) vs llama.cpp (node-llama-cpp, ${process.env.LLAMA_CPP_THREADS ?? 2} threads), prompt ${promptIds.length} tokens, ${TOKENS} new tokens, ${RUNS} runs each`);
  const { loops, contexts } = await loopsFor(engine, llama, prepared, promptIds);
  try {
    await checkSameTokens(engine, contexts[0].sequence, promptIds);
    const times = await compare(Object.fromEntries(Object.entries(loops).map(([k, v]) => [k, v.run])));
    printTable(loops, times);
  } finally {
    for (const c of contexts) await c.dispose();
    await engine.dispose();
    prepared.remove();
  }
}

const { llama, reason } = await loadLlamaCpp();
if (!llama) console.log(`llama.cpp column skipped: ${reason}`);
else for (const name of MODELS) await benchModel(llama, name);
