/**
 * TGW's tokenizer endpoints: the text is tokenized as a completion prompt (BOS added when
 * the model uses one). The engine's EngineRequestError (e.g. an id outside the vocabulary)
 * becomes a 400 through error-mapping.ts, like every other failure.
 */
import { parseDecodeRequest, parseEncodeRequest, parseTokenCountRequest } from '@textgen-spec/spec';
import { readValidated, sendJson } from './http.js';
import { reportingParser } from './ignored-fields.js';
import type { RequestContext } from './request-context.js';

export async function encode(context: RequestContext): Promise<void> {
  const engine = context.services.requireEngine();
  const request = await readValidated(context.req, context.res, context.services.config.maxBodyBytes, reportingParser(context, parseEncodeRequest));
  if (request === null) return;
  const tokens = engine.encode(request.text, { addBos: true });
  sendJson(context.res, 200, { tokens, length: tokens.length });
}

export async function decode(context: RequestContext): Promise<void> {
  const engine = context.services.requireEngine();
  const request = await readValidated(context.req, context.res, context.services.config.maxBodyBytes, reportingParser(context, parseDecodeRequest));
  if (request === null) return;
  const text = engine.decode(request.tokens, { skipSpecialTokens: true });
  sendJson(context.res, 200, { text });
}

export async function tokenCount(context: RequestContext): Promise<void> {
  const engine = context.services.requireEngine();
  const request = await readValidated(context.req, context.res, context.services.config.maxBodyBytes, reportingParser(context, parseTokenCountRequest));
  if (request === null) return;
  const tokens = engine.encode(request.text, { addBos: true });
  sendJson(context.res, 200, { length: tokens.length });
}
