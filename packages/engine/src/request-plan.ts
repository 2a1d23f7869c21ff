/**
 * From a normalized request to a generation plan: reject what the engine cannot honour,
 * tokenize and truncate the prompts, work out each prompt's token budget, and build the
 * sampler parameters.
 */
import type { SamplingParams } from '@textgen-spec/sampling';
import type { NormalizedCompletionRequest } from '@textgen-spec/spec';
import { randomSeed } from '@textgen-spec/sampling';
import type { GenerationPlan, PreparedPrompt } from './generation.js';
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
}

/**
 * Parameters of the advanced-decoding issue, not implemented yet: a non-default value is
 * rejected rather than silently ignored.
 */
const NOT_YET_SUPPORTED: { param: keyof NormalizedCompletionRequest; isDefault: (r: NormalizedCompletionRequest) => boolean }[] = [
  { param: 'grammar_string', isDefault: (r) => r.grammar_string === '' },
  { param: 'guidance_scale', isDefault: (r) => r.guidance_scale === 1 },
  { param: 'negative_prompt', isDefault: (r) => r.negative_prompt === '' },
  { param: 'penalty_alpha', isDefault: (r) => r.penalty_alpha === 0 },
  { param: 'prompt_lookup_num_tokens', isDefault: (r) => r.prompt_lookup_num_tokens === 0 },
  { param: 'max_tokens_second', isDefault: (r) => r.max_tokens_second === 0 },
  { param: 'preset', isDefault: (r) => r.preset === null },
];

function checkSupported(request: NormalizedCompletionRequest, info: ModelInfo): void {
  if (request.seed !== null && !Number.isSafeInteger(request.seed)) {
    throw new EngineRequestError(
      `seed must be an integer within +-${Number.MAX_SAFE_INTEGER} (got ${request.seed}): larger integers lose precision in JSON numbers.`,
      'seed',
      'invalid_value',
    );
  }
  for (const { param, isDefault } of NOT_YET_SUPPORTED) {
    if (!isDefault(request)) {
      throw new EngineRequestError(`${param} is not supported yet by this server`, param, 'unsupported_parameter');
    }
  }
  if (request.suffix !== null && !info.supportsInfill) {
    throw new EngineRequestError(`suffix is not supported: model ${info.id} cannot fill in the middle`, 'suffix', 'unsupported_parameter');
  }
}

function checkTokenIds(ids: Iterable<number>, vocabSize: number, param: string, what: string): void {
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new EngineRequestError(`${what} ${id} is outside the vocabulary (0..${vocabSize - 1})`, param, 'invalid_token_id');
    }
  }
}

/** Tokenizes one prompt and applies add_bos_token, truncation_length and the context limit. */
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
    tokens = model.encodePlain(prompt);
    if (model.addsBos && bos !== null) {
      // TGW: add BOS when asked and missing, never double it; drop it when not asked.
      if (request.add_bos_token && tokens[0] !== bos) tokens.unshift(bos);
      if (!request.add_bos_token) while (tokens[0] === bos) tokens.shift();
    }
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
  const suppress = new Set(request.custom_token_bans);
  if (request.ban_eos_token) for (const id of info.eosTokenIds) suppress.add(id);
  return {
    do_sample: request.do_sample,
    temperature: request.temperature,
    temperature_last: request.temperature_last,
    dynamic_temperature: request.dynamic_temperature,
    dynatemp_low: request.dynatemp_low,
    dynatemp_high: request.dynatemp_high,
    dynatemp_exponent: request.dynatemp_exponent,
    smoothing_factor: request.smoothing_factor,
    smoothing_curve: request.smoothing_curve,
    top_k: request.top_k,
    top_p: request.top_p,
    typical_p: request.typical_p,
    epsilon_cutoff: request.epsilon_cutoff,
    eta_cutoff: request.eta_cutoff,
    tfs: request.tfs,
    top_a: request.top_a,
    min_p: request.min_p,
    mirostat_mode: request.mirostat_mode,
    mirostat_tau: request.mirostat_tau,
    mirostat_eta: request.mirostat_eta,
    xtc_threshold: request.xtc_threshold,
    xtc_probability: request.xtc_probability,
    top_n_sigma: request.top_n_sigma,
    sampler_priority: request.sampler_priority,
    repetition_penalty: request.repetition_penalty,
    repetition_penalty_range: request.repetition_penalty_range,
    presence_penalty: request.presence_penalty,
    frequency_penalty: request.frequency_penalty,
    encoder_repetition_penalty: request.encoder_repetition_penalty,
    no_repeat_ngram_size: request.no_repeat_ngram_size,
    dry_multiplier: request.dry_multiplier,
    dry_base: request.dry_base,
    dry_allowed_length: request.dry_allowed_length,
    logit_bias: request.logit_bias,
    logprobs: request.logprobs,
    dry_sequence_breakers: request.dry_sequence_breakers.map((s) => model.encodePlain(s)).filter((ids) => ids.length > 0),
    suppress_tokens: [...suppress],
    eos_token_ids: [...info.eosTokenIds],
    newline_token_ids: model.newlineTokenIds,
    // best_of ranks candidates by mean token logprob, so it needs the logprob of every token.
    chosen_logprob: request.best_of > request.n,
  };
}

/** Validates a request against the model and turns it into a generation plan. */
export function planRequest(model: PlanningModel, request: NormalizedCompletionRequest): GenerationPlan {
  checkSupported(request, model.info);
  const sampling = samplingParams(model, request);
  const prompts = request.prompts.map((prompt, i) => preparePrompt(model, request, prompt, i));
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
  };
}
