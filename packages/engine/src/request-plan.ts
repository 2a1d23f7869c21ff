/**
 * From a normalized request to a generation plan: reject what the engine cannot honour,
 * tokenize and truncate the prompts, work out each prompt's token budget, and build the
 * sampler parameters.
 */
import type { GrammarConstraint, SamplingParams } from '@textgen-spec/sampling';
import type { NormalizedCompletionRequest } from '@textgen-spec/spec';
import { isGreedy, randomSeed, samplingParamsFromRequest } from '@textgen-spec/sampling';
import type { GenerationPlan, GuidancePlan, PreparedPrompt } from './generation-plan.js';
import { checkBounds, truncatableTail } from './request-bounds.js';
import { EngineRequestError, type ModelInfo } from './types.js';

/** What planning needs from the loaded model. */
export interface PlanningModel {
  info: ModelInfo;
  /** Encodes text without any special tokens. */
  encodePlain(text: string): number[];
  /** True when the tokenizer puts BOS in front of text (the model "uses" BOS). */
  addsBos: boolean;
  /** Token ids of a newline (XTC never removes them). */
  newlineTokenIds: number[];
  /** Compiles grammar_string for this vocabulary (cached); throws EngineRequestError. */
  compileGrammar(text: string): GrammarConstraint;
}

/** Most candidates contrastive search ranks per step: each one is a row of the batch, with its own cache copy. */
export const MAX_CONTRASTIVE_TOP_K = 32;
/** Most draft tokens prompt lookup verifies per step: each one adds a row of logits to the step. */
export const MAX_PROMPT_LOOKUP_TOKENS = 64;

function checkSupported(request: NormalizedCompletionRequest, info: ModelInfo): void {
  if (request.seed !== null && !Number.isSafeInteger(request.seed)) {
    throw new EngineRequestError(
      `seed must be an integer within +-${Number.MAX_SAFE_INTEGER} (got ${request.seed}): larger integers lose precision in JSON numbers.`,
      'seed',
      'invalid_value',
    );
  }
  // Presets live on the server, which applies one to the request and clears `preset`
  // before calling the engine; a name that still arrives here would otherwise be ignored.
  // (max_tokens_second is the server's too, and needs nothing here: it paces the delivery of
  // the events, while the engine generates at full speed.)
  if (request.preset !== null) {
    throw new EngineRequestError(
      `preset '${request.preset}' was not applied: presets are resolved by the server, and the engine only runs explicit sampler parameters`,
      'preset',
      'unsupported_parameter',
    );
  }
  if (request.suffix !== null && !info.supportsInfill) {
    throw new EngineRequestError(`suffix is not supported: model ${info.id} cannot fill in the middle`, 'suffix', 'unsupported_parameter');
  }
  checkCombinations(request, info);
}

/**
 * The advanced decoding modes and what they cannot be combined with. A combination that cannot
 * be honoured is a 400 naming the parameter that conflicts, never a silently dropped setting.
 */
function checkCombinations(request: NormalizedCompletionRequest, info: ModelInfo): void {
  const unsupported = (message: string, param: string) => new EngineRequestError(message, param, 'unsupported_parameter');
  const guidance = request.guidance_scale !== 1;
  const lookup = request.prompt_lookup_num_tokens > 0;
  if (!Number.isFinite(request.guidance_scale)) {
    throw new EngineRequestError('guidance_scale must be a finite number', 'guidance_scale', 'invalid_value');
  }
  if (request.penalty_alpha > 0) {
    const contrastive = 'penalty_alpha (contrastive search)';
    if (!info.exposesHiddenStates) {
      throw unsupported(
        `${contrastive} needs the model's last hidden state, and the graph of model ${info.id} has no last_hidden_state output`,
        'penalty_alpha',
      );
    }
    if (!isGreedy(request)) {
      throw unsupported(`${contrastive} is deterministic: send do_sample false (or temperature 0) with it`, 'penalty_alpha');
    }
    if (request.top_k < 1) {
      throw new EngineRequestError(`${contrastive} ranks the top_k most likely tokens: set top_k (e.g. 4)`, 'top_k', 'invalid_value');
    }
    if (request.top_k > MAX_CONTRASTIVE_TOP_K) {
      throw new EngineRequestError(`${contrastive} accepts top_k up to ${MAX_CONTRASTIVE_TOP_K} (got ${request.top_k})`, 'top_k', 'invalid_value');
    }
    if (request.n > 1) throw unsupported(`n > 1 cannot be combined with ${contrastive}: every choice would be the same`, 'n');
    if (request.best_of > 1) throw unsupported(`best_of > 1 cannot be combined with ${contrastive}: every candidate would be the same`, 'best_of');
    if (guidance) throw unsupported(`guidance_scale cannot be combined with ${contrastive}`, 'guidance_scale');
    if (lookup) throw unsupported(`prompt_lookup_num_tokens cannot be combined with ${contrastive}`, 'prompt_lookup_num_tokens');
  }
  if (request.prompt_lookup_num_tokens > MAX_PROMPT_LOOKUP_TOKENS) {
    throw new EngineRequestError(
      `prompt_lookup_num_tokens is limited to ${MAX_PROMPT_LOOKUP_TOKENS} draft tokens per step (got ${request.prompt_lookup_num_tokens})`,
      'prompt_lookup_num_tokens',
      'invalid_value',
    );
  }
  if (guidance && lookup) {
    throw unsupported('prompt_lookup_num_tokens cannot be combined with guidance_scale (classifier-free guidance)', 'prompt_lookup_num_tokens');
  }
}

function checkTokenIds(ids: Iterable<number>, vocabSize: number, param: string, what: string): void {
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new EngineRequestError(`${what} ${id} is outside the vocabulary (0..${vocabSize - 1})`, param, 'invalid_token_id');
    }
  }
}

/** Tokenizes a text prompt with TGW's add_bos_token rule: add BOS when asked and missing, never double it, drop it when not asked. */
export function encodeText(model: PlanningModel, text: string, addBos: boolean): number[] {
  const tokens = model.encodePlain(text);
  const bos = model.info.bosTokenId;
  if (model.addsBos && bos !== null) {
    if (addBos && tokens[0] !== bos) tokens.unshift(bos);
    // A prompt whose text already starts with BOS ("<s><s>..." from a template) keeps one.
    if (addBos) while (tokens.length > 1 && tokens[0] === bos && tokens[1] === bos) tokens.shift();
    if (!addBos) while (tokens[0] === bos) tokens.shift();
  }
  return tokens;
}

/**
 * Tokenizes one prompt and applies add_bos_token, truncation_length and the context limit.
 *
 * truncation_length and auto_max_new_tokens, exactly as TGW applies them
 * (`get_max_prompt_length` and `generate_reply_HF`):
 * - a prompt longer than `truncation_length - max_tokens` keeps its last that-many tokens (the
 *   oldest are dropped), so that max_tokens new tokens still fit; this uses the request's
 *   max_tokens even when auto_max_new_tokens is on;
 * - auto_max_new_tokens then allows `truncation_length - prompt tokens` new tokens instead of
 *   max_tokens (the whole rest of the window).
 * `truncation_length` 0 means the model's context length for the budget; a prompt is then never
 * truncated silently: one longer than the context is a 400 (OpenAI's behaviour), and one that
 * leaves less than max_tokens of room generates up to the end of the context ("length"). A
 * `truncation_length` above the context counts as the context. Every budget is finally capped
 * by the room left in the context.
 */
function preparePrompt(
  model: PlanningModel,
  request: NormalizedCompletionRequest,
  prompt: string | number[],
  index: number,
): PreparedPrompt {
  const { info } = model;
  const bos = info.bosTokenId;
  let tokens: number[];
  if (typeof prompt === 'string') {
    const text = request.truncation_length > 0 ? truncatableTail(prompt, info.contextLength, info) : prompt;
    tokens = encodeText(model, text, request.add_bos_token);
  } else {
    checkTokenIds(prompt, info.vocabSize, 'prompt', `prompt ${index}: token id`);
    tokens = [...prompt];
  }
  // An empty prompt still needs one position: OpenAI feeds <|endoftext|>.
  if (tokens.length === 0) tokens = [bos ?? info.eosTokenIds[0] ?? 0];

  const context = info.contextLength;
  const limit = request.truncation_length > 0 ? Math.min(request.truncation_length, context) : context;
  if (request.truncation_length > 0) {
    // TGW: keep the last truncation_length - max_new_tokens prompt tokens.
    const maxPrompt = limit - request.max_tokens;
    if (maxPrompt < 1) {
      throw new EngineRequestError(
        `max_tokens (${request.max_tokens}) leaves no room for the prompt within truncation_length (${limit})`,
        'max_tokens',
      );
    }
    if (tokens.length > maxPrompt) tokens = tokens.slice(tokens.length - maxPrompt);
  }
  if (tokens.length > context) {
    throw new EngineRequestError(
      `This model's maximum context length is ${context} tokens, but prompt ${index} has ${tokens.length} tokens. ` +
        'Shorten the prompt or set truncation_length to truncate it.',
      'prompt',
      'context_length_exceeded',
    );
  }
  const budget = request.auto_max_new_tokens ? limit - tokens.length : request.max_tokens;
  return { tokens, maxNewTokens: Math.max(0, Math.min(budget, context - tokens.length)) };
}

function samplingParams(model: PlanningModel, request: NormalizedCompletionRequest): SamplingParams {
  const { info } = model;
  checkTokenIds(Object.keys(request.logit_bias).map(Number), info.vocabSize, 'logit_bias', 'logit_bias token id');
  checkTokenIds(request.custom_token_bans, info.vocabSize, 'custom_token_bans', 'banned token id');
  return samplingParamsFromRequest(request, {
    eosTokenIds: info.eosTokenIds,
    newlineTokenIds: model.newlineTokenIds,
    drySequenceBreakers: request.dry_sequence_breakers.map((s) => breakerTokens(model, s)).filter((ids) => ids.length > 0),
  });
}

/**
 * A DRY sequence breaker's tokens as they read after other text, as TGW tokenizes them
 * (`encode('a' + breaker)` after the tokens of `'a'`), so a SentencePiece tokenizer adds no
 * word-start marker; a breaker that merges with the `'a'` falls back to its own tokens.
 */
function breakerTokens(model: PlanningModel, breaker: string): number[] {
  const prefix = model.encodePlain('a');
  const full = model.encodePlain('a' + breaker);
  const readsAfterPrefix = full.length > prefix.length && prefix.every((id, i) => full[i] === id);
  return readsAfterPrefix ? full.slice(prefix.length) : model.encodePlain(breaker);
}

/** Classifier-free guidance: the unconditional sequence's start, checked against the context. */
function guidancePlan(model: PlanningModel, request: NormalizedCompletionRequest, prompts: readonly PreparedPrompt[]): GuidancePlan | null {
  if (request.guidance_scale === 1) return null; // scale 1 is exactly no guidance, whatever negative_prompt says
  if (request.negative_prompt === '') return { scale: request.guidance_scale, negativeTokens: null };
  // TGW encodes the negative prompt like a prompt (BOS included), without truncation.
  const negativeTokens = encodeText(model, request.negative_prompt, request.add_bos_token);
  if (negativeTokens.length === 0) return { scale: request.guidance_scale, negativeTokens: null };
  const longest = Math.max(0, ...prompts.map((p) => p.maxNewTokens));
  if (negativeTokens.length + longest > model.info.contextLength) {
    throw new EngineRequestError(
      `negative_prompt has ${negativeTokens.length} tokens: with ${longest} new tokens it does not fit the model's context of ${model.info.contextLength}`,
      'negative_prompt',
      'context_length_exceeded',
    );
  }
  return { scale: request.guidance_scale, negativeTokens };
}

/** Validates a request against the model and turns it into a generation plan. */
export function planRequest(model: PlanningModel, request: NormalizedCompletionRequest): GenerationPlan {
  checkBounds(request, model.info);
  checkSupported(request, model.info);
  const sampling = samplingParams(model, request);
  const prompts = request.prompts.map((prompt, i) => preparePrompt(model, request, prompt, i));
  const grammar = request.grammar_string === '' ? null : model.compileGrammar(request.grammar_string);
  return {
    prompts,
    n: request.n,
    bestOf: Math.max(request.best_of, request.n),
    echo: request.echo,
    logprobs: request.logprobs,
    stop: request.stop,
    skipSpecialTokens: request.skip_special_tokens,
    seed: request.seed ?? randomSeed(),
    sampling,
    grammar,
    guidance: guidancePlan(model, request, prompts),
    contrastive: request.penalty_alpha > 0 ? { alpha: request.penalty_alpha, topK: request.top_k } : null,
    promptLookup: request.prompt_lookup_num_tokens,
  };
}
