/** The texts of crosscheck.mjs: ten prompts and one Unicode-heavy text for the tokenizers. */

export const CROSSCHECK_PROMPTS = [
  'This is the house that',
  'This is the cat',
  'That ate the malt',
  'The quick brown fox',
  'Once upon a time',
  'This is the farmer sowing his corn,\nThat kept the cock',
  'Jack built',
  'Hello, world! 123',
  'That lay in the',
  'The priest all shaven and shorn',
];

/**
 * Scripts, accents (precomposed and combining), emoji with skin tones, ZWJ sequences and flags,
 * CJK, right-to-left text, digits of several lengths, contractions, runs of spaces, tabs and
 * newlines, code and symbols.
 */
export const UNICODE_TEXT = [
  "Héllo wörld! Ça va? Naïve café, coöperate, e\u0301 vs é; ß and ẞ, İstanbul ıi.",
  "Привет, мир! Γειά σου Κόσμε. שלום עולם. مرحبا بالعالم. नमस्ते दुनिया। สวัสดีชาวโลก",
  "日本語のテキスト、漢字とかな。中文：你好，世界！한국어 문장입니다.",
  "Emoji: 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 🇫🇷🇯🇵 ❤️ 🤖🦙 ½ ∑∫√∞ ≠ ≤ → ⟨x⟩ ℝ",
  "Numbers: 7, 42, 123, 1234, 12345678, 3.14159, -0.5e-10, 1,000,000 and ２０２６年",
  "Contractions: I'm, you're, it's, we'll, they'd, I've, don't, CAN'T; 'quoted' \"double\"",
  "Spaces:  two   three    four\ttab\t\ttwo tabs\n\nnew lines\r\nCRLF  \n   trailing   ",
  "Code: for (let i = 0; i < n; i++) { x += a[i] ** 2; } // => OK? <tag attr=\"v\"/> $HOME ~/.cache",
  "Zero width: a\u200bb\u200cc\u200dd, soft\u00adhyphen, nbsp\u00a0here, \u2028line sep, BOM\ufeff.",
].join('\n');
