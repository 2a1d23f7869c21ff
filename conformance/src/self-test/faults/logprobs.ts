/**
 * Faults of echo and logprobs.
 */
import { isObject, choices, wantsLogprobs, ignoreParams, mapLogprobs } from './helpers.js';
import type { Fault, JsonObject } from './types.js';

/** A legacy logprobs object with every logprob (chosen and alternatives) multiplied by `factor`. */
function scaleLogprobs(lp: JsonObject, factor: number): JsonObject {
  const scale = (v: unknown) => (typeof v === 'number' ? v * factor : v);
  return {
    ...lp,
    token_logprobs: Array.isArray(lp.token_logprobs) ? lp.token_logprobs.map(scale) : lp.token_logprobs,
    top_logprobs: Array.isArray(lp.top_logprobs) ? lp.top_logprobs.map((t) => (isObject(t) ? Object.fromEntries(Object.entries(t).map(([k, v]) => [k, scale(v)])) : t)) : lp.top_logprobs,
  };
}

/** Echo and logprobs, in catalogue order. */
export const LOGPROBS_FAULTS: readonly Fault[] = [
  // -- echo --------------------------------------------------------------------------------------
  ignoreParams(['echo'], ['echo.plain', 'echo.stream', 'echo.logprobs', 'echo.max-tokens-zero'], 'echo is accepted and ignored (llama.cpp before PR #15189 rejected it; silently ignoring it breaks evaluation harnesses).'),
  {
    name: 'echo-first-logprob-zero',
    description: 'With echo, the first prompt token gets logprob 0 instead of null (nothing predicts it).',
    targets: ['echo.logprobs'],
    response: (b) => {
      mapLogprobs(b, (lp) => {
        if (Array.isArray(lp.token_logprobs) && lp.token_logprobs[0] === null) lp.token_logprobs[0] = 0;
        return lp;
      });
      return b;
    },
  },
  // -- logprobs ------------------------------------------------------------------------------------
  {
    name: 'logprobs-when-not-asked',
    description: 'Choices carry `{"top_logprobs": [{}]}` when logprobs were not requested (TGW v1.14, 8aeaa763).',
    targets: ['logprobs.absent-null'],
    response: (b, req) => {
      if (!wantsLogprobs(req)) for (const c of choices(b)) c.logprobs = { top_logprobs: [{}] };
      return b;
    },
  },
  {
    name: 'logprobs-misaligned',
    description: 'token_logprobs is one entry short (an off-by-one in the logprob capture).',
    targets: ['logprobs.aligned'],
    response: (b) => {
      mapLogprobs(b, (lp) => ({ ...lp, token_logprobs: Array.isArray(lp.token_logprobs) ? lp.token_logprobs.slice(0, -1) : lp.token_logprobs }));
      return b;
    },
  },
  {
    name: 'top-logprobs-extra',
    description: 'top_logprobs has one alternative too many (TGW fb1b3b6d).',
    targets: ['logprobs.top-count'],
    response: (b) => {
      mapLogprobs(b, (lp) => ({ ...lp, top_logprobs: Array.isArray(lp.top_logprobs) ? lp.top_logprobs.map((t) => (isObject(t) ? { ...t, '⟪extra⟫': -30, '⟪extra2⟫': -31 } : t)) : lp.top_logprobs }));
      return b;
    },
  },
  {
    name: 'logprobs-after-penalty',
    description: 'The reported token logprob is not the one the chosen token had (captured at another point of the sampler chain).',
    targets: ['logprobs.greedy-consistent'],
    response: (b) => {
      mapLogprobs(b, (lp) => ({ ...lp, token_logprobs: Array.isArray(lp.token_logprobs) ? lp.token_logprobs.map((v) => (typeof v === 'number' ? v - 0.5 : v)) : lp.token_logprobs }));
      return b;
    },
  },
  {
    name: 'logprobs-scaled',
    description: 'Every logprob is halved: the order of the alternatives is kept, but their probabilities sum to more than 1 (a temperature or log-base mix-up).',
    targets: ['logprobs.distribution'],
    response: (b) => {
      mapLogprobs(b, (lp) => scaleLogprobs(lp, 0.5));
      return b;
    },
  },
  {
    name: 'logprobs-scaled-up',
    description: 'Every logprob is doubled: the order is kept and the alternatives still sum to less than 1, but every gap between two tokens is twice the logit difference (a log base or temperature mix-up).',
    targets: ['logprobs.logit-bias-gap'],
    response: (b) => {
      mapLogprobs(b, (lp) => scaleLogprobs(lp, 2));
      return b;
    },
  },
  {
    name: 'logprobs-length-dependent',
    description: 'Logprobs are scaled by 8 / max_tokens, so the same position gets other values in a shorter request (a normalisation by the request length).',
    targets: ['logprobs.consistent'],
    response: (b, req) => {
      const max = isObject(req.body) && typeof req.body.max_tokens === 'number' && req.body.max_tokens > 0 ? req.body.max_tokens : 8;
      mapLogprobs(b, (lp) => scaleLogprobs(lp, 8 / max));
      return b;
    },
  },
  {
    name: 'sampled-token-dropped',
    description: 'When sampling, top_logprobs holds only the `logprobs` most likely tokens, so a sampled token outside them is missing (OpenAI always adds it).',
    targets: ['logprobs.sampled-in-top'],
    response: (b, req) => {
      const k = isObject(req.body) && typeof req.body.logprobs === 'number' ? Math.max(1, req.body.logprobs) : 1;
      if (!isObject(req.body) || req.body.temperature === 0) return b;
      mapLogprobs(b, (lp) => ({
        ...lp,
        top_logprobs: Array.isArray(lp.top_logprobs)
          ? lp.top_logprobs.map((t) => (isObject(t) ? Object.fromEntries(Object.entries(t).sort((x, y) => Number(y[1]) - Number(x[1])).slice(0, k)) : t))
          : lp.top_logprobs,
      }));
      return b;
    },
  },
  {
    name: 'text-offset-shifted',
    description: 'text_offset is off by one after the first token (vLLM PR #47815).',
    targets: ['logprobs.text-offset', 'echo.logprobs'],
    response: (b) => {
      mapLogprobs(b, (lp) => ({ ...lp, text_offset: Array.isArray(lp.text_offset) ? lp.text_offset.map((v, i) => (i > 0 ? Number(v) + 1 : v)) : lp.text_offset }));
      return b;
    },
  },
  {
    name: 'stream-logprobs-incomplete',
    description: 'Streamed chunks carry the logprobs of their first token only.',
    targets: ['logprobs.stream'],
    events: (items) =>
      items.map((i) => {
        if (!isObject(i)) return i;
        for (const c of choices(i)) {
          const lp = c.logprobs;
          if (isObject(lp) && Array.isArray(lp.tokens) && lp.tokens.length > 1) {
            c.logprobs = {
              tokens: lp.tokens.slice(0, 1),
              token_logprobs: (lp.token_logprobs as unknown[]).slice(0, 1),
              top_logprobs: (lp.top_logprobs as unknown[]).slice(0, 1),
              text_offset: (lp.text_offset as unknown[]).slice(0, 1),
            };
          } else if (isObject(lp) && Array.isArray(lp.token_logprobs) && lp.token_logprobs.length === 1 && typeof lp.token_logprobs[0] === 'number') {
            lp.token_logprobs = [lp.token_logprobs[0] - 0.25];
          }
        }
        return i;
      }),
  },
  {
    name: 'chat-style-logprobs',
    description: 'logprobs come in the chat format `{"content": [...]}` (llama.cpp on /v1/completions).',
    targets: ['logprobs.format', 'logprobs.aligned'],
    response: (b) => {
      mapLogprobs(b, (lp) => ({
        content: (Array.isArray(lp.tokens) ? lp.tokens : []).map((t, i) => {
          const top = Array.isArray(lp.top_logprobs) ? lp.top_logprobs[i] : undefined;
          return { token: t, logprob: (lp.token_logprobs as unknown[])[i], top_logprobs: isObject(top) ? Object.entries(top).map(([token, logprob]) => ({ token, logprob })) : [] };
        }),
      }));
      return b;
    },
  },
];
