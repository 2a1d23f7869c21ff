/**
 * Faults of the text-generation-webui extensions.
 */
import { DEFAULT_SAMPLER_PRIORITY } from '@textgen-spec/spec';
import { isObject, isCompletion, editBody, choices, ignoreParams } from './helpers.js';
import type { Fault, JsonObject } from './types.js';

/** Prompt lookup that changes the output: the parameter is dropped and the text altered. */
function promptLookupLossy(): Fault {
  // State of this fault (FAULTS lives for the whole self-test): the rewritten bodies whose
  // prompt_lookup_num_tokens was removed, so the response hook alters only their text.
  const marked = new WeakSet<object>();
  return {
    name: 'prompt-lookup-lossy',
    description: 'Prompt-lookup decoding accepts wrong draft tokens, so the text differs from plain decoding.',
    targets: ['ext.prompt_lookup_num_tokens'],
    request: (req) =>
      editBody(req, (b) => {
        if ('prompt_lookup_num_tokens' in b) {
          marked.add(b);
          delete b.prompt_lookup_num_tokens;
        }
      }),
    response: (b, req) => {
      if (isObject(req.body) && marked.has(req.body)) for (const c of choices(b)) c.text = String(c.text).split(' ').reverse().join(' ');
      return b;
    },
  };
}

/**
 * A throttle that sleeps while holding the generation lock (text-generation-webui): while a
 * max_tokens_second request is being paced, every other completion waits until it is done.
 * The proxy forwards the throttled request and holds the others until its estimated end.
 */
function throttleHoldsLock(): Fault {
  // State of this fault (FAULTS lives for the whole self-test): when the imitated generation
  // lock frees up. It is the point of the fault: requests must see each other through it.
  let busyUntil = 0;
  return {
    name: 'throttle-holds-lock',
    description: 'max_tokens_second sleeps while holding the generation lock, so other requests wait for the throttled one (TGW).',
    targets: ['ext.max_tokens_second_concurrent'],
    async request(req) {
      if (!isCompletion(req)) return;
      const rate = req.body.max_tokens_second;
      if (typeof rate === 'number' && rate > 0) {
        const tokens = typeof req.body.max_tokens === 'number' ? req.body.max_tokens : 16;
        busyUntil = Math.max(busyUntil, Date.now() + (tokens / rate) * 1000);
        return;
      }
      const wait = busyUntil - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    },
  };
}

/** Two of text-generation-webui's presets, for faults that apply them wrongly. */
const TGW_PRESETS: Record<string, JsonObject> = {
  'Debug-deterministic': { do_sample: false, top_k: 1 },
  'Null preset': { temperature: 1 },
};

/**
 * Sampler semantics that differ from TGW's on the constructed distributions of
 * checks/ext/semantics.ts (and the repetition penalty's window below 1). Each rewrites the
 * request into the one the imitated server would in effect run.
 */
const SEMANTICS_FAULTS: readonly Fault[] = [
  {
    name: 'tfs-on-survivors',
    description: 'tfs works on the candidates earlier samplers left (its second differences and its dropped last token among them), not on the whole sorted row: after top_k 3 it keeps only the top token (imitated: top_k 1 instead of tfs).',
    targets: ['ext.tfs_whole_row'],
    request: (req) =>
      editBody(req, (b) => {
        if (typeof b.tfs === 'number' && typeof b.top_k === 'number' && b.top_k === 3) {
          delete b.tfs;
          b.top_k = 1;
        }
      }),
  },
  {
    name: 'unnamed-in-default-order',
    description: 'Warpers that sampler_priority does not name run in the default priority order (typical_p before min_p), not in TGW\'s build order (min_p before typical_p).',
    targets: ['ext.sampler_priority_unnamed'],
    request: (req) =>
      editBody(req, (b) => {
        const named = b.sampler_priority;
        if (Array.isArray(named)) b.sampler_priority = [...named, ...DEFAULT_SAMPLER_PRIORITY.filter((n) => !named.includes(n))];
      }),
  },
  {
    name: 'temperature-last-v1.14',
    description: 'temperature_last moves temperature only when sampler_priority names it (TGW v1.14): an unnamed temperature stays first.',
    targets: ['ext.temperature_last_unnamed'],
    request: (req) =>
      editBody(req, (b) => {
        if (b.temperature_last === true && Array.isArray(b.sampler_priority) && !b.sampler_priority.includes('temperature')) delete b.temperature_last;
      }),
  },
  {
    name: 'mirostat-keeps-ties',
    description: 'Mirostat keeps every token tied with the most likely one (imitated: with two biased to an exact tie, mirostat is dropped, so both are drawn).',
    targets: ['ext.mirostat_tied_maxima'],
    request: (req) =>
      editBody(req, (b) => {
        const ties = isObject(b.logit_bias) ? Object.values(b.logit_bias).filter((v) => typeof v === 'number' && v >= 1e5).length : 0;
        if (b.mirostat_mode === 2 && ties >= 2) delete b.mirostat_mode;
      }),
  },
  {
    name: 'reward-ignores-range',
    description: 'repetition_penalty below 1 rewards every token of the context, ignoring repetition_penalty_range (TGW v1.14 runs transformers\' own processor there).',
    targets: ['ext.repetition_penalty_below_1'],
    request: (req) => editBody(req, (b) => void (typeof b.repetition_penalty === 'number' && b.repetition_penalty < 1 && (b.repetition_penalty_range = 0))),
  },
];

/** The text-generation-webui extensions, in catalogue order. */
export const EXT_FAULTS: readonly Fault[] = [
  // -- TGW extensions: accepted and ignored ---------------------------------------------------------
  ignoreParams(['top_k'], ['ext.top_k']),
  ignoreParams(['min_p'], ['ext.min_p']),
  ignoreParams(['tfs'], ['ext.tfs']),
  ignoreParams(['top_n_sigma'], ['ext.top_n_sigma']),
  ignoreParams(['do_sample'], ['ext.do_sample']),
  ignoreParams(['mirostat_mode'], ['ext.mirostat']),
  ignoreParams(['mirostat_eta'], ['ext.mirostat_eta']),
  ignoreParams(['dynamic_temperature'], ['ext.dynamic_temperature']),
  ignoreParams(['dynatemp_exponent'], ['ext.dynatemp_exponent']),
  ignoreParams(['smoothing_factor'], ['ext.smoothing_factor']),
  ignoreParams(['smoothing_curve'], ['ext.smoothing_curve']),
  ignoreParams(['typical_p'], ['ext.typical_p']),
  ignoreParams(['top_a'], ['ext.top_a']),
  ignoreParams(['xtc_probability'], ['ext.xtc']),
  ignoreParams(['xtc_threshold'], ['ext.xtc_threshold']),
  ignoreParams(['epsilon_cutoff'], ['ext.epsilon_cutoff']),
  ignoreParams(['eta_cutoff'], ['ext.eta_cutoff']),
  ignoreParams(['adaptive_target'], ['ext.adaptive_p']),
  ignoreParams(['temperature_last'], ['ext.temperature_last']),
  ignoreParams(['sampler_priority'], ['ext.sampler_priority']),
  ignoreParams(['repetition_penalty'], ['ext.repetition_penalty']),
  ignoreParams(['repetition_penalty_range'], ['ext.repetition_penalty_range']),
  ignoreParams(['encoder_repetition_penalty'], ['ext.encoder_repetition_penalty']),
  ignoreParams(['no_repeat_ngram_size'], ['ext.no_repeat_ngram_size']),
  ignoreParams(['dry_multiplier'], ['ext.dry']),
  ignoreParams(['dry_allowed_length'], ['ext.dry_allowed_length']),
  ignoreParams(['dry_base'], ['ext.dry_base']),
  ignoreParams(['dry_sequence_breakers'], ['ext.dry_sequence_breakers', 'ext.dry_sequence_breakers_string']),
  ignoreParams(['custom_token_bans'], ['ext.custom_token_bans']),
  ignoreParams(['ban_eos_token'], ['ext.ban_eos_token']),
  ignoreParams(['auto_max_new_tokens'], ['ext.auto_max_new_tokens']),
  ignoreParams(['truncation_length'], ['ext.truncation_length']),
  ignoreParams(['skip_special_tokens'], ['ext.skip_special_tokens']),
  ignoreParams(['grammar_string'], ['ext.grammar_string']),
  ignoreParams(['guidance_scale', 'negative_prompt'], ['ext.guidance_scale']),
  ignoreParams(['negative_prompt'], ['ext.negative_prompt']),
  ignoreParams(['penalty_alpha'], ['ext.penalty_alpha']),
  ignoreParams(['max_tokens_second'], ['ext.max_tokens_second', 'ext.max_tokens_second_concurrent']),
  ignoreParams(['preset'], ['ext.preset', 'ext.preset_unknown']),
  // -- TGW extensions: other deviations -------------------------------------------------------------
  ...SEMANTICS_FAULTS,
  {
    name: 'epsilon-read-raw',
    description: 'epsilon_cutoff is read as a probability instead of in 1e-4 units, so 3 removes every token but the top one.',
    targets: ['ext.epsilon_cutoff'],
    request: (req) => editBody(req, (b) => void (typeof b.epsilon_cutoff === 'number' && (b.epsilon_cutoff = Math.min(10_000, b.epsilon_cutoff * 10_000)))),
  },
  {
    name: 'sampler-priority-string-ignored',
    description: 'sampler_priority is honoured as a list but TGW\'s string form is ignored.',
    targets: ['ext.sampler_priority_string'],
    request: (req) => editBody(req, (b) => void (typeof b.sampler_priority === 'string' && delete b.sampler_priority)),
  },
  {
    name: 'invalid-grammar-dropped',
    description: 'A grammar that does not parse is dropped and the request answered without it (a server that logs the parse error and goes on).',
    targets: ['ext.grammar_string_invalid'],
    request: (req) =>
      editBody(req, (b) => {
        const g = b.grammar_string;
        if (typeof g === 'string' && (g.match(/\(/g) ?? []).length !== (g.match(/\)/g) ?? []).length) delete b.grammar_string;
      }),
  },
  {
    name: 'dry-breakers-string-ignored',
    description: 'dry_sequence_breakers must be an array; TGW\'s string form is ignored (llama.cpp).',
    targets: ['ext.dry_sequence_breakers_string'],
    request: (req) => editBody(req, (b) => void (typeof b.dry_sequence_breakers === 'string' && delete b.dry_sequence_breakers)),
  },
  promptLookupLossy(),
  throttleHoldsLock(),
  {
    name: 'preset-merged',
    description: 'A preset sets only the values it names and keeps the request\'s other sampler values (TGW resets them to default_preset()).',
    targets: ['ext.preset_resets'],
    request: (req) =>
      editBody(req, (b) => {
        const named = typeof b.preset === 'string' ? TGW_PRESETS[b.preset] : undefined;
        if (named) {
          Object.assign(b, named);
          delete b.preset;
        }
      }),
  },
  {
    name: 'bos-added-twice',
    description: 'add_bos_token adds a BOS token even when the prompt already has one, counting two more tokens.',
    targets: ['ext.add_bos_token'],
    response: (b, req) => {
      if (isObject(req.body) && req.body.add_bos_token === true && isObject(b.usage)) {
        b.usage = { ...b.usage, prompt_tokens: Number(b.usage.prompt_tokens) + 2, total_tokens: Number(b.usage.total_tokens) + 2 };
      }
      return b;
    },
  },
];
