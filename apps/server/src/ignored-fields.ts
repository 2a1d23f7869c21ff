/**
 * Request fields the server ignores, never silently: unknown top-level fields (compat, as TGW's
 * pydantic models drop them; `--unknown-fields` chooses) and, in compat, a `model` name the
 * server does not serve. They are named in the `X-Textgen-Ignored-Fields` response header
 * (comma-separated, streamed responses included) and in the request's log line.
 */
import type { ParseOptions, ParseResult } from '@textgen-spec/spec';
import type { ServerConfig } from './config.js';
import type { RequestContext } from './request-context.js';

/** The response header that names the ignored request fields. */
export const IGNORED_FIELDS_HEADER = 'X-Textgen-Ignored-Fields';

/** The spec parser's options for this server's profile and unknown-field policy. */
export function parseOptionsFor(config: Pick<ServerConfig, 'profile' | 'unknownFields'>): ParseOptions {
  return config.unknownFields === null ? { profile: config.profile } : { profile: config.profile, unknownFields: config.unknownFields };
}

/** Adds fields to the request's ignored list and (re)sets the header, before the response starts. */
export function reportIgnored(context: RequestContext, fields: readonly string[]): void {
  if (fields.length === 0) return;
  const all = [...(context.ignoredFields ?? []), ...fields];
  context.ignoredFields = all;
  if (!context.res.headersSent) context.res.setHeader(IGNORED_FIELDS_HEADER, all.join(', '));
}

/**
 * Wraps a spec parser with this server's options; a successful parse reports its ignored fields
 * on the request.
 */
export function reportingParser<T>(
  context: RequestContext,
  parse: (body: unknown, options: ParseOptions) => ParseResult<T>,
): (body: unknown) => ParseResult<T> {
  return (body) => {
    const result = parse(body, parseOptionsFor(context.services.config));
    if (result.ok && result.ignored) reportIgnored(context, result.ignored);
    return result;
  };
}
