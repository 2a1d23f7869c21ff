/**
 * `Engine.samplerTrace`: the next token after a prompt, through the request's sampler chain
 * stage by stage (`traceSamplerChain` of @textgen-spec/sampling), for the server's
 * `POST /v1/internal/sampler-trace` and the playground. One forward pass over the prompt.
 */
import { createSequenceState, traceSamplerChain } from '@textgen-spec/sampling';
import type { GenerationContext, GenerationPlan } from './generation-plan.js';
import { prefill } from './prefill.js';
import { EngineRequestError } from './types.js';
import type { SamplerTraceOptions, SamplerTraceResult } from './types.js';

export async function samplerTrace(ctx: GenerationContext, plan: GenerationPlan, options: SamplerTraceOptions): Promise<SamplerTraceResult> {
  // Both change the logits the chain starts from (a second model pass, a re-ranking): refused rather than left out.
  if (plan.guidance !== null) throw notTraced('guidance_scale', 'classifier-free guidance (guidance_scale other than 1)');
  if (plan.contrastive !== null) throw notTraced('penalty_alpha', 'contrastive search (penalty_alpha > 0)');
  const tokens = plan.prompts[0]!.tokens;
  const result = await prefill(ctx, tokens, null, options.signal);
  result.cache.dispose();
  const grammar = plan.grammar?.start();
  const mask = grammar ? (work: Float32Array) => grammar.mask(work) : undefined;
  const trace = traceSamplerChain(result.lastLogits, createSequenceState(tokens, plan.seed), plan.sampling, options.top, mask);
  return {
    promptTokens: tokens.length,
    greedy: trace.greedy,
    steps: trace.steps.map((step) => ({
      stage: step.stage,
      candidates: step.candidates,
      top: step.top.map(({ token, probability }) => ({ token, text: ctx.tokenString(token), probability })),
    })),
  };
}

function notTraced(param: string, what: string): EngineRequestError {
  return new EngineRequestError(`The sampler trace does not cover ${what}; trace without it.`, param, 'unsupported_parameter');
}
