/**
 * Faults of seeds and determinism.
 */
import { isCompletion, editBody, choices, ignoreParams } from './helpers.js';
import type { Fault } from './types.js';

/** Seeds and determinism, in catalogue order. */
export const SEED_FAULTS: readonly Fault[] = [
  // -- seed ---------------------------------------------------------------------------------------
  {
    name: 'greedy-flaky',
    description: 'Identical greedy requests do not always give the same text (llama.cpp #2838, prompt cache).',
    targets: ['seed.greedy-repeatable'],
    response: (b, req, s) => {
      if (isCompletion(req) && req.body.temperature === 0 && s.requests % 2 === 0) for (const c of choices(b)) c.text = `${String(c.text)} again`;
      return b;
    },
  },
  ignoreParams(['seed'], ['seed.same-seed'], 'seed is accepted and ignored.'),
  {
    name: 'fixed-seed',
    description: 'Every request runs with the same seed, whatever it asks (TGW #6487, llama-cpp-python#1809).',
    targets: ['seed.different-seeds', 'seed.unseeded-varies'],
    request: (req) => editBody(req, (b) => void (b.seed = 1)),
  },
  {
    name: 'seed-lost-under-load',
    description: 'A seed is honoured only when the request runs alone (vllm#1595, #51226).',
    targets: ['seed.concurrent'],
    request: (req, s) => (s.inFlight > 1 ? editBody(req, (b) => void delete b.seed) : undefined),
  },
  {
    name: 'seed-shifted-under-load',
    description: 'Under load a request runs with another seed, the same for every copy (a per-slot or per-batch seed), so concurrent copies agree with each other but not with the answer given alone.',
    targets: ['seed.concurrent'],
    request: (req, s) => (s.inFlight > 1 ? editBody(req, (b) => void (typeof b.seed === 'number' && (b.seed += 1000))) : undefined),
  },
];
