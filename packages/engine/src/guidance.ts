/**
 * Classifier-free guidance (guidance_scale, negative_prompt), as Hugging Face's
 * `UnbatchedClassifierFreeGuidanceLogitsProcessor` computes it:
 *
 *   scores = guidance_scale * (log_softmax(cond) - log_softmax(uncond)) + log_softmax(uncond)
 *
 * `cond` are the logits of the request's own sequence, `uncond` those of an unconditional
 * sequence that starts from the negative prompt's tokens (or, when the negative prompt is
 * empty, from the last prompt token alone) and is extended with every sampled token. The
 * scores replace the logits before every other processor and warper (CFG is the first
 * processor Hugging Face installs). A scale of 1 gives log_softmax(cond): the same tokens as no
 * guidance at all, which is why the engine skips the second sequence then.
 */
import { logSumExp } from '@textgen-spec/sampling';

/**
 * Largest finite float32. A guided score beyond it (an extreme guidance_scale) is clamped to it,
 * as the sampler clamps its processors' results: +Infinity, which no softmax survives, never
 * reaches the sampler, and a candidate never becomes a removed token.
 */
const MAX_SCORE = 3.4028234663852886e38;

/**
 * Writes the guided scores of one position into `out` (same length as `cond`) and returns it.
 * Every score is finite or -Infinity: a token that either row rules out (-Infinity) stays out,
 * whatever the sign of the scale, and the rest are clamped into the finite float32 range.
 */
export function guidedScores(cond: Float32Array, uncond: Float32Array, scale: number, out: Float32Array): Float32Array {
  const zCond = logSumExp(cond);
  const zUncond = logSumExp(uncond);
  for (let i = 0; i < cond.length; i++) {
    const c = cond[i]! - zCond;
    const u = uncond[i]! - zUncond;
    const score = scale * (c - u) + u;
    // NaN: -Infinity met -Infinity or Infinity (a row ruled the token out).
    if (c === -Infinity || u === -Infinity || Number.isNaN(score)) out[i] = -Infinity;
    else out[i] = score > MAX_SCORE ? MAX_SCORE : score < -MAX_SCORE ? -MAX_SCORE : score;
  }
  return out;
}
