/**
 * `n`, `best_of`, batch prompts, token-array prompts, `logit_bias`, `suffix`, and the
 * OpenAI sampling parameters (temperature, top_p, presence and frequency penalties).
 */
import { define, expect400, expectChangesGreedy, expectCollapseToGreedy, expectSame } from './helpers.js';
import type { CheckContext } from './context.js';
import { isObject, q, readAnyLogprobs, readChoices, readUsage } from './observed.js';
import { completionTokens, continuationIds, greedy, pieceAfter, PROMPTS, requireTokenizer } from './oracles.js';
import { check, fail, skip, unsupported } from './outcome.js';
import type { CheckDef } from './types.js';

const P = PROMPTS.main;
const P2 = PROMPTS.second;

/**
 * Skips the asking check unless `{"n": n}` alone is accepted: a best_of probe with n > 1
 * proves nothing on a server that rejects the n (e.g. llama.cpp with one slot: "Field 'n':
 * Value must be between 1 <= value <= 1").
 */
async function requireN(ctx: CheckContext, n: number): Promise<void> {
  const res = await ctx.shared(`n-accepted:${n}`, (c) => c.post({ prompt: P, max_tokens: 2, temperature: 0, n }));
  if (res.status === 200) return;
  const error = isObject(res.json) && isObject(res.json.error) ? res.json.error : undefined;
  const message = error && typeof error.message === 'string' ? error.message : res.text;
  skip(`the same request without best_of (n ${n}) is rejected with HTTP ${res.status} (${q(message, 160)}), so this says nothing about best_of`);
}

export const choiceChecks: CheckDef[] = [
  // ---- n ------------------------------------------------------------------------------------
  define({
    id: 'n.choices',
    title: 'n returns n choices, indexed in order, counted in usage',
    level: 'MUST',
    feature: 'n',
    optional: true,
    sends: '`{"n": 3, "temperature": 1, "seed": 5, "max_tokens": 6}`',
    expects: '3 choices with index 0, 1, 2 in order; usage.completion_tokens == the sum over choices (exactly 18 when all 3 stop for length).',
    source: 'OpenAI `n`; vLLM `test_parallel_no_streaming`; TGW ignored `n` until 8aeaa763, llama.cpp answered "Only one completion choice is allowed".',
    async run(ctx) {
      const res = await ctx.complete({ prompt: P, max_tokens: 6, temperature: 1, seed: 5, n: 3 });
      check(res.choices.length === 3, `${res.choices.length} choice(s) for n 3`);
      res.choices.forEach((c, i) => check(c.index === i, `choices[${i}].index is ${c.index}`));
      const u = readUsage(res.body.usage, 'response');
      if (res.choices.every((c) => c.finish_reason === 'length')) {
        check(u.completion_tokens === 18, `usage.completion_tokens is ${u.completion_tokens}; 3 choices of 6 tokens make 18`);
      } else {
        check(u.completion_tokens <= 18 && u.completion_tokens >= res.choices.filter((c) => c.text !== '').length, `usage.completion_tokens is ${u.completion_tokens} for 3 choices of at most 6 tokens`);
      }
    },
  }),
  define({
    id: 'n.stream',
    title: 'n with streaming: chunks per index, one finish_reason each',
    level: 'MUST',
    feature: 'n',
    optional: true,
    tags: ['stream'],
    sends: '`{"n": 3, "stream": true, "temperature": 0, "max_tokens": 6}`',
    expects: 'Chunks for indexes 0, 1 and 2, exactly one non-null finish_reason per index; each index\'s text is the greedy answer (temperature 0).',
    source: 'vLLM `test_parallel_streaming`; llama.cpp PR #20226 (the finish chunk always had index 0); sglang PR #8417.',
    async run(ctx) {
      const plain = await greedy(ctx, P, 6);
      const res = await ctx.stream({ prompt: P, max_tokens: 6, temperature: 0, n: 3 });
      check(JSON.stringify(res.indexes()) === '[0,1,2]', `chunk indexes ${JSON.stringify(res.indexes())}, expected [0,1,2]`);
      for (const i of [0, 1, 2]) {
        const f = res.finishes(i);
        check(f.length === 1, `index ${i}: ${f.length} finish_reason(s) ${JSON.stringify(f.map((x) => x.reason))}, expected exactly one`);
        expectSame(res.text(i), plain.text, `index ${i} text`);
      }
    },
  }),
  define({
    id: 'n.batch',
    title: 'Batch prompts with n: choices are grouped by prompt',
    level: 'MUST',
    feature: 'n',
    optional: true,
    tags: ['batch'],
    sends: `\`{"prompt": ["${P}", "${P2}"], "n": 2, "temperature": 0, "max_tokens": 6}\``,
    expects: '4 choices: indexes 0-1 are the first prompt\'s greedy answer, 2-3 the second\'s.',
    source: 'vLLM `test_batch_completions`; OpenAI orders choices prompt-major.',
    async run(ctx) {
      const a = await greedy(ctx, P, 6);
      const b = await greedy(ctx, P2, 6);
      const res = await ctx.complete({ prompt: [P, P2], max_tokens: 6, temperature: 0, n: 2 });
      check(res.choices.length === 4, `${res.choices.length} choices for 2 prompts x n 2`);
      res.choices.forEach((c, i) => {
        check(c.index === i, `choices[${i}].index is ${c.index}`);
        expectSame(c.text, i < 2 ? a.text : b.text, `choices[${i}] (prompt ${i < 2 ? 1 : 2})`);
      });
    },
  }),
  define({
    id: 'n.invalid',
    title: 'n 0 is rejected',
    level: 'MUST',
    feature: 'n',
    exercises: false,
    sends: '`{"n": 0}`',
    expects: 'HTTP 400 with an error envelope.',
    source: 'OpenAI `n` minimum 1.',
    async run(ctx) {
      expect400(ctx, await ctx.rejects({ prompt: P, max_tokens: 2, n: 0 }, 'n 0'), 'n 0');
    },
  }),

  // ---- best_of -------------------------------------------------------------------------------
  define({
    id: 'best_of.one',
    title: 'best_of 1 is accepted',
    level: 'MUST',
    feature: 'best_of',
    exercises: false,
    sends: '`{"best_of": 1, "max_tokens": 4, "temperature": 0}`',
    expects: 'HTTP 200 with one choice, the greedy answer.',
    source: 'OpenAI `best_of` (default 1); llama.cpp rejects the key even when it is 1, vLLM V1 removed it, which broke clients (api-anchors §9.10).',
    async run(ctx) {
      const plain = await greedy(ctx, P, 4);
      const res = await ctx.complete({ prompt: P, max_tokens: 4, temperature: 0, best_of: 1 });
      check(res.choices.length === 1, `${res.choices.length} choices`);
      expectSame(res.text, plain.text, 'best_of 1 text');
    },
  }),
  define({
    id: 'best_of.returns-n',
    title: 'best_of returns n choices',
    level: 'SHOULD',
    feature: 'best_of',
    exercises: false,
    optional: true,
    sends: '`{"n": 2, "temperature": 1, "seed": 3, "max_tokens": 4}` (skipped unless accepted), then the same with `"best_of": 3`.',
    expects: 'Exactly 2 choices, indexes 0 and 1. (That the 2 are the best of 3 is best_of.picks-best.)',
    source: 'OpenAI `best_of`: "Generates best_of completions server-side and returns the best" (n of them).',
    async run(ctx) {
      await requireN(ctx, 2);
      const res = await ctx.complete({ prompt: P, max_tokens: 4, temperature: 1, seed: 3, best_of: 3, n: 2 });
      check(res.choices.length === 2, `${res.choices.length} choices for best_of 3, n 2`);
      res.choices.forEach((c, i) => check(c.index === i, `choices[${i}].index is ${c.index}`));
    },
  }),
  define({
    id: 'best_of.less-than-n',
    title: 'best_of smaller than n is rejected',
    level: 'MUST',
    feature: 'best_of',
    exercises: false,
    sends: '`{"n": 2}` (skipped unless accepted), then `{"best_of": 1, "n": 2}`.',
    expects: 'HTTP 400 with an error envelope for the second request.',
    source: 'OpenAI: best_of "must be greater than n".',
    async run(ctx) {
      await requireN(ctx, 2);
      expect400(ctx, await ctx.rejects({ prompt: P, max_tokens: 2, best_of: 1, n: 2 }, 'best_of 1 with n 2'), 'best_of < n');
    },
  }),
  define({
    id: 'best_of.picks-best',
    title: 'best_of returns the candidate with the highest mean logprob',
    level: 'SHOULD',
    feature: 'best_of',
    optional: true,
    sends:
      '`{"n": 4, "temperature": 1, "seed": s, "max_tokens": 8, "logprobs": 1}` for seeds 3, 11, 22, 33 until choice 0 is not the most likely of 4 distinct candidates (at most 2 such seeds), then `{"best_of": 4, "n": 1}` with that seed.',
    expects:
      'When the best_of answer is one of the n 4 candidates of its seed (the server draws the same candidates), it is the one with the highest mean (or total) token logprob. The plain first candidate means best_of was ignored. When the answer is none of them, best_of is unverified (skip).',
    source: 'OpenAI `best_of`: "returns the one with the highest log probability per token"; llama.cpp de3ff815 accepts best_of and ignores it.',
    async run(ctx) {
      await requireN(ctx, 4);
      const verdicts: string[] = [];
      let good = '';
      let tried = 0;
      for (const seed of [3, 11, 22, 33]) {
        const fields = { prompt: P, max_tokens: 8, temperature: 1, seed };
        const all = await ctx.complete({ ...fields, n: 4, logprobs: 1 });
        const cands = all.choices.map((c) => ({ text: c.text, lp: readAnyLogprobs(c.logprobs) }));
        if (cands.length !== 4) fail(`${cands.length} choices for n 4`);
        if (cands.some((c) => !c.lp || c.lp.logprobs.some((x) => x === null) || c.lp.logprobs.length === 0)) {
          skip('needs per-token logprobs of n 4 candidates to rank them: best_of itself is unverified');
        }
        const scored = cands.map((c) => {
          const lps = c.lp!.logprobs as number[];
          const sum = lps.reduce((a, b) => a + b, 0);
          return { text: c.text, sum, mean: sum / lps.length };
        });
        const bestMean = Math.max(...scored.map((c) => c.mean));
        const bestSum = Math.max(...scored.map((c) => c.sum));
        const isBest = (c: { mean: number; sum: number }) => c.mean >= bestMean - 1e-6 || c.sum >= bestSum - 1e-6;
        if (new Set(scored.map((c) => c.text)).size < 2 || isBest(scored[0]!)) continue;
        tried++;
        const one = await ctx.complete({ ...fields, best_of: 4, n: 1 });
        const hit = scored.find((c) => c.text === one.text);
        const top = scored.find((c) => c.mean >= bestMean - 1e-6)!;
        if (!hit) verdicts.push(`seed ${seed}: the best_of answer ${q(one.text, 40)} is none of the n 4 candidates`);
        else if (isBest(hit)) good = `seed ${seed}: best_of 4 returned the candidate with mean logprob ${hit.mean.toFixed(3)}, the highest of the 4`;
        else {
          const first = hit === scored[0] ? ', the plain first candidate (the seed\'s own sample): best_of looks ignored' : '';
          fail(`seed ${seed}: best_of 4 returned ${q(one.text, 40)} (mean logprob ${hit.mean.toFixed(3)})${first}; candidate ${q(top.text, 40)} of n 4 with the same seed has ${top.mean.toFixed(3)}`);
        }
        if (tried === 2) break;
      }
      if (good) return good;
      if (tried === 0) skip('no probe seed gave 4 distinct candidates whose first is not the best, so best_of cannot be told apart from plain sampling: best_of is unverified');
      skip(`${verdicts.join('; ')}: the server draws best_of candidates differently from n, so best_of is unverified`);
    },
  }),
  define({
    id: 'best_of.no-stream',
    title: 'best_of > 1 with streaming is rejected',
    level: 'MUST',
    feature: 'best_of',
    exercises: false,
    sends: '`{"best_of": 2, "stream": true}`',
    expects: 'HTTP 400 with an error envelope.',
    source: 'OpenAI `best_of`: "Results cannot be streamed."',
    async run(ctx) {
      const res = await ctx.send('POST', '/v1/completions', { json: ctx.body({ prompt: P, max_tokens: 2, best_of: 2, stream: true }) });
      expect400(ctx, ctx.expectRejection(res, 'best_of 2 with stream'), 'best_of with stream');
    },
  }),

  // ---- batch prompts -------------------------------------------------------------------------
  define({
    id: 'batch.strings',
    title: 'An array of prompts gives one choice per prompt, in order',
    level: 'MUST',
    feature: 'batch',
    optional: true,
    sends: `\`{"prompt": ["${P}", "${P2}", "${P}"], "temperature": 0, "max_tokens": 6}\``,
    expects: '3 choices, each the greedy answer of its prompt (the first and the third equal).',
    source: 'OpenAI `prompt`: "string, array of strings, ..."; vLLM `test_batch_completions`.',
    async run(ctx) {
      const a = await greedy(ctx, P, 6);
      const b = await greedy(ctx, P2, 6);
      const res = await ctx.complete({ prompt: [P, P2, P], max_tokens: 6, temperature: 0 });
      check(res.choices.length === 3, `${res.choices.length} choices for 3 prompts`);
      [a.text, b.text, a.text].forEach((want, i) => {
        check(res.choices[i]!.index === i, `choices[${i}].index is ${res.choices[i]!.index}`);
        expectSame(res.choices[i]!.text, want, `choices[${i}]`);
      });
      const u = readUsage(res.body.usage, 'response');
      const single = [completionTokens(a), completionTokens(b), completionTokens(a)].reduce((x, y) => x + y, 0);
      check(u.completion_tokens === single, `usage.completion_tokens ${u.completion_tokens}, but the three prompts alone generate ${single}`);
    },
  }),
  define({
    id: 'batch.stream',
    title: 'An array of prompts can be streamed, one index per prompt',
    level: 'SHOULD',
    feature: 'batch',
    optional: true,
    tags: ['stream'],
    sends: `\`{"prompt": ["${P}", "${P2}"], "stream": true, "temperature": 0, "max_tokens": 6}\``,
    expects: 'Index 0 carries the first prompt\'s greedy answer and index 1 the second\'s, one finish_reason each. A clean 4xx is reported as unsupported (TGW: "API Batched generation not yet supported").',
    source: 'vLLM batched streaming uses choice.index per prompt; TGW rejects it.',
    async run(ctx) {
      const a = await greedy(ctx, P, 6);
      const b = await greedy(ctx, P2, 6);
      const res = await ctx.stream({ prompt: [P, P2], max_tokens: 6, temperature: 0 });
      expectSame(res.text(0), a.text, 'index 0');
      expectSame(res.text(1), b.text, 'index 1');
      for (const i of [0, 1]) check(res.finishes(i).length === 1, `index ${i}: ${res.finishes(i).length} finish_reason(s)`);
    },
  }),
  define({
    id: 'batch.empty',
    title: 'An empty prompt array is rejected',
    level: 'MUST',
    feature: 'batch',
    exercises: false,
    sends: '`{"prompt": []}`',
    expects: 'HTTP 400 with an error envelope.',
    source: 'OpenAI `prompt` arrays have minItems 1; vLLM `test_empty_prompt_list`.',
    async run(ctx) {
      expect400(ctx, await ctx.rejects({ prompt: [], max_tokens: 2 }, 'prompt []'), 'prompt []');
    },
  }),

  // ---- token prompts -------------------------------------------------------------------------
  define({
    id: 'token_prompts.equal-text',
    title: 'A prompt of token ids answers like the same text',
    level: 'MUST',
    feature: 'token_prompts',
    optional: true,
    tags: ['tokenizer'],
    sends: `"${P2}" tokenized with the server's own tokenizer endpoint, as \`prompt: [ids]\`, greedy.`,
    expects: 'The same text as the string prompt. Skipped when the server has no tokenizer endpoint.',
    source: 'OpenAI `prompt` accepts integer arrays; llama.cpp `test_completion_with_tokens_input`; TGW rejects token arrays with 422 (api-anchors §6).',
    async run(ctx) {
      const tok = await requireTokenizer(ctx);
      const ids = await tok.encode(P2);
      const plain = await greedy(ctx, P2, 16);
      const res = await ctx.complete({ prompt: ids, max_tokens: 16, temperature: 0 });
      expectSame(res.text, plain.text, `prompt ${JSON.stringify(ids)}`);
    },
  }),
  define({
    id: 'token_prompts.batch',
    title: 'An array of token-id prompts gives one choice each',
    level: 'MUST',
    feature: 'token_prompts',
    optional: true,
    tags: ['tokenizer', 'batch'],
    sends: `\`prompt: [ids1, ids2]\` ("${P}" and "${P2}" tokenized), greedy.`,
    expects: '2 choices, each equal to its string prompt\'s greedy answer.',
    source: 'llama.cpp `test_completion_with_tokens_input`; vLLM batch token prompts.',
    async run(ctx) {
      const tok = await requireTokenizer(ctx);
      const ids = [await tok.encode(P), await tok.encode(P2)];
      const plain = [await greedy(ctx, P, 16), await greedy(ctx, P2, 16)];
      const res = await ctx.complete({ prompt: ids, max_tokens: 16, temperature: 0 });
      check(res.choices.length === 2, `${res.choices.length} choices for 2 token prompts`);
      res.choices.forEach((c, i) => expectSame(c.text, plain[i]!.text, `choices[${i}]`));
    },
  }),
  define({
    id: 'token_prompts.invalid',
    title: 'Invalid token ids are rejected',
    level: 'SHOULD',
    feature: 'token_prompts',
    exercises: false,
    sends: 'Three requests: `prompt: [-1]`, `prompt: [1000000000]` (outside any vocabulary) and `prompt: [[]]`.',
    expects: 'HTTP 400 with an error envelope each time.',
    source: 'vLLM `test_prompt_validation` (out of vocabulary), `test_completion_error` (negative ids); OpenAI minItems 1.',
    async run(ctx) {
      for (const prompt of [[-1], [1_000_000_000], [[]]]) {
        expect400(ctx, await ctx.rejects({ prompt, max_tokens: 2 }, `prompt ${JSON.stringify(prompt)}`), `prompt ${JSON.stringify(prompt)}`);
      }
    },
  }),

  // ---- logit_bias ----------------------------------------------------------------------------
  define({
    id: 'logit_bias.force',
    title: 'logit_bias +100 on a token makes greedy decoding repeat it',
    level: 'SHOULD',
    feature: 'logit_bias',
    optional: true,
    tags: ['tokenizer'],
    sends: 'A greedy request (8 tokens) with `logit_bias: {"<id>": 100}`, where id is a token of the greedy answer that is not its first token.',
    expects: 'The text is that token repeated completion_tokens times.',
    source: 'OpenAI `logit_bias`: "values like -100 or 100 should result in a ban or exclusive selection"; vLLM `test_logits_bias`.',
    async run(ctx) {
      const tok = await requireTokenizer(ctx);
      const plain = await greedy(ctx, P, 8);
      const ids = await continuationIds(tok, P, plain.text);
      const id = ids.find((x) => x !== ids[0]);
      if (id === undefined) skip(`the greedy answer ${q(plain.text)} has a single distinct token`);
      const piece = await pieceAfter(tok, P, id);
      const res = await ctx.complete({ prompt: P, max_tokens: 8, temperature: 0, logit_bias: { [id]: 100 } });
      const n = completionTokens(res);
      expectSame(res.text, piece.repeat(n), `with logit_bias {"${id}": 100} (token ${q(piece)})`);
    },
  }),
  define({
    id: 'logit_bias.ban',
    title: 'logit_bias -100 bans tokens',
    level: 'SHOULD',
    feature: 'logit_bias',
    optional: true,
    tags: ['tokenizer'],
    sends: 'A greedy request (8 tokens) with -100 on every token id of its greedy answer.',
    expects: 'A different answer whose first token is none of the banned ones.',
    source: 'vLLM `test_logits_bias`; llama.cpp `test_logit_bias`.',
    async run(ctx) {
      const tok = await requireTokenizer(ctx);
      const plain = await greedy(ctx, P, 8);
      const ids = [...new Set(await continuationIds(tok, P, plain.text))];
      if (ids.length === 0) skip('the greedy answer is empty');
      const bias = Object.fromEntries(ids.map((id) => [id, -100]));
      const res = await ctx.complete({ prompt: P, max_tokens: 8, temperature: 0, logit_bias: bias });
      check(res.text !== plain.text, `banning every token of ${q(plain.text)} left the answer unchanged`);
      const first = (await continuationIds(tok, P, res.text))[0];
      if (first !== undefined) check(!ids.includes(first), `the answer ${q(res.text)} starts with banned token ${first}`);
    },
  }),
  define({
    id: 'logit_bias.bad-key',
    title: 'A logit_bias key outside the vocabulary is rejected',
    level: 'SHOULD',
    feature: 'logit_bias',
    exercises: false,
    sends: '`logit_bias: {"1000000000": 5}` (a token id no vocabulary has).',
    expects: 'HTTP 400 with an error envelope (a bias on a token that does not exist cannot be honoured).',
    source: 'OpenAI `logit_bias` "maps tokens (specified by their token ID in the tokenizer)"; vLLM rejects out-of-vocabulary ids; llama.cpp silently drops them.',
    async run(ctx) {
      expect400(ctx, await ctx.rejects({ prompt: P, max_tokens: 2, logit_bias: { '1000000000': 5 } }, 'logit_bias key "1000000000"'), 'an out-of-vocabulary logit_bias key');
    },
  }),
  define({
    id: 'logit_bias.string-key',
    title: 'A non-numeric logit_bias key is rejected or honoured as text',
    level: 'INFO',
    feature: 'logit_bias',
    exercises: false,
    sends: 'The main greedy request (8 tokens) with `logit_bias: {" <word>": 100}`, word being the second word of its own greedy answer (with its leading space, one token in most vocabularies).',
    expects:
      'A 4xx (OpenAI keys are token ids), or an answer that changed and contains the word (llama.cpp tokenizes string keys, a documented extension). Accepting the key and ignoring it is reported.',
    source: 'OpenAI `logit_bias` keys are token ids; llama.cpp server README: "the token can also be represented as a string".',
    async run(ctx) {
      const plain = await greedy(ctx, P, 8);
      const word = plain.text.split(/\s+/).filter((w) => /^[A-Za-z]+$/.test(w))[1];
      if (!word) skip(`the greedy answer ${q(plain.text)} has no second plain word to bias`);
      const key = ` ${word}`;
      const res = await ctx.post({ prompt: P, max_tokens: 8, temperature: 0, logit_bias: { [key]: 100 } });
      if (res.status !== 200) {
        ctx.expectRejection(res, `logit_bias key ${JSON.stringify(key)}`);
        return `rejected with HTTP ${res.status}`;
      }
      const text = readChoices(res.json, 'response')[0]?.text ?? '';
      if (text === plain.text) fail(`logit_bias {${JSON.stringify(key)}: 100} was accepted and ignored: the answer is still ${q(plain.text, 80)}`);
      check(text.includes(word), `with logit_bias {${JSON.stringify(key)}: 100} the answer ${q(text, 80)} lacks ${JSON.stringify(word)}: the key was read as something else`);
      return `accepted and honoured as text (${q(text, 40)})`;
    },
  }),
  define({
    id: 'logit_bias.range',
    title: 'A logit_bias value outside [-100, 100] is rejected',
    level: 'MUST',
    strictOnly: true,
    feature: 'logit_bias',
    exercises: false,
    sends: '`logit_bias: {"1": 101}`',
    expects: 'HTTP 400 (strict); INFO in the compat profile.',
    source: 'OpenAI `logit_bias`: "an associated bias value from -100 to 100".',
    async run(ctx) {
      expect400(ctx, await ctx.rejects({ prompt: P, max_tokens: 2, logit_bias: { '1': 101 } }, 'logit_bias 101'), 'logit_bias 101');
    },
  }),

  // ---- suffix --------------------------------------------------------------------------------
  define({
    id: 'suffix.insert',
    title: 'suffix is honoured or declined, not ignored or appended verbatim',
    level: 'SHOULD',
    feature: 'suffix',
    optional: true,
    sends: '`{"suffix": " THE END", "max_tokens": 8, "temperature": 0}`',
    expects:
      'A clean 4xx (unsupported: most models cannot fill in the middle), or a completion that differs from the greedy answer without suffix (a fill-in-the-middle prompt changes it). The plain greedy answer means suffix was accepted and ignored; that answer with " THE END" appended is TGW\'s verbatim append.',
    source:
      'OpenAI `suffix` (insertion; documented for gpt-3.5-turbo-instruct only, hence optional); vLLM "suffix is not currently supported"; TGW appends it; llama.cpp de3ff815 accepts and ignores it. Accept-and-ignore is never support.',
    async run(ctx) {
      const res = await ctx.post({ prompt: P, max_tokens: 8, temperature: 0, suffix: ' THE END' });
      if (res.status >= 400 && res.status < 500) {
        const rej = ctx.expectRejection(res, 'suffix');
        unsupported(`declined with HTTP ${res.status}: ${q(String(rej.error.message), 200)}`);
      }
      check(res.status === 200, `HTTP ${res.status}`);
      const text = readChoices(res.json, 'response')[0]?.text ?? '';
      const plain = await greedy(ctx, P, 8);
      if (text === plain.text + ' THE END') fail('the suffix was appended to the generated text verbatim (TGW behaviour), not used for insertion');
      if (text === plain.text) fail(`suffix was accepted and ignored: the answer ${q(text, 80)} is the greedy answer without suffix`);
      return 'accepted; the answer differs from the greedy answer without suffix';
    },
  }),
  define({
    id: 'suffix.null',
    title: 'suffix: null is accepted',
    level: 'SHOULD',
    feature: 'suffix',
    exercises: false,
    sends: '`{"suffix": null, "max_tokens": 4}`',
    expects: 'HTTP 200 (null is the default).',
    source: 'OpenAI `suffix` defaults to null; llama.cpp rejects the key\'s presence (`oaicompat_completion_params_parse`).',
    async run(ctx) {
      const plain = await greedy(ctx, P, 4);
      const res = await ctx.complete({ prompt: P, max_tokens: 4, temperature: 0, suffix: null });
      expectSame(res.text, plain.text, 'text with suffix null');
    },
  }),

  // ---- sampling (OpenAI) ---------------------------------------------------------------------
  define({
    id: 'sampling.top-p',
    title: 'A tiny top_p collapses sampling to the most likely token',
    level: 'SHOULD',
    feature: 'sampling',
    sends: '`{"temperature": 1, "top_p": 0.0001, "seed": s}` where seed s alone samples something other than the greedy answer.',
    expects: 'The greedy answer.',
    source: 'OpenAI `top_p` (nucleus sampling: only the tokens within the top_p probability mass).',
    async run(ctx) {
      return expectCollapseToGreedy(ctx, { top_p: 0.0001 });
    },
  }),
  define({
    id: 'sampling.temperature-range',
    title: 'Out-of-range sampling parameters are rejected',
    level: 'MUST',
    strictOnly: true,
    feature: 'sampling',
    exercises: false,
    sends: 'Four requests: temperature 3, top_p 1.5, presence_penalty 5, frequency_penalty -3.',
    expects: 'HTTP 400 with an error envelope each time (strict); INFO in compat.',
    source: 'OpenAI ranges: temperature 0-2, top_p 0-1, penalties -2 to 2.',
    async run(ctx) {
      for (const [k, v] of [
        ['temperature', 3],
        ['top_p', 1.5],
        ['presence_penalty', 5],
        ['frequency_penalty', -3],
      ] as const) {
        expect400(ctx, await ctx.rejects({ prompt: P, max_tokens: 2, [k]: v }, `${k} ${v}`), `${k} ${v}`);
      }
    },
  }),
  define({
    id: 'sampling.presence-penalty',
    title: 'presence_penalty changes a repetitive greedy answer',
    level: 'SHOULD',
    feature: 'sampling',
    sends: `\`{"prompt": "${PROMPTS.repetitive}", "temperature": 0, "presence_penalty": 2}\``,
    expects: 'A different answer than without the penalty (the prompt repeats, so the penalty must bite).',
    source: 'OpenAI `presence_penalty`: "penalize new tokens based on whether they appear in the text so far".',
    async run(ctx) {
      return (await expectChangesGreedy(ctx, { presence_penalty: 2 })).note;
    },
  }),
  define({
    id: 'sampling.frequency-penalty',
    title: 'frequency_penalty changes a repetitive greedy answer',
    level: 'SHOULD',
    feature: 'sampling',
    sends: `\`{"prompt": "${PROMPTS.repetitive}", "temperature": 0, "frequency_penalty": 2}\``,
    expects: 'A different answer than without the penalty.',
    source: 'OpenAI `frequency_penalty`: "penalize new tokens based on their existing frequency in the text so far".',
    async run(ctx) {
      return (await expectChangesGreedy(ctx, { frequency_penalty: 2 })).note;
    },
  }),
];

