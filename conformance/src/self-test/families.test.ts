/**
 * A focused conformance run on each embedded model family (`--model textgen-tiny-<family>`):
 * the checks where the model and its tokenizer matter (tokenization and detokenization, text
 * offsets, streaming equals non-streaming, UTF-8, stop strings inside and across tokens, echo,
 * logprobs, token prompts, logit_bias and token bans on 32k-262k vocabularies, BOS, special
 * tokens, grammar, seeds, the model list). The full suite runs on the default model in
 * self-test.test.ts. One server at a time, each started as a subprocess.
 */
import { afterEach, describe, expect, test } from 'vitest';
import type { ConformanceReport } from '../report/types.js';
import { runAgainst, SELF_TEST_API_KEY } from './harness.js';
import { startReferenceServer, type ReferenceServer } from './reference-server.js';

const FAMILY_MODELS = ['textgen-tiny-llama3', 'textgen-tiny-qwen3', 'textgen-tiny-gemma3', 'textgen-tiny-llama2'];

/** The focused subset: check ids (a prefix with `*`). */
const SUBSET = [
  'models.*',
  'completions.shape',
  'completions.usage',
  'completions.model-echo',
  'max_tokens.length',
  'stop.*',
  'echo.*',
  'logprobs.*',
  'stream.equals-non-stream',
  'stream.utf8',
  'stream.incremental',
  'seed.same-seed',
  'seed.greedy-repeatable',
  'token_prompts.*',
  'logit_bias.*',
  'ext.custom_token_bans',
  'ext.ban_eos_token',
  'ext.add_bos_token',
  'ext.skip_special_tokens',
  'ext.grammar_string',
  'ext.internal-logits',
  'wire.*',
];

/** Tokenizers that add BOS (so ext.add_bos_token can prove the switch rather than skip). */
const ADDS_BOS = new Set(['textgen-tiny-llama3', 'textgen-tiny-gemma3', 'textgen-tiny-llama2']);

function problems(report: ConformanceReport): string[] {
  return report.checks
    .filter((c) => c.verdict === 'fail' || c.verdict === 'error')
    .map((c) => `${c.id} (${c.level}): ${c.verdict}: ${c.message}`);
}

let server: ReferenceServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe.sequential('the embedded model families', () => {
  test.each(FAMILY_MODELS)('%s passes the focused subset (no MUST, SHOULD or EXT failure)', async (model) => {
    server = await startReferenceServer({ args: ['--api-key', SELF_TEST_API_KEY, '--model', model], readyTimeoutMs: 240_000 });
    const report = await runAgainst(server.url, 'compat', SUBSET);
    expect(report.server.model).toBe(model);
    expect(report.server.models).toContain(model);
    expect(problems(report)).toEqual([]);
    const passed = report.checks.filter((c) => c.verdict === 'pass').map((c) => c.id);
    expect(passed.length).toBeGreaterThan(40);
    for (const id of ['stream.equals-non-stream', 'stream.utf8', 'logprobs.text-offset', 'stop.inside-token', 'echo.logprobs', 'token_prompts.equal-text', 'logit_bias.force', 'logit_bias.ban', 'ext.custom_token_bans']) expect(passed).toContain(id);
    if (ADDS_BOS.has(model)) expect(passed).toContain('ext.add_bos_token');
  }, 600_000);
});
