/**
 * TGW's tokenizer endpoints: the text is tokenized as a completion prompt (BOS added when
 * the model uses one). The engine's EngineRequestError (e.g. an id outside the vocabulary)
 * becomes a 400 through error-mapping.ts, like every other failure.
 */
import { maxInputChars } from '@textgen-spec/engine';
import type { Engine } from '@textgen-spec/engine';
import { parseDecodeRequest, parseEncodeRequest, parseTokenCountRequest } from '@textgen-spec/spec';
import { ApiError } from './errors.js';
import { readValidated, sendJson } from './http.js';
import { reportingParser } from './ignored-fields.js';
import type { RequestContext } from './request-context.js';

export async function encode(context: RequestContext): Promise<void> {
  const engine = context.services.requireEngine();
  const request = await readValidated(context.req, context.res, context.services.config.maxBodyBytes, reportingParser(context, parseEncodeRequest));
  if (request === null) return;
  const tokens = await encodeBounded(engine, request.text);
  sendJson(context.res, 200, { tokens, length: tokens.length });
}

export async function decode(context: RequestContext): Promise<void> {
  const engine = context.services.requireEngine();
  const request = await readValidated(context.req, context.res, context.services.config.maxBodyBytes, reportingParser(context, parseDecodeRequest));
  if (request === null) return;
  const text = await engine.decode(request.tokens, { skipSpecialTokens: true });
  sendJson(context.res, 200, { text });
}

export async function tokenCount(context: RequestContext): Promise<void> {
  const engine = context.services.requireEngine();
  const request = await readValidated(context.req, context.res, context.services.config.maxBodyBytes, reportingParser(context, parseTokenCountRequest));
  if (request === null) return;
  const tokens = await encodeBounded(engine, request.text);
  sendJson(context.res, 200, { length: tokens.length });
}

/**
 * Tokenizes `text` unless it is longer than the model's whole context could be (context x the
 * longest token): such a text is a 400 without the seconds of work tokenizing it would cost.
 */
async function encodeBounded(engine: Engine, text: string): Promise<number[]> {
  const limit = maxInputChars(engine.info);
  if (text.length > limit) {
    throw new ApiError(
      400,
      `text has ${text.length} characters, more than the ${engine.info.contextLength}-token context of this model could hold (at most ${limit}); send it in parts.`,
      { param: 'text', code: 'context_length_exceeded' },
    );
  }
  return engine.encode(text, { addBos: true });
}
