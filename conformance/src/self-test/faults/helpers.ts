/**
 * Small tools the fault definitions share: reading and rewriting bodies, choices, streams.
 */
import type { Fault, JsonObject, ProxyRequest, SseItem } from './types.js';

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isCompletion(req: ProxyRequest): req is ProxyRequest & { body: JsonObject } {
  return req.method === 'POST' && req.path.startsWith('/v1/completions') && isObject(req.body);
}

/** Returns the request with a rewritten copy of its JSON body (completions only). */
export function editBody(req: ProxyRequest, edit: (body: JsonObject) => void): ProxyRequest | void {
  if (!isCompletion(req)) return;
  const body = structuredClone(req.body);
  edit(body);
  return { ...req, body };
}

export function choices(obj: JsonObject): JsonObject[] {
  return Array.isArray(obj.choices) ? obj.choices.filter(isObject) : [];
}

export function chunks(items: SseItem[]): JsonObject[] {
  return items.filter(isObject);
}

export function envelope(message: string, type = 'invalid_request_error', param: string | null = null, code: string | null = null) {
  return { error: { message, type, param, code } };
}

/** Whether a request asked for logprobs. */
export function wantsLogprobs(req: ProxyRequest): boolean {
  return isObject(req.body) && typeof req.body.logprobs === 'number';
}

/** Rebuilds a single-choice stream so that index 0's text is `text`, ending with `finish`. */
export function restream(items: SseItem[], text: string, finish: string): SseItem[] {
  const out: SseItem[] = [];
  let left = text;
  let template: JsonObject | undefined;
  for (const item of items) {
    if (!isObject(item)) continue;
    const cs = choices(item);
    if (cs.length === 0) {
      out.push(item);
      continue;
    }
    template ??= item;
    const c = cs[0]!;
    const piece = typeof c.text === 'string' ? c.text : '';
    if (left.length === 0) continue;
    const take = left.startsWith(piece) ? piece : left;
    left = left.slice(take.length);
    out.push({ ...item, choices: [{ ...c, text: take, logprobs: null, finish_reason: null }] });
  }
  if (template) {
    const c = choices(template)[0]!;
    const last: JsonObject = { ...template, choices: [{ ...c, text: left, logprobs: null, finish_reason: finish }] };
    const usageAt = out.findIndex((i) => isObject(i) && choices(i).length === 0);
    if (usageAt >= 0) out.splice(usageAt, 0, last);
    else out.push(last);
  }
  out.push('[DONE]');
  return out;
}

export function streamText(items: SseItem[]): string {
  return chunks(items)
    .flatMap((c) => choices(c))
    .filter((c) => (c.index ?? 0) === 0)
    .map((c) => (typeof c.text === 'string' ? c.text : ''))
    .join('');
}

/** Removes parameters from completion requests: a server that accepts and ignores them. */
export function ignoreParams(params: string[], targets: string[], description?: string): Fault {
  return {
    name: `ignore-${params.join('+')}`,
    description: description ?? `Accepts ${params.join(', ')} and ignores ${params.length > 1 ? 'them' : 'it'} (the worst way to not support a parameter).`,
    targets,
    request: (req) =>
      editBody(req, (b) => {
        for (const p of params) delete b[p];
      }),
  };
}

/** Turns every choice's legacy logprobs object into something else. */
export function mapLogprobs(body: JsonObject, fn: (lp: JsonObject) => unknown): void {
  for (const c of choices(body)) if (isObject(c.logprobs)) c.logprobs = fn(c.logprobs);
}
