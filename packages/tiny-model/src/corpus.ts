/**
 * The text whose word bigrams the tiny model speaks.
 *
 * "The House That Jack Built", a traditional English cumulative nursery rhyme, first printed in
 * "Nurse Truelove's New-Year's-Gift" (London, 1755); public domain. The wording is the common one
 * of 19th-century collections, laid out one clause per line. It was chosen because its vocabulary is
 * small (54 distinct GPT-2 tokens, so the bigram table fits in a narrow model: see weights.ts) while
 * its word order still has real choices, which makes sampled output vary.
 */
export const CORPUS_TITLE = 'The House That Jack Built (traditional English nursery rhyme, first printed in 1755)';

/** The whole rhyme: 11 stanzas, 382 words, no trailing newline. */
export const CORPUS_TEXT = `This is the house that Jack built.

This is the malt
That lay in the house that Jack built.

This is the rat
That ate the malt
That lay in the house that Jack built.

This is the cat
That killed the rat
That ate the malt
That lay in the house that Jack built.

This is the dog
That worried the cat
That killed the rat
That ate the malt
That lay in the house that Jack built.

This is the cow with the crumpled horn
That tossed the dog
That worried the cat
That killed the rat
That ate the malt
That lay in the house that Jack built.

This is the maiden all forlorn
That milked the cow with the crumpled horn
That tossed the dog
That worried the cat
That killed the rat
That ate the malt
That lay in the house that Jack built.

This is the man all tattered and torn
That kissed the maiden all forlorn
That milked the cow with the crumpled horn
That tossed the dog
That worried the cat
That killed the rat
That ate the malt
That lay in the house that Jack built.

This is the priest all shaven and shorn
That married the man all tattered and torn
That kissed the maiden all forlorn
That milked the cow with the crumpled horn
That tossed the dog
That worried the cat
That killed the rat
That ate the malt
That lay in the house that Jack built.

This is the cock that crowed in the morn
That waked the priest all shaven and shorn
That married the man all tattered and torn
That kissed the maiden all forlorn
That milked the cow with the crumpled horn
That tossed the dog
That worried the cat
That killed the rat
That ate the malt
That lay in the house that Jack built.

This is the farmer sowing his corn
That kept the cock that crowed in the morn
That waked the priest all shaven and shorn
That married the man all tattered and torn
That kissed the maiden all forlorn
That milked the cow with the crumpled horn
That tossed the dog
That worried the cat
That killed the rat
That ate the malt
That lay in the house that Jack built.`;
