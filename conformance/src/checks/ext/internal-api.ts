/**
 * text-generation-webui's internal API as clients use it (issue 12): SillyTavern's connect check
 * calls model/info, its Stop button stop-generation. A server without the route (404, or a 4xx
 * envelope) is `unsupported`.
 */
import { validateSchema } from '@textgen-spec/spec';
import type { SchemaName } from '@textgen-spec/spec';
import type { CheckContext } from '../context.js';
import type { HttpResponse } from '../../http/client.js';
import { isObject } from '../observed.js';
import { greedy, PROMPTS } from '../oracles.js';
import { check, fail, unsupported } from '../outcome.js';
import type { CheckDef } from '../types.js';
import { ext } from './shared.js';

/** The JSON of a 200 answer valid against `schema`; unsupported on a 404 or a clean 4xx. */
function expectAnswer(res: HttpResponse, schema: SchemaName, what: string): unknown {
  if (res.status === 404 || (res.status >= 400 && res.status < 500 && isObject(res.json) && isObject(res.json.error))) {
    unsupported(`${what}: HTTP ${res.status}`);
  }
  if (res.status !== 200) fail(`${what}: HTTP ${res.status}: ${res.text.slice(0, 200)}`);
  const validation = validateSchema(schema, res.json, { profile: 'compat' });
  if (!validation.valid) fail(`${what}: the answer does not match ${schema}: ${validation.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`);
  return res.json;
}

async function logitsOf(ctx: CheckContext, fields: Record<string, unknown>): Promise<[string, number][]> {
  const res = await ctx.send('POST', '/v1/internal/logits', { json: fields, noValidate: true });
  return Object.entries(expectAnswer(res, 'logits-response', 'POST /v1/internal/logits') as Record<string, number>);
}

/** Sends stop-generation every 25 ms until `done` settles; how many were sent. */
async function stopUntil(ctx: CheckContext, done: Promise<unknown>): Promise<number> {
  let settled = false;
  void done.finally(() => (settled = true)).catch(() => {});
  let sent = 0;
  while (!settled) {
    const res = await ctx.send('POST', '/v1/internal/stop-generation', { json: {}, noValidate: true });
    if (res.status === 404 || (res.status >= 400 && res.status < 500)) unsupported(`POST /v1/internal/stop-generation: HTTP ${res.status}`);
    if (res.status !== 200) fail(`POST /v1/internal/stop-generation: HTTP ${res.status}: ${res.text.slice(0, 200)}`);
    sent++;
    await new Promise((r) => setTimeout(r, 25));
  }
  return sent;
}

export const INTERNAL_API_CHECKS: CheckDef[] = [
  ext({
    id: 'ext.internal-health',
    title: 'GET /v1/internal/health answers {"status": "ok"}',
    feature: 'internal_api',
    sends: '`GET /v1/internal/health`.',
    expects: '200 `{"status": "ok"}`.',
    source: "TGW's health endpoint (modules/api/script.py).",
    async run(ctx) {
      expectAnswer(await ctx.send('GET', '/v1/internal/health', { noValidate: true }), 'health-response', 'GET /v1/internal/health');
    },
  }),
  ext({
    id: 'ext.internal-model-info',
    title: 'GET /v1/internal/model/info names the loaded model',
    feature: 'internal_api',
    sends: '`GET /v1/internal/model/info` (SillyTavern calls it when it connects).',
    expects: '200 `{"model_name": string, "lora_names": [...]}`, the name not empty.',
    source: "TGW's model/info (modules/api/models.py); SillyTavern enables TGW's API tokenizer only when it answers.",
    async run(ctx) {
      const info = expectAnswer(await ctx.send('GET', '/v1/internal/model/info', { noValidate: true }), 'model-info-response', 'GET /v1/internal/model/info');
      const name = (info as { model_name: string }).model_name;
      check(name !== '' && name !== 'None', `model_name is ${JSON.stringify(name)}`);
      return `model_name ${JSON.stringify(name)}`;
    },
  }),
  ext({
    id: 'ext.internal-logits',
    title: 'POST /v1/internal/logits gives the next-token probabilities, raw and after the samplers',
    feature: 'internal_api',
    sends: `\`POST /v1/internal/logits\` with \`{"prompt": "${PROMPTS.main}", "top_logits": 5}\`, then the same with \`use_samplers\` on and a top-k cut of 2.`,
    expects:
      'Token -> probability, at most 5, most likely first, the first being the greedy continuation; with the samplers, exactly two tokens with a probability above 0, adding up to 1.',
    source: "TGW's logits endpoint (modules/logits.py).",
    async run(ctx) {
      const raw = await logitsOf(ctx, { prompt: PROMPTS.main, top_logits: 5 });
      check(raw.length > 0 && raw.length <= 5, `${raw.length} entries for top_logits 5`);
      check(raw.every(([, p], i) => i === 0 || p <= raw[i - 1]![1]), 'the entries are not most likely first');
      const next = (await greedy(ctx, PROMPTS.main, 1)).text;
      check(raw[0]![0] === next, `the most likely token is ${JSON.stringify(raw[0]![0])}, greedy decoding gives ${JSON.stringify(next)}`);
      const kept = (await logitsOf(ctx, { prompt: PROMPTS.main, top_logits: 5, use_samplers: true, top_k: 2 })).filter(([, p]) => p > 0);
      check(kept.length === 2, `use_samplers with top_k 2 left ${kept.length} tokens`);
      check(Math.abs(kept[0]![1] + kept[1]![1] - 1) < 1e-3, `the two probabilities add up to ${kept[0]![1] + kept[1]![1]}`);
    },
  }),
  ext({
    id: 'ext.internal-stop-generation',
    title: 'POST /v1/internal/stop-generation ends a running completion cleanly',
    feature: 'internal_api',
    sends: `A completion of "${PROMPTS.main}" with \`max_tokens: 2000, ban_eos_token: true\`, and \`POST /v1/internal/stop-generation\` every 25 ms until it returns.`,
    expects: 'The completion returns 200 with finish_reason "stop" (no stop string and no EOS could end it otherwise) before max_tokens.',
    source: "TGW's stop-generation (SillyTavern's Stop button).",
    exclusive: true,
    async run(ctx) {
      const running = ctx.complete({ prompt: PROMPTS.main, max_tokens: 2000, ban_eos_token: true, temperature: 1, seed: 1 });
      running.catch(() => {}); // awaited below; a stop check that gives up first must not leave it unobserved
      const sent = await stopUntil(ctx, running);
      const c = await running;
      const finish = c.choices[0]?.finish_reason;
      check(finish === 'stop', `finish_reason ${JSON.stringify(finish)} after ${sent} stop requests`);
    },
  }),
];
