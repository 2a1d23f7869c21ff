/**
 * Extension probes that judge samplers by TGW's semantics on distributions built with
 * logit_bias (see ../constructed.ts): which of a few tokens with known logits a sampler keeps.
 * The semantics are those of text-generation-webui's own code (v1.14's `sampler_hijack.py` and
 * the transformers processors it uses; HEAD where v1.14 has a bug or no such sampler).
 */
import type { Fields } from '../context.js';
import { DRAW_SEEDS, drawConstructed, draw, expectSupport, paletteOf, tally } from '../constructed.js';
import { fail } from '../outcome.js';
import type { CheckDef } from '../types.js';
import { PRIORITY_LIST_ON } from './order.js';
import { ext } from './shared.js';
import { MIROSTAT_ON } from './truncation.js';

/** What the `sends:` texts of these probes share. */
const DRAWS = `One-token requests after "Once upon a time" with ${DRAW_SEEDS.length} seeds, \`{"max_tokens": 1}\` (temperature 1 unless given) and a \`logit_bias\``;
const BUILT = 'that gives the most likely next tokens (their ids from the tokenizer, their logprobs from `{"temperature": 0, "logprobs": 5}`) the logits';

/**
 * The logit the mirostat probe gives two tokens: 10^6 - lp each, i.e. the same value, where
 * float32's spacing is 1/16, so that both round to one float32 (an exact tie for a server that
 * holds logits in float32, as TGW and the reference do) whatever small error the reported
 * logprobs carry; in float64 they stay within that error of each other.
 */
const TIE = 1e6;

export const CONSTRUCTED_CHECKS: CheckDef[] = [
  ext({
    id: 'ext.tfs_whole_row',
    title: 'tfs works on the whole sorted row: tokens removed before it count as zeros',
    feature: 'tfs',
    sends: `${DRAWS} ${BUILT} 1, 0.6 and -1 (50 above the rest), with \`{"top_k": 3, "tfs": 0.7}\`.`,
    expects:
      'The second token drawn for some seed, the third never. On the sorted row p = (0.554, 0.371, 0.075, 0, 0, ...) the normalized |second differences| have the cumulative sums 0.276, 0.817, 1, ...: the second token is kept (0.276 <= 0.7), the third removed (0.817 > 0.7): {0.599, 0.401}. Computed on the three survivors of top_k alone (one second difference, cumulative sum 1), only the first token would be left.',
    source: "TGW `tfs` (transformers' TailFreeLogitsWarper, run by TGW v1.14): it sorts the whole row, so tokens already removed (probability 0) enter the second differences; the first token is always kept and the last of the whole row dropped.",
    async run(ctx) {
      const { tokens, draws } = await drawConstructed(ctx, [1, 0.6, -1], { top_k: 3, tfs: 0.7 });
      return expectSupport(tokens, draws, { seen: [[1, 0.401]], never: [2] }, 'top_k 3 then tfs 0.7 on logits (1, 0.6, -1)');
    },
  }),
  ext({
    id: 'ext.sampler_priority_unnamed',
    title: 'Warpers sampler_priority does not name run after the named ones in TGW\'s build order',
    feature: 'sampler_priority',
    sends: `${DRAWS} ${BUILT} 3, 2.5 and 1, with \`{"sampler_priority": ["top_k"], "min_p": 0.2, "typical_p": 0.5}\`.`,
    expects:
      'The first token for every seed. Unnamed warpers keep the order in which TGW builds them (temperature, top_k, top_p, min_p, typical_p, epsilon, eta, tfs, top_a, dynamic temperature, quadratic, mirostat): min_p 0.2 first leaves the first two tokens (0.622, 0.378), then typical_p 0.5 keeps only the first. In the default priority order (typical_p before min_p) the second token would survive with probability 0.378.',
    source: 'TGW v1.14 `sampler_hijack.py`: the warpers are sorted by their position in sampler_priority with a stable sort, unnamed ones keyed +inf, so they keep their build order after the named ones.',
    requires: [PRIORITY_LIST_ON],
    async run(ctx) {
      const { tokens, draws } = await drawConstructed(ctx, [3, 2.5, 1], { sampler_priority: ['top_k'], min_p: 0.2, typical_p: 0.5 });
      return expectSupport(tokens, draws, { seen: [[0, 1]], never: [1, 2] }, 'min_p 0.2 then typical_p 0.5 (unnamed, build order) on logits (3, 2.5, 1)');
    },
  }),
  ext({
    id: 'ext.temperature_last_unnamed',
    title: 'temperature_last moves temperature to the end also when sampler_priority does not name it',
    feature: 'temperature_last',
    sends: `${DRAWS} ${BUILT} 0, -0.3 and -4, with \`{"temperature": 0.5, "top_p": 0.6, "temperature_last": true, "sampler_priority": ["top_k"]}\`.`,
    expects:
      'The second token drawn for some seed, the third never: top_p 0.6 sees the unscaled p = (0.565, 0.419, 0.010) and keeps two tokens, then temperature 0.5 gives {0.646, 0.354}. With temperature first (where TGW v1.14 leaves an unnamed temperature) p = (0.645, 0.354, ...) and top_p keeps only the first token.',
    source: 'TGW HEAD `temperature_last`: temperature, dynamic temperature and quadratic sampling run last whether sampler_priority names them or not (v1.14\'s branch for an unnamed temperature is unreachable: docs/tgw-deviations.md, `temperature-last-unnamed`).',
    // A server that always applies temperature last (llama.cpp) passes without reading temperature_last.
    exercises: false,
    async run(ctx) {
      const fields: Fields = { temperature: 0.5, top_p: 0.6, temperature_last: true, sampler_priority: ['top_k'] };
      const { tokens, draws } = await drawConstructed(ctx, [0, -0.3, -4], fields);
      return expectSupport(tokens, draws, { seen: [[1, 0.354]], never: [2] }, 'top_p 0.6 then temperature 0.5 on logits (0, -0.3, -4)');
    },
  }),
  ext({
    id: 'ext.mirostat_tied_maxima',
    title: 'Mirostat 2 keeps exactly one token when the most likely ones are tied',
    feature: 'mirostat',
    sends: `${DRAWS} that gives the two most likely next tokens the same logit, 10^6 above the rest (10^6 minus each one's logprob at \`{"temperature": 0, "logprobs": 5}\`: an exact tie in float32), with mirostat 2 switched on (\`mirostat_mode: 2\`, or the server's own switch), \`{"mirostat_tau": 0.1, "mirostat_eta": 0.1}\`.`,
    expects:
      'The same one of the two tokens for every seed: each has surprise 1 bit, more than mu = 2 tau = 0.2, so mirostat truncates at the first sorted token and keeps exactly one (which one of a tie is the server\'s own rule; the reference keeps the lower id). A server that holds logits in float64 sees the two a millionth apart and keeps the more likely one: it passes whatever its rule for exact ties.',
    source: 'TGW v1.14 `MirostatLogitsWarper`: walking the sorted tokens, the first whose surprise exceeds mu cuts the list there, and a cut at the first token keeps that one token.',
    requires: [MIROSTAT_ON],
    async run(ctx) {
      const tokens = await paletteOf(ctx, 2);
      const bias = Object.fromEntries(tokens.map((t) => [String(t.id), TIE - t.logprob]));
      const fields = { ...ctx.switchOf(MIROSTAT_ON.id).fields, mirostat_tau: 0.1, mirostat_eta: 0.1 };
      const d = await draw(ctx, tokens, bias, fields);
      const rule = 'mirostat 2 on two tied tokens';
      if (d.counts[0]! > 0 && d.counts[1]! > 0) fail(`${rule}: both tied tokens were drawn (${tally(tokens, d)}): more than one token was kept`);
      return expectSupport(tokens, d, {}, rule);
    },
  }),
  ext({
    id: 'ext.adaptive_p',
    title: 'Adaptive-p favours the token whose probability is nearest the target',
    feature: 'adaptive_p',
    sends: `${DRAWS} ${BUILT} 0 and -2.1972 (p = 0.9, 0.1), with \`{"top_k": 2, "adaptive_target": 0.1}\`.`,
    expects:
      'The second token for every seed. On the first step the adapted target is the target, 0.1; with x = |p - 0.1| / 0.3 the new logits 5 - 10 x² / (1 + x) are 5 for the second token and -14.4 for the first, so the second is drawn with probability 1 - 4e-9. Without adaptive-p the first token would be drawn 9 times in 10.',
    source: 'TGW HEAD `AdaptivePLogitsWarper` (also llama.cpp\'s adaptive-p): it runs after top_k in the default order and reshapes the remaining candidates around the target.',
    async run(ctx) {
      const { tokens, draws } = await drawConstructed(ctx, [0, -2.1972], { top_k: 2, adaptive_target: 0.1 });
      return expectSupport(tokens, draws, { seen: [[1, 1]], never: [0] }, 'adaptive-p with target 0.1 on p (0.9, 0.1)');
    },
  }),
];

