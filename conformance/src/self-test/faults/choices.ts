/**
 * Faults of n, best_of, batches, token prompts, logit_bias, suffix and the OpenAI samplers.
 */
import { isObject, isCompletion, editBody, choices, envelope, ignoreParams } from './helpers.js';
import type { Fault } from './types.js';

/** suffix appended verbatim: the request goes up without it, the text comes back with it. */
function suffixAppended(): Fault {
  // State of this fault (FAULTS lives for the whole self-test): the request hook records the
  // suffix it removed, keyed by the rewritten body, so the response hook can append it.
  const suffixes = new WeakMap<object, string>();
  return {
    name: 'suffix-appended',
    description: 'suffix is appended to the generated text verbatim (TGW).',
    targets: ['suffix.insert'],
    request: (req) =>
      editBody(req, (b) => {
        if (typeof b.suffix === 'string') {
          suffixes.set(b, b.suffix);
          delete b.suffix;
        }
      }),
    response: (b, req) => {
      const suffix = isObject(req.body) ? suffixes.get(req.body) : undefined;
      if (suffix !== undefined) for (const c of choices(b)) c.text = String(c.text) + suffix;
      return b;
    },
  };
}

/** n, best_of, batches, token prompts, logit_bias, suffix and the OpenAI samplers, in catalogue order. */
export const CHOICE_FAULTS: readonly Fault[] = [
  // -- n, best_of, batch --------------------------------------------------------------------------
  ignoreParams(['n'], ['n.choices', 'n.stream', 'n.batch', 'best_of.returns-n'], 'n is accepted and ignored (TGW before 8aeaa763).'),
  ignoreParams(['best_of'], ['best_of.picks-best'], 'best_of is accepted and ignored: the plain sample comes back, not the best candidate (llama.cpp de3ff815).'),
  {
    name: 'best-of-rejected',
    description: 'The mere presence of best_of is rejected, even best_of 1 (llama.cpp, vLLM V1).',
    targets: ['best_of.one'],
    request: (req) => (isCompletion(req) && 'best_of' in req.body ? { status: 400, body: envelope('Unsupported param: best_of', 'invalid_request_error', 'best_of') } : undefined),
  },
  {
    name: 'batch-order',
    description: 'Choices of a batch come back in the wrong order.',
    targets: ['batch.strings'],
    response: (b, req) => {
      if (isCompletion(req) && Array.isArray(req.body.prompt) && typeof req.body.prompt[0] === 'string') {
        const cs = choices(b);
        const texts = cs.map((c) => c.text);
        texts.push(texts.shift());
        cs.forEach((c, i) => (c.text = texts[i]));
      }
      return b;
    },
  },
  {
    name: 'stream-index-zero',
    description: 'Every streamed chunk has index 0 (llama.cpp PR #20226).',
    targets: ['batch.stream'],
    events: (items) =>
      items.map((i) => {
        if (isObject(i)) for (const c of choices(i)) c.index = 0;
        return i;
      }),
  },
  {
    name: 'token-prompt-decoded-wrong',
    description: 'Token-array prompts are answered as if they were another text (TGW decodes them with tiktoken when `model` names an OpenAI model).',
    targets: ['token_prompts.equal-text', 'token_prompts.batch'],
    request: (req) =>
      editBody(req, (b) => {
        const p = b.prompt;
        if (Array.isArray(p) && p.length > 0 && (typeof p[0] === 'number' || Array.isArray(p[0]))) {
          b.prompt = typeof p[0] === 'number' ? 'Hello' : p.map(() => 'Hello');
        }
      }),
  },
  // -- logit_bias, suffix, sampling ---------------------------------------------------------------
  ignoreParams(['logit_bias'], ['logit_bias.force', 'logit_bias.ban']),
  suffixAppended(),
  ignoreParams(['suffix'], ['suffix.insert'], 'suffix is accepted and ignored (llama.cpp de3ff815).'),
  {
    name: 'suffix-key-rejected',
    description: 'The presence of `suffix` is rejected even when it is null (llama.cpp).',
    targets: ['suffix.null'],
    request: (req) => (isCompletion(req) && 'suffix' in req.body ? { status: 400, body: envelope('Unsupported param: suffix', 'invalid_request_error', 'suffix') } : undefined),
  },
  ignoreParams(['top_p'], ['sampling.top-p']),
  ignoreParams(['presence_penalty'], ['sampling.presence-penalty']),
  ignoreParams(['frequency_penalty'], ['sampling.frequency-penalty']),
];
