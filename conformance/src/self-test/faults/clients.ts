/**
 * Faults of real clients' bodies (issue 12): servers that refuse what text-generation-webui
 * accepts.
 */
import { envelope, isCompletion } from './helpers.js';
import type { Fault } from './types.js';

export const CLIENT_FAULTS: Fault[] = [
  {
    name: 'rejects-unknown-fields',
    description: "Unknown request fields are a 400 unknown_parameter even in the compat profile (this project's server before issue 12; OpenAI).",
    targets: ['clients.sillytavern-ooba', 'clients.sillytavern-koboldcpp'],
    request: (req) => {
      if (!isCompletion(req) || !('api_type' in req.body)) return;
      const unknown = Object.keys(req.body).find((k) => k === 'api_type' || k === 'rep_pen' || k === 'max_new_tokens');
      if (unknown) return { status: 400, body: envelope(`Unknown parameter: ${unknown}.`, 'invalid_request_error', unknown, 'unknown_parameter') };
    },
  },
  {
    name: 'requires-model',
    description: 'A completion without `model` is a 400 (OpenAI, vLLM), though TGW ignores the field and SillyTavern leaves it out.',
    targets: ['clients.sillytavern-ooba', 'clients.sillytavern-koboldcpp', 'clients.sillytavern-generic'],
    request: (req) => {
      if (isCompletion(req) && !('model' in req.body)) {
        return { status: 400, body: envelope('Missing required parameter: model.', 'invalid_request_error', 'model', 'missing_required_parameter') };
      }
    },
  },
];
