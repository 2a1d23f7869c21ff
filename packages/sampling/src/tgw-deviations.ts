/**
 * Every deliberate difference between this package and text-generation-webui v1.14's sampler
 * code (`modules/sampler_hijack.py` and the transformers 4.44 processors it builds on). The golden
 * vector test (`tgw-vectors.test.ts`) accepts a disagreement with TGW only where a row here
 * applies; `npm run generate -w @textgen-spec/sampling` writes this table to
 * docs/tgw-deviations.md.
 */

export type DeviationId =
  | 'repetition-penalty-forced'
  | 'repetition-penalty-below-1'
  | 'temperature-last-unnamed'
  | 'tie-order'
  | 'top-n-sigma-masked'
  | 'dry-multi-token-breakers'
  | 'mirostat-1'
  | 'typical-p-zero'
  | 'epsilon-eta-range'
  | 'later-warpers-order'
  | 'processors-in-priority'
  | 'random-source'
  | 'float32-rounding';

export interface Deviation {
  id: DeviationId;
  /** What TGW v1.14 does. */
  tgw: string;
  /** What this package does. */
  ours: string;
  reason: string;
  /**
   * A golden vector case that shows it (its id in vectors/tgw-vectors.json.gz), or null when the
   * vectors cannot show it (TGW rejects the input, or has no such input).
   */
  example: string | null;
  /**
   * 'differs': the example disagrees with TGW. 'determinized': TGW's own result is not determined
   * (it depends on how its sort orders tied values); the example is one where two orders of the
   * vocabulary give TGW two results, and ours is one of the equivalent ones.
   */
  kind: 'differs' | 'determinized';
}

export const TGW_DEVIATIONS: readonly Deviation[] = [
  {
    id: 'float32-rounding',
    tgw: 'Computes in float32 (softmax, cumulative sums, the quadratic transform): a value within float32 rounding of a threshold can land on either side, and probabilities below about 1e-38 underflow to 0.',
    ours: 'float64 arithmetic on the float32 logits.',
    reason: 'Precision. The vectors hold, for each such case, the float64 run of TGW\'s same code, which this package matches.',
    example: null,
    kind: 'differs',
  },
  {
    id: 'repetition-penalty-forced',
    tgw: 'Whenever repetition_penalty > 1 or presence_penalty / frequency_penalty != 0, `get_logits_processor_patch` sets repetition_penalty to 1.1 before building its processor, so the requested value is ignored (and 1.1 is applied even when only presence or frequency was asked for).',
    ours: 'The requested repetition_penalty, over the last repetition_penalty_range tokens; presence and frequency penalties do not switch it on.',
    reason: 'A bug (fixed in TGW HEAD, which builds one processor per penalty with the requested values).',
    example: 'proc-7-3',
    kind: 'differs',
  },
  {
    id: 'repetition-penalty-below-1',
    tgw: 'Below 1 (a reward), the range-aware processor is not built; transformers\' own RepetitionPenaltyLogitsProcessor rewards every token of the whole context, ignoring repetition_penalty_range.',
    ours: 'Every value of repetition_penalty applies to the same window: the last repetition_penalty_range tokens (0: the whole context).',
    reason: 'Intended semantics: repetition_penalty_range says which tokens the penalty sees, whatever its direction; TGW HEAD applies the range to every value too.',
    example: 'proc-5-6',
    kind: 'differs',
  },
  {
    id: 'temperature-last-unnamed',
    tgw: 'temperature_last moves temperature (and dynamic_temperature, quadratic_sampling) to the end only when sampler_priority names it; the branch meant to append an unnamed one is unreachable, so an unnamed temperature keeps its place in the build order.',
    ours: 'TGW HEAD\'s fix: temperature_last always moves the three temperature samplers to the very end, named or not.',
    reason: 'A bug in v1.14, fixed at HEAD; the documented meaning of temperature_last is "temperature last".',
    example: 'templast-unnamed-1-1',
    kind: 'differs',
  },
  {
    id: 'tie-order',
    tgw: 'Where a cut falls inside a group of tokens with equal logits (top_p, tfs, XTC\'s least likely token above the threshold, mirostat keeping exactly one of several tied maxima), which tokens survive depends on how torch.sort orders ties: not determined.',
    ours: 'Sorted order is logit descending, ties by lower token id, everywhere: a cut inside a tie keeps the lower ids; mirostat keeps the lowest id among tied maxima; XTC spares the highest id among the tied least likely.',
    reason: 'Determinism: the same request gives the same tokens on every machine. The vectors mark such cases (TGW disagrees with itself when the vocabulary is renumbered) and compare them as multisets of probabilities.',
    example: 'single-top_p-0.97-1-300',
    kind: 'determinized',
  },
  {
    id: 'top-n-sigma-masked',
    tgw: 'TGW HEAD computes σ over the whole row with removed (-inf) tokens replaced by 0, so an earlier truncation or ban changes σ (against its own comment, "only on finite values").',
    ours: 'σ over the remaining (finite) logits only.',
    reason: 'Intended semantics (the top-nσ paper and TGW\'s comment); a removed token should not move the threshold.',
    example: 'head-top_n_sigma-7-3',
    kind: 'differs',
  },
  {
    id: 'dry-multi-token-breakers',
    tgw: 'A sequence breaker is the last token of `tokenizer.encode("a" + breaker)`: a breaker that tokenizes to several tokens is reduced to its last token.',
    ours: 'Each breaker is a token sequence, matched as a sequence (as llama.cpp does); single-token breakers behave exactly as TGW\'s.',
    reason: 'A multi-token breaker such as "\\n\\n" or a word would otherwise break on any occurrence of its last token.',
    example: null,
    kind: 'differs',
  },
  {
    id: 'mirostat-1',
    tgw: 'mirostat_mode 1 is rejected by MirostatLogitsWarper (only 2 is accepted; mode 1 silently does nothing at request level).',
    ours: 'Mode 1 is the mirostat paper\'s algorithm (Zipf exponent estimated from the 100 best candidates), as llama.cpp implements it.',
    reason: 'Never a silently ignored parameter: the API accepts mode 1, so it does what mode 1 means.',
    example: null,
    kind: 'differs',
  },
  {
    id: 'typical-p-zero',
    tgw: 'transformers\' TypicalLogitsWarper raises for typical_p <= 0 (a 500 in TGW).',
    ours: 'typical_p 0 keeps only the most typical candidate (the limit of the rule as the mass goes to 0).',
    reason: 'The schema accepts 0; a request must never cause a server error.',
    example: null,
    kind: 'differs',
  },
  {
    id: 'epsilon-eta-range',
    tgw: 'transformers\' Epsilon/EtaLogitsWarper raise for a cutoff >= 1 in probability units (epsilon_cutoff or eta_cutoff >= 10000 in TGW\'s units of 1e-4).',
    ours: 'Any cutoff the schema accepts: tokens below it are removed, the most likely token is always kept.',
    reason: 'A request must never cause a server error; the rule extends without change.',
    example: null,
    kind: 'differs',
  },
  {
    id: 'later-warpers-order',
    tgw: 'v1.14 has no top_n_sigma, XTC or adaptive-p. TGW HEAD sorts warpers that sampler_priority does not name first (key -1), where v1.14 sorts them last (key +inf).',
    ours: 'v1.14\'s rule for every warper: unnamed warpers run after the named ones in TGW\'s build order, with the later warpers at its end (top_n_sigma, adaptive_p, xtc, HEAD\'s relative order). The default order is the spec\'s: v1.14\'s, adaptive_p before mirostat, then top_n_sigma and xtc at the end (HEAD\'s default puts top_n_sigma after quadratic_sampling).',
    reason: 'This package follows v1.14 wherever v1.14 has an answer, and extends its rule to the later warpers.',
    example: null,
    kind: 'differs',
  },
  {
    id: 'processors-in-priority',
    tgw: 'v1.14 ignores processor names in sampler_priority (its list holds warpers only).',
    ours: 'TGW HEAD\'s behaviour: a processor named in sampler_priority (repetition_penalty, presence_penalty, frequency_penalty, dry, encoder_repetition_penalty, no_repeat_ngram) runs at that position among the warpers.',
    reason: 'The API accepts those names; ignoring them would be a silently ignored parameter.',
    example: null,
    kind: 'differs',
  },
  {
    id: 'random-source',
    tgw: 'Draws come from torch.multinomial (final pick, mirostat, adaptive-p) and Python\'s random (XTC), seeded globally.',
    ours: 'Every draw comes from the sequence\'s own seeded xoshiro128** generator, in a fixed order (XTC, then mirostat or adaptive-p, then the final pick), walking candidates in token id order.',
    reason: 'Reproducible per sequence and independent of batch composition. The distributions are TGW\'s; the vectors check the draws by the token a given uniform value picks.',
    example: null,
    kind: 'differs',
  },
];

/** The table as markdown: docs/tgw-deviations.md (`npm run generate -w @textgen-spec/sampling`). */
export function deviationsMarkdown(): string {
  const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const rows = TGW_DEVIATIONS.map(
    (d) =>
      `| \`${d.id}\` | ${cell(d.tgw)} | ${cell(d.ours)} | ${cell(d.reason)} | ${d.example === null ? 'none (see reason)' : `\`${d.example}\``} |`,
  );
  return [
    '# Deviations from TGW v1.14',
    '',
    '<!-- Generated from packages/sampling/src/tgw-deviations.ts by `npm run generate -w @textgen-spec/sampling`. Do not edit. -->',
    '',
    'Every deliberate difference between `@textgen-spec/sampling` and text-generation-webui v1.14\'s',
    'sampler code (`modules/sampler_hijack.py` and the transformers 4.44 processors it builds on).',
    'The golden vectors (`packages/sampling/vectors/`, computed by TGW\'s own code) hold 1,000+',
    'cases; the test `packages/sampling/src/tgw-vectors.test.ts` accepts a disagreement with TGW',
    'only where a row below applies, and checks that each example case shows its row.',
    '',
    'Example: a case id in `packages/sampling/vectors/tgw-vectors.json.gz`; "none" where TGW rejects',
    'the input or has no such input, so no vector can show it.',
    '',
    '| Id | TGW v1.14 | This package | Why | Example |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
