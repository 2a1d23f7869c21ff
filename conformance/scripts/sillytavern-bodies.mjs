#!/usr/bin/env node
/**
 * Regenerates conformance/data/clients/sillytavern-1.19.0.json: the /v1/completions request
 * bodies that SillyTavern 1.19.0's own code builds for its "Text Generation WebUI" (ooba),
 * "KoboldCpp" and "Generic (OpenAI-compatible)" connections, with its default settings and two
 * of its shipped presets (Universal-Creative, Deterministic).
 *
 * SillyTavern is not a dependency of this repository. Install its npm package OUTSIDE the
 * workspace, then point this script at the unpacked folder:
 *
 *   mkdir -p /tmp/st && cd /tmp/st && npm pack sillytavern@1.19.0 && tar xzf sillytavern-1.19.0.tgz
 *   node conformance/scripts/sillytavern-bodies.mjs /tmp/st/package
 *
 * How the bodies are produced (nothing is re-implemented, SillyTavern's code builds them):
 * - The browser half: `createTextGenGenerationData(settings, model, prompt, maxTokens, ...)`
 *   of public/scripts/textgen-settings.js, the function SillyTavern's Generate calls, with
 *   `textgenerationwebui_settings` (that module's own defaults) and, for a preset, the preset
 *   file from default/content/presets/textgen/ assigned over them (as SillyTavern's preset
 *   manager does). textgen-settings.js imports browser modules (script.js, power-user.js,
 *   tokenizers.js...) that cannot load in Node, so a module loader hook (node:module
 *   `register`) replaces each module it imports with a stub exporting the same names. The
 *   `localStorage` is an empty storage (read at load for the Mancer server URL), and
 *   `document.getElementById` returns the element's data- attributes from public/index.html
 *   (read at load for the backends that support dynamic temperature). The
 *   stubs that matter for the body are SHIMS below (SillyTavern's own defaults: max_context
 *   2048 from script.js, no token probabilities, the stop strings of a chat between "User" and
 *   "Seraphina", macros left as they are); every other import is a function that does nothing.
 * - The server half: SillyTavern's server (src/endpoints/backends/text-completions.js) forwards
 *   the ooba and KoboldCpp bodies unchanged and, for the generic connection, keeps only
 *   OPENAI_KEYS (imported from its src/constants.js) and at most 4 stop strings: applied here.
 * - The prompt and the response length (ST's default amount_gen, 80) are fixed; `stream` is
 *   false (SillyTavern sets it only when streaming is on).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const VERSION = '1.19.0';
const stDir = resolve(process.argv[2] ?? process.env.SILLYTAVERN_DIR ?? '/tmp/st/package');
const out = new URL(`../data/clients/sillytavern-${VERSION}.json`, import.meta.url);
const PROMPT = 'This is the house that Jack built.\nThis is the malt that lay in the house that Jack built.\nThis is the';
const MAX_TOKENS = 80;
const SERVER = 'http://127.0.0.1:5000';

const installed = JSON.parse(readFileSync(join(stDir, 'package.json'), 'utf8'));
if (installed.name !== 'sillytavern' || installed.version !== VERSION) {
  throw new Error(`${stDir} holds ${installed.name}@${installed.version}, not sillytavern@${VERSION}`);
}

/** Stub modules' exports that the body depends on; every other imported name is a no-op function. */
const SHIMS = {
  max_context: 'export let max_context = 2048;',
  main_api: "export let main_api = 'textgenerationwebui';",
  online_status: "export let online_status = 'no_connection';",
  power_user: 'export const power_user = { request_token_probabilities: false };',
  getStoppingStrings: "export function getStoppingStrings() { return ['\\nUser:', '\\nSeraphina:']; }",
  substituteParams: 'export function substituteParams(text) { return text; }',
  isObject: "export function isObject(v) { return v !== null && typeof v === 'object' && !Array.isArray(v); }",
  arraysEqual: 'export function arraysEqual(a, b) { return JSON.stringify(a) === JSON.stringify(b); }',
  onlyUnique: 'export function onlyUnique(v, i, a) { return a.indexOf(v) === i; }',
  BIAS_CACHE: 'export const BIAS_CACHE = new Map();',
  eventSource: 'export const eventSource = { emit: async () => {}, on() {}, makeFirst() {}, makeLast() {} };',
  event_types: 'export const event_types = new Proxy({}, { get: (_, k) => String(k) });',
  t: 'export function t(strings, ...values) { return String.raw({ raw: strings }, ...values); }',
  tokenizers: 'export const tokenizers = new Proxy({}, { get: (_, k) => String(k) });',
  TEXTGEN_TOKENIZERS: 'export const TEXTGEN_TOKENIZERS = [];',
  ENCODE_TOKENIZERS: 'export const ENCODE_TOKENIZERS = [];',
  TOKENIZER_SUPPORTED_KEY: "export const TOKENIZER_SUPPORTED_KEY = 'tokenizer_supported';",
  SECRET_KEYS: 'export const SECRET_KEYS = new Proxy({}, { get: (_, k) => String(k) });',
};

/** The names textgen-settings.js imports from each module: `{ specifier: [names] }`. */
function importedNames(source) {
  const imports = {};
  for (const match of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'([^']+)'/g)) {
    const names = match[1].split(',').map((n) => n.trim().split(/\s+as\s+/)[0]).filter(Boolean);
    imports[match[2]] = [...(imports[match[2]] ?? []), ...names];
  }
  return imports;
}

const settingsFile = join(stDir, 'public/scripts/textgen-settings.js');
const stubs = {};
for (const [specifier, names] of Object.entries(importedNames(readFileSync(settingsFile, 'utf8')))) {
  stubs[specifier] = names.map((name) => SHIMS[name] ?? `export function ${name}() {}`).join('\n');
}

const hooks = `
const stubs = ${JSON.stringify(stubs)};
const parent = ${JSON.stringify(pathToFileURL(settingsFile).href)};
export async function resolve(specifier, context, next) {
  if (context.parentURL === parent && specifier in stubs) return { url: 'stub:' + specifier, shortCircuit: true };
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (url.startsWith('stub:')) return { format: 'module', source: stubs[url.slice(5)], shortCircuit: true };
  return next(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
// The browser globals textgen-settings.js reads while loading: localStorage (the Mancer server
// URL; empty here) and document.getElementById('dynatemp_block_ooba'), whose data-tg-type
// attribute in SillyTavern's public/index.html lists the backends with dynamic temperature.
globalThis.localStorage = { getItem: () => null, setItem() {}, removeItem() {} };
const indexHtml = readFileSync(join(stDir, 'public/index.html'), 'utf8');
globalThis.document = {
  getElementById(id) {
    const tag = indexHtml.match(new RegExp(`<[a-z]+[^>]*id="${id}"[^>]*>`))?.[0];
    if (!tag) return null;
    const dataset = {};
    for (const [, key, value] of tag.matchAll(/data-([a-z-]+)="([^"]*)"/g)) dataset[key.replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = value;
    return { dataset };
  },
};

const st = await import(pathToFileURL(settingsFile).href);
const { OPENAI_KEYS } = await import(pathToFileURL(join(stDir, 'src/constants.js')).href);
const defaults = structuredClone(st.textgenerationwebui_settings);

const PRESETS = { default: null, 'universal-creative': 'Universal-Creative', deterministic: 'Deterministic' };
const CONNECTIONS = { ooba: st.textgen_types.OOBA, koboldcpp: st.textgen_types.KOBOLDCPP, generic: st.textgen_types.GENERIC };

function settingsFor(type, presetFile) {
  const preset = presetFile ? JSON.parse(readFileSync(join(stDir, 'default/content/presets/textgen', `${presetFile}.json`), 'utf8')) : {};
  const settings = Object.assign(structuredClone(defaults), preset, { type });
  settings.server_urls = { ...settings.server_urls, [type]: SERVER };
  // getTextGenServer reads the module's own settings object.
  Object.assign(st.textgenerationwebui_settings, settings);
  return settings;
}

/** What SillyTavern's server sends on (text-completions.js, /generate). */
function forwarded(connection, body) {
  const sent = JSON.parse(JSON.stringify({ ...body, stream: false })); // drops undefined and functions, as fetch's JSON.stringify does
  if (connection !== 'generic') return sent;
  const kept = Object.fromEntries(Object.entries(sent).filter(([key]) => OPENAI_KEYS.includes(key)));
  if (Array.isArray(kept.stop)) kept.stop = kept.stop.slice(0, 4);
  return kept;
}

const bodies = [];
for (const [connection, type] of Object.entries(CONNECTIONS)) {
  for (const [preset, presetFile] of Object.entries(PRESETS)) {
    const settings = settingsFor(type, presetFile);
    const built = st.createTextGenGenerationData(settings, undefined, PROMPT, MAX_TOKENS, false, false, null, 'normal');
    bodies.push({ id: `${connection}-${preset}`, connection, preset, body: forwarded(connection, built) });
  }
}

const data = {
  client: 'SillyTavern',
  version: VERSION,
  generator: 'conformance/scripts/sillytavern-bodies.mjs',
  description: "Request bodies built by SillyTavern's createTextGenGenerationData (public/scripts/textgen-settings.js) and forwarded as its server forwards them. Regenerate with the command in the script's header.",
  bodies,
};
writeFileSync(out, `${JSON.stringify(data, null, 2)}\n`);
console.log(`wrote ${bodies.length} bodies to ${out.pathname}: ${bodies.map((b) => `${b.id} (${Object.keys(b.body).length} fields)`).join(', ')}`);
