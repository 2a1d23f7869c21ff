/**
 * The stage table: one record per stage of the chain. The order (`order.ts`), which stages are
 * active, the request parameters each reads and the parameter named in errors all derive from
 * it, so a new sampler is one record here plus its function.
 */
import type { Candidates } from './candidates.js';
import {
  applyDry,
  applyEncoderRepetitionPenalty,
  applyFrequencyPenalty,
  applyLogitBias,
  applyNoRepeatNgram,
  applyPresencePenalty,
  applyRepetitionPenalty,
  applySuppressTokens,
} from './processors.js';
import type { LogitAccess } from './processors.js';
import { withAccess } from './step-context.js';
import type { StepContext } from './step-context.js';
import type { SamplerStageName, SamplingParams } from './types.js';
import {
  applyAdaptiveP,
  applyDynamicTemperature,
  applyEpsilon,
  applyEta,
  applyMinP,
  applyMirostat,
  applyQuadratic,
  applyTemperature,
  applyTfs,
  applyTopA,
  applyTopK,
  applyTopNSigma,
  applyTopP,
  applyTypicalP,
  applyXtc,
} from './warpers.js';
import type { Warper } from './warpers.js';

/** Every stage: the sampler_priority names plus the two processors no priority can move. */
export type StageName = SamplerStageName | 'suppress_tokens' | 'logit_bias';

export interface Stage {
  name: StageName;
  /**
   * 'processor': edits logits by token id, runs in greedy mode too, before the warpers unless
   * sampler_priority names it. 'warper': reshapes or truncates, sampled mode only.
   */
  kind: 'processor' | 'warper';
  /** Whether sampler_priority may name it. */
  orderable: boolean;
  /**
   * Warpers: position in the order TGW v1.14 builds its warper list; warpers that an explicit
   * sampler_priority does not name run after the named ones in this order.
   */
  buildRank?: number;
  /** The SamplingParams fields it reads (request fields of the same name and unit). */
  params: readonly (keyof SamplingParams)[];
  /** The request parameter to name when it leaves nothing to sample. */
  errorParam: string;
  /** Whether it does anything: its parameter is not at its neutral value. */
  active(p: SamplingParams): boolean;
  run: Warper;
}

function processor(name: StageName, params: Stage['params'], active: Stage['active'], run: Warper, orderable = true): Stage {
  return { name, kind: 'processor', orderable, params, errorParam: params[0]!, active, run };
}

function warper(name: StageName, buildRank: number, params: Stage['params'], active: Stage['active'], run: Warper): Stage {
  return { name, kind: 'warper', orderable: true, buildRank, params, errorParam: params[0]!, active, run };
}

/** Runs a processor on the logits by token id (see `withAccess`). */
const onLogits =
  (edit: (acc: LogitAccess, ctx: StepContext) => void): Warper =>
  (c: Candidates, ctx: StepContext) =>
    withAccess(c, (acc) => edit(acc, ctx));

/**
 * Processors in the order they run when sampler_priority does not place them (transformers'
 * processor order, then logit_bias, then DRY, which TGW v1.14 appends); then warpers in the
 * default sampler_priority order (TGW v1.14's, with the later warpers where TGW HEAD puts them:
 * adaptive_p before mirostat, top_n_sigma and xtc at the end as the spec's default lists them).
 */
export const STAGES: readonly Stage[] = [
  processor(
    'encoder_repetition_penalty',
    ['encoder_repetition_penalty'],
    (p) => p.encoder_repetition_penalty !== 1,
    onLogits((acc, ctx) => applyEncoderRepetitionPenalty(acc, ctx.prompt(), ctx.params.encoder_repetition_penalty)),
  ),
  processor(
    'repetition_penalty',
    ['repetition_penalty', 'repetition_penalty_range'],
    (p) => p.repetition_penalty !== 1,
    onLogits((acc, ctx) => applyRepetitionPenalty(acc, ctx.window(), ctx.params.repetition_penalty)),
  ),
  processor(
    'presence_penalty',
    ['presence_penalty', 'repetition_penalty_range'],
    (p) => p.presence_penalty !== 0,
    onLogits((acc, ctx) => applyPresencePenalty(acc, ctx.window(), ctx.params.presence_penalty)),
  ),
  processor(
    'frequency_penalty',
    ['frequency_penalty', 'repetition_penalty_range'],
    (p) => p.frequency_penalty !== 0,
    onLogits((acc, ctx) => applyFrequencyPenalty(acc, ctx.window(), ctx.params.frequency_penalty)),
  ),
  processor(
    'no_repeat_ngram',
    ['no_repeat_ngram_size'],
    (p) => p.no_repeat_ngram_size > 0,
    onLogits((acc, ctx) => applyNoRepeatNgram(acc, ctx.state.tokens, ctx.params.no_repeat_ngram_size)),
  ),
  {
    ...processor(
      'suppress_tokens',
      ['suppress_tokens'],
      (p) => p.suppress_tokens.length > 0,
      onLogits((acc, ctx) => applySuppressTokens(acc, ctx.params.suppress_tokens)),
      false,
    ),
    errorParam: 'custom_token_bans',
  },
  processor(
    'logit_bias',
    ['logit_bias'],
    (p) => Object.keys(p.logit_bias).length > 0,
    onLogits((acc, ctx) => applyLogitBias(acc, ctx.params.logit_bias)),
    false,
  ),
  processor(
    'dry',
    ['dry_multiplier', 'dry_base', 'dry_allowed_length', 'dry_sequence_breakers', 'repetition_penalty_range'],
    (p) => p.dry_multiplier > 0,
    onLogits((acc, ctx) =>
      applyDry(acc, ctx.windowTokens(), {
        multiplier: ctx.params.dry_multiplier,
        base: ctx.params.dry_base,
        allowedLength: ctx.params.dry_allowed_length,
        breakers: ctx.params.dry_sequence_breakers,
      }),
    ),
  ),
  warper('temperature', 0, ['temperature'], (p) => p.temperature !== 1, applyTemperature),
  warper(
    'dynamic_temperature',
    9,
    ['dynamic_temperature', 'dynatemp_low', 'dynatemp_high', 'dynatemp_exponent'],
    (p) => p.dynamic_temperature,
    applyDynamicTemperature,
  ),
  warper('quadratic_sampling', 10, ['smoothing_factor', 'smoothing_curve'], (p) => p.smoothing_factor > 0, applyQuadratic),
  warper('top_k', 1, ['top_k'], (p) => p.top_k > 0, applyTopK),
  warper('top_p', 2, ['top_p'], (p) => p.top_p < 1, applyTopP),
  warper('typical_p', 4, ['typical_p'], (p) => p.typical_p < 1, applyTypicalP),
  warper('epsilon_cutoff', 5, ['epsilon_cutoff'], (p) => p.epsilon_cutoff > 0, applyEpsilon),
  warper('eta_cutoff', 6, ['eta_cutoff'], (p) => p.eta_cutoff > 0, applyEta),
  warper('tfs', 7, ['tfs'], (p) => p.tfs < 1, applyTfs),
  warper('top_a', 8, ['top_a'], (p) => p.top_a > 0, applyTopA),
  warper('min_p', 3, ['min_p'], (p) => p.min_p > 0, applyMinP),
  warper('adaptive_p', 13, ['adaptive_target', 'adaptive_decay'], (p) => p.adaptive_target > 0, applyAdaptiveP),
  warper(
    'mirostat',
    11,
    ['mirostat_mode', 'mirostat_tau', 'mirostat_eta'],
    (p) => p.mirostat_mode === 1 || p.mirostat_mode === 2,
    applyMirostat,
  ),
  warper('top_n_sigma', 12, ['top_n_sigma'], (p) => p.top_n_sigma > 0, applyTopNSigma),
  warper('xtc', 14, ['xtc_probability', 'xtc_threshold', 'eos_token_ids', 'newline_token_ids'], (p) => p.xtc_probability > 0, applyXtc),
];

/** Lookup by name; built once from the (immutable) table. */
const BY_NAME = new Map<StageName, Stage>(STAGES.map((s) => [s.name, s]));

/** The record of a stage. */
export function stage(name: StageName): Stage {
  return BY_NAME.get(name)!;
}

/** Whether `name` is a stage (sampler_priority may hold names of other versions). */
export function isStageName(name: string): name is StageName {
  return BY_NAME.has(name as StageName);
}
