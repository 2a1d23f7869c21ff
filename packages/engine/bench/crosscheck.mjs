/**
 * Cross-implementation agreement (issue 15 item 6): the engine (transformers.js, ONNX) and
 * llama.cpp (node-llama-cpp's prebuilt CPU binary, GGUF export of the same weights) on:
 *   1. greedy tokens for --tokens tokens (default 128) after each of 10 prompts,
 *   2. the top --top (default 20) logprobs at every generated position (max |difference|),
 *   3. the tokenization of a Unicode-heavy text (every difference listed).
 * Both sides decode the same prompt token ids (the engine's tokenization, BOS as its tokenizer
 * config says), so 1 and 2 test the model and 3 tests the tokenizers.
 *
 * Run: npm run crosscheck [-- --model llama3|llama2|default|large] (root; installs and builds first).
 * Exit code 1 when a figure misses its target (tokens differ, logprob difference > 1e-3,
 * tokenization differs), 2 when llama.cpp cannot run here.
 */
import { parseArgs } from 'node:util';
import { parseCompletionRequest } from '@textgen-spec/spec';
import { loadEngine } from '../dist/index.js';
import { ANCHOR_MODELS, prepareAnchorModel } from './anchor-models.mjs';
import { llamaGreedy, loadLlamaCpp, openLlamaCpp, tokenTexts } from './llamacpp.mjs';
import { CROSSCHECK_PROMPTS, UNICODE_TEXT } from './crosscheck-texts.mjs';

const LOGPROB_TARGET = 1e-3;

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'llama3' },
    tokens: { type: 'string', default: '128' },
    top: { type: 'string', default: '20' },
  },
});

function engineRequest(prompt, maxTokens, top) {
  const body = { model: 'crosscheck', prompt, max_tokens: maxTokens, temperature: 0, logprobs: top };
  const parsed = parseCompletionRequest(body, { profile: 'compat' });
  if (!parsed.ok) throw new Error(`request rejected: ${parsed.error.error.message}`);
  return parsed.value;
}

/** The engine's greedy choice: token texts, top logprobs by text, finish reason. */
async function engineGreedy(engine, prompt, maxTokens, top) {
  const out = { tokens: [], tops: [], finish: null };
  for await (const event of engine.complete(engineRequest(prompt, maxTokens, top))) {
    if (event.type === 'text' && event.logprobs) {
      out.tokens.push(...event.logprobs.tokens);
      out.tops.push(...event.logprobs.top_logprobs);
    }
    if (event.type === 'finish') out.finish = event.finish_reason;
  }
  return out;
}

/**
 * Compares one prompt's greedy run; returns identical token count and logprob differences.
 * top_logprobs keys are token texts as generated; where two of llama.cpp's top ids read alike,
 * the engine keeps the more likely one, and so does this comparison.
 */
function comparePrompt(engine, promptIds, mine, theirs, eog) {
  const theirTokens = theirs.tokens.filter((id) => !eog(id));
  const theirTexts = tokenTexts(engine, promptIds, theirTokens);
  let same = 0;
  while (same < mine.tokens.length && same < theirTexts.length && mine.tokens[same] === theirTexts[same]) same++;
  const identical = same === mine.tokens.length && same === theirTexts.length;
  let maxDiff = 0;
  let compared = 0;
  const missing = [];
  for (let pos = 0; pos < same; pos++) {
    const seen = new Set();
    // A candidate's text as it would be generated here (SentencePiece's "▁Jack" is " Jack" after
    // text, "Jack" alone): decoded after the last few tokens of context, as the engine keys it.
    const context = [...promptIds, ...theirTokens.slice(0, pos)].slice(-4);
    const before = engine.decode(context);
    for (const [id, logprob] of theirs.tops[pos]) {
      const after = engine.decode([...context, id]);
      const text = after.startsWith(before) ? after.slice(before.length) : engine.decode([id]);
      if (seen.has(text)) continue;
      seen.add(text);
      const ours = mine.tops[pos]?.[text];
      if (ours === undefined) missing.push({ pos, id, text, logprob });
      else {
        maxDiff = Math.max(maxDiff, Math.abs(ours - logprob));
        compared++;
      }
    }
  }
  return { identical, same, total: Math.max(mine.tokens.length, theirTexts.length), maxDiff, compared, missing, theirTexts };
}

function compareTokenization(engine, model) {
  const ours = engine.encode(UNICODE_TEXT, { addBos: false });
  const theirs = model.tokenize(UNICODE_TEXT, false);
  const diffs = [];
  let i = 0;
  while (i < ours.length && i < theirs.length && ours[i] === theirs[i]) i++;
  if (i < ours.length || i < theirs.length) {
    const show = (ids) => JSON.stringify(engine.decode(ids.slice(i, i + 6)));
    diffs.push(`first difference at token ${i}: engine ${ours.slice(i, i + 6).join(',')} ${show(ours)}, llama.cpp ${theirs.slice(i, i + 6).join(',')} ${show(theirs)}`);
  }
  return { ours: ours.length, theirs: theirs.length, identical: diffs.length === 0 && ours.length === theirs.length, diffs };
}

async function runPrompts(engine, llamaModel, sequence, maxTokens, top) {
  const eog = (id) => llamaModel.isEogToken(id);
  const rows = [];
  for (const prompt of CROSSCHECK_PROMPTS) {
    const mine = await engineGreedy(engine, prompt, maxTokens, top);
    // The ids the engine runs for the request (add_bos_token defaults to true: BOS as the model adds it).
    const promptIds = engine.encode(prompt, { addBos: true });
    const theirs = await llamaGreedy(sequence, promptIds, maxTokens, { top, isEog: eog });
    rows.push({ prompt, ...comparePrompt(engine, promptIds, mine, theirs, eog) });
  }
  return rows;
}

function report(name, rows, tokenization, maxTokens, top) {
  const identical = rows.filter((r) => r.identical).length;
  const maxDiff = Math.max(...rows.map((r) => r.maxDiff));
  const compared = rows.reduce((a, r) => a + r.compared, 0);
  const missing = rows.flatMap((r) => r.missing);
  console.log(`\ncrosscheck ${name}: engine (transformers.js) vs llama.cpp (node-llama-cpp, CPU)`);
  const tokens = rows.reduce((a, r) => a + r.same, 0);
  console.log(`  greedy tokens identical: ${identical}/${rows.length} prompts (${tokens} tokens compared; up to ${maxTokens} each, fewer where both ended at EOS)`);
  for (const r of rows.filter((row) => !row.identical)) {
    console.log(`    ${JSON.stringify(r.prompt)}: first ${r.same} of ${r.total} tokens agree; llama.cpp then ${JSON.stringify(r.theirTexts.slice(r.same, r.same + 4))}`);
  }
  console.log(`  top-${top} logprobs: max |difference| ${maxDiff.toExponential(2)} over ${compared} pairs (target ${LOGPROB_TARGET})${missing.length ? `, ${missing.length} of llama.cpp's top-${top} absent from the engine's` : ''}`);
  for (const m of missing.slice(0, 5)) console.log(`    position ${m.pos}: llama.cpp's ${m.id} ${JSON.stringify(m.text)} (${m.logprob.toFixed(4)}) not in the engine's top ${top}`);
  console.log(`  tokenization of the Unicode text (${UNICODE_TEXT.length} chars): ${tokenization.identical ? 'identical' : 'DIFFERENT'} (engine ${tokenization.ours} tokens, llama.cpp ${tokenization.theirs})`);
  for (const d of tokenization.diffs) console.log(`    ${d}`);
  return identical === rows.length && maxDiff <= LOGPROB_TARGET && missing.length === 0 && tokenization.identical;
}

async function main() {
  if (!ANCHOR_MODELS.includes(args.model)) throw new Error(`--model must be one of ${ANCHOR_MODELS.join(', ')}`);
  const { llama, reason } = await loadLlamaCpp();
  if (!llama) {
    console.error(`crosscheck: ${reason}`);
    return 2;
  }
  const maxTokens = Number(args.tokens);
  const top = Number(args.top);
  const prepared = await prepareAnchorModel(args.model);
  const engine = await loadEngine({ model: prepared.folder });
  const cpp = await openLlamaCpp(llama, prepared.modelPath, { exact: true });
  try {
    const tokenization = compareTokenization(engine, cpp.model);
    const rows = await runPrompts(engine, cpp.model, cpp.context.getSequence(), maxTokens, top);
    return report(args.model, rows, tokenization, maxTokens, top) ? 0 : 1;
  } finally {
    await cpp.dispose();
    await engine.dispose();
    prepared.remove();
  }
}

process.exitCode = await main();
