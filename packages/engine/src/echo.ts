/**
 * echo: the prompt shown in front of each choice, as text (the token pieces joined) and, with
 * logprobs, as a logprobs slice scored from the prefill (the first token has no prediction).
 */
import { topLogprobsRecord } from './choice-output.js';
import { IncrementalDetokenizer, codePointLength } from './detokenizer.js';
import type { GenerationContext, GenerationPlan } from './generation-plan.js';
import type { PrefillResult } from './prefill.js';
import type { LogprobsSlice } from './types.js';

export interface EchoedPrompt {
  text: string;
  logprobs: LogprobsSlice | null;
}

/** The echoed prompt; `prefillResult` must hold the prompt's scores when logprobs is set. */
export function echoPrompt(
  ctx: GenerationContext,
  tokens: readonly number[],
  plan: GenerationPlan,
  prefillResult: PrefillResult | null,
): EchoedPrompt {
  const detokenizer = new IncrementalDetokenizer(ctx.codec, plan.skipSpecialTokens);
  const pieces = tokens.map((id) => detokenizer.push(id));
  const rest = detokenizer.flush();
  if (rest !== '' && pieces.length > 0) pieces[pieces.length - 1] += rest;
  const text = pieces.join('');
  if (plan.logprobs === null) return { text, logprobs: null };
  const slice: LogprobsSlice = { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] };
  let offset = 0;
  pieces.forEach((piece, i) => {
    slice.tokens.push(piece);
    slice.text_offset.push(offset);
    offset += codePointLength(piece);
    if (i === 0) {
      slice.token_logprobs.push(null);
      slice.top_logprobs.push(null);
    } else {
      const score = prefillResult!.scores[i - 1]!;
      slice.token_logprobs.push(score.logprob);
      slice.top_logprobs.push(topLogprobsRecord(ctx.tokenString, score.top, tokens[i]!, score.logprob));
    }
  });
  return { text, logprobs: slice };
}
