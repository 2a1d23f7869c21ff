/**
 * What the decode loop needs to run a request: the model side (`GenerationContext`) and the
 * request side (`GenerationPlan`, built by request-plan.ts from a normalized request).
 */
import type { GrammarConstraint, SamplingParams } from '@textgen-spec/sampling';
import type { TokenCodec } from './detokenizer.js';
import type { ModelRunner } from './model-runner.js';

export interface GenerationContext {
  runner: ModelRunner;
  codec: TokenCodec;
  /** Display string of one token, for top_logprobs keys. */
  tokenString(id: number): string;
  contextLength: number;
  eosTokenIds: ReadonlySet<number>;
}

export interface PreparedPrompt {
  /** Token ids fed to the model (already truncated, BOS applied). */
  tokens: number[];
  /** New tokens allowed for each choice of this prompt (already capped by the context). */
  maxNewTokens: number;
}

/** Classifier-free guidance (guidance_scale other than 1). */
export interface GuidancePlan {
  scale: number;
  /** Tokens the unconditional sequence starts from; null: the last token of each prompt. */
  negativeTokens: number[] | null;
}

/** Contrastive search (penalty_alpha > 0). */
export interface ContrastivePlan {
  alpha: number;
  /** Candidates ranked per step. */
  topK: number;
}

export interface GenerationPlan {
  prompts: PreparedPrompt[];
  n: number;
  bestOf: number;
  echo: boolean;
  logprobs: number | null;
  stop: readonly string[];
  skipSpecialTokens: boolean;
  seed: number;
  sampling: SamplingParams;
  /** grammar_string, compiled for the model's vocabulary; each sequence starts its own state. */
  grammar: GrammarConstraint | null;
  guidance: GuidancePlan | null;
  contrastive: ContrastivePlan | null;
  /** prompt_lookup_num_tokens: most draft tokens verified per step (0: off). */
  promptLookup: number;
}
