/**
 * Contrastive search (penalty_alpha with top_k; Su et al. 2022, "A Contrastive Framework for
 * Neural Text Generation"), the ranking Hugging Face's `_ranking_fast` computes:
 *
 *   score(v) = (1 - alpha) * p(v) - alpha * max_j cos(h_v, h_j)
 *
 * for each of the top_k candidates v, where p is the softmax of the processed logits (over the
 * whole vocabulary), h_v the last hidden state the model computes when fed v, and h_j the last
 * hidden states of every earlier position of the context (prompt and generated tokens). The
 * candidate with the highest score is the next token.
 */
import { logSumExp, topLogprobs } from '@textgen-spec/sampling';

export interface ContrastiveCandidate {
  token: number;
  /** p(token): softmax of the processed logits over the whole vocabulary. */
  probability: number;
}

/**
 * The `k` most likely tokens of `processed` (best first; ties: lower id), leaving out tokens
 * at -Infinity (a grammar or a ban removed them: they are never candidates, even when fewer than
 * k tokens remain).
 */
export function topCandidates(processed: Float32Array, k: number): ContrastiveCandidate[] {
  const logZ = logSumExp(processed);
  return topLogprobs(processed, k, logZ)
    .filter((c) => c.logprob > -Infinity)
    .map((c) => ({ token: c.token, probability: Math.exp(c.logprob) }));
}

/** `v` scaled to unit length (a zero vector stays zero). */
export function normalized(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const norm = Math.sqrt(sum);
  const out = new Float32Array(v.length);
  if (norm > 0) for (let i = 0; i < v.length; i++) out[i] = v[i]! / norm;
  return out;
}

/**
 * The context's hidden states, kept unit-length, so that a cosine similarity is a dot product.
 */
export class HiddenContext {
  private readonly vectors: Float32Array[] = [];

  /** Adds a hidden state (copied and normalized). */
  push(hidden: Float32Array): void {
    this.vectors.push(normalized(hidden));
  }

  get length(): number {
    return this.vectors.length;
  }

  /** Largest cosine similarity between `hidden` and any state of the context (-1 when empty). */
  maxSimilarity(hidden: Float32Array): number {
    const h = normalized(hidden);
    let best = -1;
    for (const c of this.vectors) {
      let dot = 0;
      for (let i = 0; i < h.length; i++) dot += h[i]! * c[i]!;
      if (dot > best) best = dot;
    }
    return best;
  }
}

/**
 * Index of the best candidate: the highest (1 - alpha) * p - alpha * max similarity; the first
 * (most likely) wins ties, as `argmax` does in Hugging Face.
 */
export function selectContrastive(
  candidates: readonly ContrastiveCandidate[],
  similarities: readonly number[],
  alpha: number,
): number {
  let best = 0;
  let bestScore = -Infinity;
  candidates.forEach((c, i) => {
    const score = (1 - alpha) * c.probability - alpha * similarities[i]!;
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  });
  return best;
}
