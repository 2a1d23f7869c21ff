/**
 * Extension probes of token control: bans, EOS, budgets, truncation, BOS and special tokens.
 */
import type { CheckContext, Fields } from '../context.js';
import { expectSame, finishOf } from '../helpers.js';
import { q } from '../observed.js';
import { completionTokens, continuationIds, divergence, greedy, PROBE_SEEDS, PROMPTS, requireTokenizer, sampled, tokenizedText } from '../oracles.js';
import { check, skip } from '../outcome.js';
import type { CheckDef } from '../types.js';
import { ext } from './shared.js';

/** Tokens the long EOS search allows each request: enough for a model that talks for a while. */
export const EOS_SEARCH_TOKENS = 192;

/**
 * A completion that stopped at EOS (finish "stop" without stop strings), and how to repeat
 * it: first among the 16-token greedy and seeded answers other checks use, then in longer
 * runs (the main prompt greedy, then 3 seeds, EOS_SEARCH_TOKENS each), since many models
 * write a hundred tokens or more before they end.
 */
async function findEos(ctx: CheckContext): Promise<{ fields: Fields; tokens: number } | undefined> {
  return ctx.shared('eos', async (c) => {
    const d = await divergence(c).catch(() => undefined);
    for (const prompt of PROMPTS.alternatives) {
      const r = await greedy(c, prompt, 16);
      if (finishOf(r) === 'stop') return { fields: { prompt, max_tokens: 16, temperature: 0 }, tokens: completionTokens(r) };
    }
    if (d) {
      for (const seed of PROBE_SEEDS) {
        const r = await sampled(c, d.prompt, d.maxTokens, seed);
        if (finishOf(r) === 'stop') return { fields: { prompt: d.prompt, max_tokens: d.maxTokens, temperature: 1, seed }, tokens: completionTokens(r) };
      }
    }
    const long: Fields[] = [{ temperature: 0 }, ...PROBE_SEEDS.slice(0, 3).map((seed) => ({ temperature: 1, seed }))];
    for (const extra of long) {
      const fields = { prompt: PROMPTS.main, max_tokens: EOS_SEARCH_TOKENS, ...extra };
      const r = await c.complete(fields);
      if (finishOf(r) === 'stop') return { fields, tokens: completionTokens(r) };
    }
    return undefined;
  });
}

export const TOKEN_CHECKS: CheckDef[] = [
  // ---- token control ---------------------------------------------------------------------------
  ext({
    id: 'ext.custom_token_bans',
    title: 'custom_token_bans bans token ids',
    feature: 'custom_token_bans',
    tags: ['tokenizer'],
    sends: 'The main greedy request (8 tokens) with `custom_token_bans: "<id>"`, id being the first token of its answer.',
    expects: 'A different answer that does not start with that token.',
    source: 'TGW `custom_token_bans`: comma-separated token ids, suppressed (HF suppress_tokens).',
    async run(ctx) {
      const tok = await requireTokenizer(ctx);
      const plain = await greedy(ctx, PROMPTS.main, 8);
      const [id] = await continuationIds(tok, PROMPTS.main, plain.text);
      if (id === undefined) skip('the greedy answer is empty');
      const r = await ctx.complete({ prompt: PROMPTS.main, max_tokens: 8, temperature: 0, custom_token_bans: String(id) });
      check(r.text !== plain.text, `banning token ${id} left the answer unchanged (${q(plain.text, 80)})`);
      check((await continuationIds(tok, PROMPTS.main, r.text))[0] !== id, `the answer ${q(r.text, 80)} still starts with banned token ${id}`);
    },
  }),
  ext({
    id: 'ext.ban_eos_token',
    title: 'ban_eos_token forces generation to max_tokens',
    feature: 'ban_eos_token',
    sends: `A request whose answer ends at the end-of-sequence token (found among 16-token greedy and seeded answers, then among answers of up to ${EOS_SEARCH_TOKENS} tokens), again with \`ban_eos_token: true\`.`,
    expects: 'finish_reason "length" and completion_tokens == max_tokens.',
    source: 'TGW `ban_eos_token` (suppresses EOS); llama.cpp and vLLM `ignore_eos`.',
    async run(ctx) {
      const eos = await findEos(ctx);
      if (!eos) skip(`no probe answer (up to ${EOS_SEARCH_TOKENS} tokens) ended at the end-of-sequence token, so banning it cannot be observed`);
      const r = await ctx.complete({ ...eos.fields, ban_eos_token: true });
      check(finishOf(r) === 'length', `with ban_eos_token the answer ended with finish_reason ${JSON.stringify(finishOf(r))} after ${completionTokens(r)} tokens (it stopped after ${eos.tokens} without the ban)`);
      check(completionTokens(r) === eos.fields.max_tokens, `completion_tokens ${completionTokens(r)}, expected max_tokens ${String(eos.fields.max_tokens)}`);
    },
  }),
  ext({
    id: 'ext.auto_max_new_tokens',
    title: 'auto_max_new_tokens lets generation run past max_tokens',
    feature: 'auto_max_new_tokens',
    sends: 'The 24-token greedy request with max_tokens 3, `auto_max_new_tokens: true` and a stop string that first occurs after token 6.',
    expects: 'The text up to the stop string and finish_reason "stop" (the budget is the context, not 3).',
    source: 'TGW `auto_max_new_tokens`: max_new_tokens = truncation_length - prompt length.',
    async run(ctx) {
      const t = await tokenizedText(ctx);
      let offset = 0;
      for (let i = 0; i < t.tokens.length; i++) {
        const tok = t.tokens[i]!;
        if (i >= 6 && tok.trim().length >= 2 && t.text.indexOf(tok) === offset) {
          const r = await ctx.complete({ prompt: t.prompt, max_tokens: 3, temperature: 0, auto_max_new_tokens: true, stop: tok });
          expectSame(r.text, t.text.slice(0, offset), 'answer with auto_max_new_tokens');
          check(finishOf(r) === 'stop', `finish_reason ${JSON.stringify(finishOf(r))}, expected "stop"`);
          return;
        }
        offset += tok.length;
      }
      skip(`no token after the 6th of ${q(t.text)} first occurs at its own position`);
    },
  }),
  ext({
    id: 'ext.truncation_length',
    title: 'truncation_length cuts the prompt from the left',
    feature: 'truncation_length',
    sends: 'A long prompt (n tokens) with max_tokens 4 and `truncation_length: n/2 + 4`.',
    expects: 'usage.prompt_tokens <= truncation_length - max_tokens (the prompt was cut).',
    source: 'TGW: the prompt is left-truncated to truncation_length - max_new_tokens.',
    async run(ctx) {
      const prompt = `${PROMPTS.alternatives.join('. ')}. ${PROMPTS.repetitive}`;
      const full = await ctx.complete({ prompt, max_tokens: 4, temperature: 0 });
      const n = (full.body.usage as { prompt_tokens?: number } | undefined)?.prompt_tokens;
      if (typeof n !== 'number' || n < 8) skip('usage.prompt_tokens is missing');
      const limit = Math.floor(n / 2) + 4;
      const cut = await ctx.complete({ prompt, max_tokens: 4, temperature: 0, truncation_length: limit });
      const m = (cut.body.usage as { prompt_tokens?: number } | undefined)?.prompt_tokens;
      check(typeof m === 'number' && m <= limit - 4, `with truncation_length ${limit} the prompt counts ${m} tokens (uncut: ${n}); at most ${limit - 4} expected`);
      return `${n} -> ${m} prompt tokens`;
    },
  }),
  ext({
    id: 'ext.add_bos_token',
    title: 'add_bos_token adds at most one BOS token',
    feature: 'add_bos_token',
    sends: 'The main prompt with `add_bos_token` true and false (max_tokens 1).',
    expects: 'usage.prompt_tokens is one more with true. No difference is a skip: not observable on this model/tokenizer (no BOS token), or the field is ignored.',
    source: 'TGW `add_bos_token`: add BOS if missing, never twice.',
    async run(ctx) {
      const yes = await ctx.complete({ prompt: PROMPTS.main, max_tokens: 1, temperature: 0, add_bos_token: true });
      const no = await ctx.complete({ prompt: PROMPTS.main, max_tokens: 1, temperature: 0, add_bos_token: false });
      const a = (yes.body.usage as { prompt_tokens?: number } | undefined)?.prompt_tokens;
      const b = (no.body.usage as { prompt_tokens?: number } | undefined)?.prompt_tokens;
      check(typeof a === 'number' && typeof b === 'number', 'usage.prompt_tokens is missing');
      if (a === b) skip(`add_bos_token true and false both count ${a} prompt tokens: not observable on this model/tokenizer (it has no BOS token), or the field is ignored`);
      check(a - b === 1, `add_bos_token true counts ${a} prompt tokens, false ${b}: the difference must be 1 (one BOS token)`);
      return 'one BOS token added';
    },
  }),
  ext({
    id: 'ext.skip_special_tokens',
    title: 'skip_special_tokens controls whether special tokens are written out',
    feature: 'skip_special_tokens',
    tags: ['tokenizer'],
    sends: 'A token prompt that starts with a special token (e.g. <|endoftext|>), echoed, with skip_special_tokens true and false.',
    expects: 'The special token\'s text appears in the echoed text only with skip_special_tokens false. Skipped when echo is not honoured (the echoed text lacks the prompt).',
    source: 'TGW `skip_special_tokens` (HF decode).',
    async run(ctx) {
      const tok = await requireTokenizer(ctx);
      let special: { id: number; text: string } | undefined;
      for (const text of ['<|endoftext|>', '</s>', '<|end_of_text|>', '<eos>', '<|im_end|>']) {
        const ids = await tok.encode(text).catch(() => []);
        if (ids.length === 1) {
          special = { id: ids[0]!, text };
          break;
        }
      }
      if (!special) skip('no special token found through the tokenizer endpoint');
      const prompt = [special.id, ...(await tok.encode(PROMPTS.main))];
      const base = { prompt, max_tokens: 1, temperature: 0, echo: true };
      const keep = await ctx.complete({ ...base, skip_special_tokens: false });
      if (!keep.text.includes(PROMPTS.main)) skip(`echo is not honoured (the echoed text ${q(keep.text, 60)} lacks the prompt ${q(PROMPTS.main)}), so the prompt's special token cannot be seen`);
      const drop = await ctx.complete({ ...base, skip_special_tokens: true });
      check(keep.text.includes(special.text), `with skip_special_tokens false the echoed text ${q(keep.text, 80)} lacks ${special.text}`);
      check(!drop.text.includes(special.text), `with skip_special_tokens true the echoed text ${q(drop.text, 80)} still contains ${special.text}`);
    },
  }),
];
