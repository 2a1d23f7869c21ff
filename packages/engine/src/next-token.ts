/**
 * The distribution of the next token after a prompt (TGW's `/v1/internal/logits`): the model's
 * own (softmax of the raw logits) or the one the request's sampler chain leaves to draw from
 * (`useSamplers`, as TGW does with one generation step and its final scores).
 */
import { candidateDistribution, createSequenceState } from '@textgen-spec/sampling';
import type { GenerationContext, GenerationPlan } from './generation-plan.js';
import { prefill } from './prefill.js';
import type { NextTokenOptions, NextTokenProbability } from './types.js';

export async function nextTokenProbabilities(
  ctx: GenerationContext,
  plan: GenerationPlan,
  options: NextTokenOptions,
): Promise<NextTokenProbability[]> {
  const tokens = plan.prompts[0]!.tokens;
  const result = await prefill(ctx, tokens, null, options.signal);
  result.cache.dispose();
  const logits = result.lastLogits;
  if (!options.useSamplers) return named(ctx, softmaxRanked(logits), options.top);
  const grammar = plan.grammar?.start();
  const mask = grammar ? (work: Float32Array) => grammar.mask(work) : undefined;
  return named(ctx, candidateDistribution(logits, createSequenceState(tokens, plan.seed), plan.sampling, mask), options.top);
}

function named(ctx: GenerationContext, ranked: readonly { token: number; probability: number }[], top: number): NextTokenProbability[] {
  return ranked.slice(0, top).map(({ token, probability }) => ({ token, text: ctx.tokenString(token), probability }));
}

/** Softmax of the logits, most likely first (ties: lower id). */
function softmaxRanked(logits: Float32Array): { token: number; probability: number }[] {
  let max = -Infinity;
  for (const x of logits) if (x > max) max = x;
  let sum = 0;
  for (const x of logits) sum += Math.exp(x - max);
  const entries = Array.from(logits, (x, token) => ({ token, probability: Math.exp(x - max) / sum }));
  return entries.sort((a, b) => b.probability - a.probability || a.token - b.token);
}
