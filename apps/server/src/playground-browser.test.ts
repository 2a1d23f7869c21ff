/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The playground in a real browser: Debian's headless Chromium (never downloaded), driven by
 * puppeteer-core, loads GET / from a live server with an API key, fills the form, streams a
 * completion, checks the token view and the sampler view, keeps a screenshot under
 * apps/server/.artifacts/ and runs axe-core's WCAG 2 A/AA checks. Skipped, with a message,
 * when Chromium is absent (CHROMIUM_PATH overrides /usr/bin/chromium; CI installs it).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import puppeteer from 'puppeteer-core';
import type { Browser, Page } from 'puppeteer-core';
import { startTestServer } from './__fixtures__/harness.js';
import type { TextgenServer } from './server.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
const ARTIFACTS = new URL('../.artifacts/', import.meta.url);
const KEY = 'browser-secret';
const PROMPT = 'This is the house that';

if (!HAS_CHROMIUM) {
  console.warn(`playground-browser.test.ts skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH).`);
}

// Set once in beforeAll: one server, one browser, one page, used by the steps in order.
let server: TextgenServer;
let browser: Browser;
let page: Page;

/** Replaces a form field's value as a user would (select all, type), firing input and change. */
async function fill(selector: string, value: string): Promise<void> {
  await page.focus(selector);
  await page.keyboard.down('Control');
  await page.keyboard.press('KeyA');
  await page.keyboard.up('Control');
  await page.keyboard.press('Backspace');
  if (value !== '') await page.type(selector, value);
  await page.keyboard.press('Tab');
}

/** The sampler view once a trace newer than `after` has rendered: stage titles and final count. */
async function traced(after: string | null): Promise<{ stages: string[]; final: number; key: string }> {
  await page.waitForFunction((prev) => {
    const el = document.querySelector<HTMLElement>('#sampler');
    const key = `${el?.dataset.final}|${[...(el?.querySelectorAll('.stage h3') ?? [])].map((h) => h.textContent).join(',')}`;
    return el?.dataset.final !== undefined && key !== prev && document.querySelector('#trace-status')?.textContent?.includes('left');
  }, {}, after);
  return page.$eval('#sampler', (el) => {
    const stages = [...el.querySelectorAll('.stage h3')].map((h) => h.textContent ?? '');
    const final = Number((el as HTMLElement).dataset.final);
    return { stages, final, key: `${final}|${stages.join(',')}` };
  });
}

describe.skipIf(!HAS_CHROMIUM)('the playground in Chromium', () => {
  beforeAll(async () => {
    server = await startTestServer({ apiKeys: [KEY] });
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    page = await browser.newPage();
    // axe-core is injected as an inline script, which the page's own CSP forbids.
    await page.setBypassCSP(true);
    await page.setViewport({ width: 1400, height: 1000 });
    await page.goto(`${server.url}/`);
    await page.waitForSelector('body[data-ready]');
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('builds the composer from the schema, and connects with the API key', async () => {
    const fields = await page.$$eval('#fields [data-kind]', (els) => els.map((e) => (e as HTMLInputElement).name));
    expect(fields).toContain('min_p');
    expect(fields).toContain('sampler_priority');
    expect(fields.length).toBeGreaterThan(50);
    const help = await page.$eval('#help-top_p', (e) => e.textContent);
    expect(help).toContain('Default 1');
    expect(await page.$eval('#server-status', (e) => e.textContent)).toContain('401');
    await fill('#api-key', KEY);
    await page.waitForFunction(() => document.querySelector('#server-status')?.textContent?.startsWith('Connected'));
    await page.waitForFunction(() => document.querySelectorAll('#preset-names option').length > 0);
  });

  it('streams a completion with echo and logprobs into the token view', async () => {
    await fill('#field-prompt', PROMPT);
    await fill('#field-max_tokens', '6');
    await page.select('#field-echo', 'true');
    await page.select('#field-ban_eos_token', 'true'); // exactly max_tokens tokens
    const sent = JSON.parse(await page.$eval('#request-json', (e) => e.textContent ?? ''));
    expect(sent).toMatchObject({ prompt: PROMPT, max_tokens: 6, echo: true, logprobs: 5, stream: true, ban_eos_token: true });
    expect(await page.$eval('#curl', (e) => e.textContent)).toContain('Authorization: Bearer $TEXTGEN_API_KEY');
    await page.click('#send');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent?.startsWith('Done'));
    const tokens = await page.$$eval('#tokens .tok', (els) =>
      els.map((e) => ({ text: e.textContent, prompt: e.classList.contains('prompt'), p: (e as HTMLElement).dataset.p, bg: (e as HTMLElement).style.background })),
    );
    const promptTokens = tokens.filter((t) => t.prompt);
    expect(promptTokens.map((t) => t.text).join('')).toBe(PROMPT);
    expect(tokens.length - promptTokens.length).toBe(6);
    expect(promptTokens[0]!.p).toBe(''); // the first prompt token has no logprob
    expect(new Set(tokens.map((t) => t.bg)).size).toBeGreaterThan(2); // shaded by probability
  });

  it('shows a token alternatives and text_offset on focus and hover, and follows the keyboard', async () => {
    const chunks = (await page.$eval('#response-json', (e) => e.textContent ?? ''))
      .split('\n\n')
      .map((line): { choices: { logprobs?: { text_offset: number[] } }[] } => JSON.parse(line.slice('data: '.length)));
    const offsets = chunks.flatMap((c) => c.choices[0]?.logprobs?.text_offset ?? []);
    const first = await page.$$('#tokens .tok:not(.prompt)');
    await first[0]!.focus();
    await page.waitForSelector('#token-tip:not([hidden])');
    const promptCount = await page.$$eval('#tokens .tok.prompt', (els) => els.length);
    expect(await page.$eval('#token-tip .offset', (e) => e.textContent)).toBe(String(offsets[promptCount]));
    expect(await page.$$eval('#token-tip tbody tr', (rows) => rows.length)).toBeGreaterThanOrEqual(5);
    await page.keyboard.press('Tab');
    expect(await page.$eval('#token-tip .offset', (e) => e.textContent)).toBe(String(offsets[promptCount + 1]));
    await page.keyboard.press('Escape');
    expect(await page.$eval('#token-tip', (e) => (e as HTMLElement).hidden)).toBe(true);
    await first[2]!.hover();
    expect(await page.$eval('#token-tip .offset', (e) => e.textContent)).toBe(String(offsets[promptCount + 2]));
  });

  it('the sampler view: min_p and sampler_priority change which tokens survive, and in which order', async () => {
    let view = await traced(null);
    await fill('#field-temperature', '1.5');
    view = await traced(view.key);
    await fill('#field-top_k', '40');
    view = await traced(view.key);
    await fill('#field-min_p', '0.01');
    const loose = await traced(view.key);
    // ban_eos_token (set above) is the suppress_tokens processor, which runs before the warpers.
    expect(loose.stages).toEqual(['logits (raw softmax)', 'suppress_tokens', 'temperature', 'top_k', 'min_p']);
    await fill('#field-min_p', '0.3');
    const strict = await traced(loose.key);
    expect(strict.final).toBeLessThan(loose.final);
    expect(await page.$$eval('#sampler .stage:first-child li.removed', (els) => els.length)).toBeGreaterThan(0);
    await fill('#field-sampler_priority', 'min_p,top_k');
    const reordered = await traced(strict.key);
    expect(reordered.stages).toEqual(['logits (raw softmax)', 'suppress_tokens', 'min_p', 'top_k', 'temperature']);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: new URL('playground.png', ARTIFACTS).pathname as `${string}.png` });
  });

  it('passes axe-core WCAG 2 A/AA checks, tooltip shown', async () => {
    const require = createRequire(import.meta.url);
    await page.addScriptTag({ content: readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8') });
    (await page.$$('#tokens .tok:not(.prompt)'))[0]!.focus();
    const violations = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe;
      const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
      return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
    });
    expect(violations).toEqual([]);
  });
});
