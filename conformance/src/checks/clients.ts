/**
 * Real clients (issue 12): the bodies SillyTavern builds for its text-generation-webui, KoboldCpp
 * and generic OpenAI-compatible connections, replayed as it sends them. TGW accepts them (its
 * pydantic models ignore unknown fields), so a TGW-compatible server should: SHOULD in the compat
 * profile, INFO in strict (where OpenAI's rule, rejecting unknown parameters, holds).
 */
import { sillyTavernBodies } from './client-bodies.js';
import type { ClientBody } from './client-bodies.js';
import type { CheckContext } from './context.js';
import { define } from './helpers.js';
import { isObject } from './observed.js';
import { check, fail } from './outcome.js';
import type { CheckDef } from './types.js';

const ST = sillyTavernBodies();
const SEED = 1234;

/** Sends a client body as it is (no model added) and returns the first choice's text and the usage. */
async function replay(ctx: CheckContext, client: ClientBody): Promise<{ text: string; completionTokens: number }> {
  const body = { ...client.body, seed: SEED };
  const res = await ctx.send('POST', '/v1/completions', { json: body });
  if (res.status !== 200) {
    const error = isObject(res.json) && isObject(res.json.error) ? res.json.error : {};
    fail(`${client.id}: HTTP ${res.status} (${String(error.code ?? '')} ${String(error.param ?? '')}: ${String(error.message ?? res.text).slice(0, 200)})`);
  }
  const json = isObject(res.json) ? res.json : {};
  const choice = Array.isArray(json.choices) && isObject(json.choices[0]) ? json.choices[0] : null;
  const usage = isObject(json.usage) ? json.usage : {};
  if (!choice || typeof choice.text !== 'string') fail(`${client.id}: the 200 answer has no choices[0].text`);
  return { text: choice.text, completionTokens: typeof usage.completion_tokens === 'number' ? usage.completion_tokens : NaN };
}

/** The canonical fields a client relies on: max_tokens, stop, seed. */
async function expectHonoured(ctx: CheckContext, client: ClientBody): Promise<void> {
  const first = await replay(ctx, client);
  const maxTokens = client.body.max_tokens;
  if (typeof maxTokens === 'number') check(first.completionTokens <= maxTokens, `${client.id}: completion_tokens ${first.completionTokens} > max_tokens ${maxTokens}`);
  const stops = Array.isArray(client.body.stop) ? (client.body.stop as string[]) : [];
  const found = stops.find((s) => s !== '' && first.text.includes(s));
  check(found === undefined, () => `${client.id}: the text contains the stop string ${JSON.stringify(found)}`);
  const again = await replay(ctx, client);
  check(again.text === first.text, `${client.id}: the same body with seed ${SEED} gave two different texts`);
}

function clientCheck(connection: string, name: string): CheckDef {
  const bodies = ST.bodies.filter((b) => b.connection === connection);
  return define({
    id: `clients.sillytavern-${connection}`,
    title: `SillyTavern ${ST.version}'s ${name} bodies are accepted and their canonical fields honoured`,
    level: 'SHOULD',
    compatOnly: true,
    feature: 'clients',
    tags: ['clients'],
    sends:
      `The ${bodies.length} bodies SillyTavern ${ST.version} builds for its ${name} connection (${bodies.map((b) => b.preset).join(', ')}; ` +
      `${Object.keys(bodies[0]!.body).length} fields each), exactly as its server forwards them (no \`model\`), with \`seed: ${SEED}\` added, each twice.`,
    expects: '200 and a completion for each; no stop string in the text; `completion_tokens` at most `max_tokens`; the same text both times.',
    source: 'Issue 12: text-generation-webui ignores unknown request fields (pydantic `extra=\'ignore\'`), so SillyTavern, its most common client, sends its other backends\' aliases too. Bodies: conformance/data/clients, from SillyTavern\'s own code.',
    async run(ctx) {
      for (const body of bodies) await expectHonoured(ctx, body);
      return `${bodies.length} bodies accepted`;
    },
  });
}

export const clientChecks: CheckDef[] = [
  clientCheck('ooba', '"Text Generation WebUI"'),
  clientCheck('koboldcpp', 'KoboldCpp'),
  clientCheck('generic', 'generic OpenAI-compatible'),
];
