// The request composer, generated from the spec's JSON Schema of the completion request: one
// field per parameter, with its description, default and range in each profile, grouped as
// docs/api.md groups them (OpenAI's parameters, then text-generation-webui's extensions).
// A field left empty is not sent, so the server applies its own default.

/** Values the page starts with, so that a first Send streams tokens with logprobs. */
const STARTING_VALUES = { prompt: 'The capital of France is', max_tokens: '24', stream: 'true', logprobs: '5', seed: '1', top_k: '10', min_p: '0.002' };

/** The schema types a property accepts ($ref and anyOf resolved one level). */
function typesOf(prop, definitions) {
  const out = new Set();
  const visit = (s) => {
    if (s.$ref) return visit(definitions[s.$ref.split('/').pop()] ?? {});
    for (const t of [s.type ?? []].flat()) out.add(t);
    for (const alt of s.anyOf ?? []) visit(alt);
    if (s.type === undefined && s.anyOf === undefined) out.add('json');
  };
  visit(prop);
  out.delete('null');
  return out;
}

/** How a field is edited: number, integer, boolean, choice (enum), text, prompt or json. */
function kindOf(name, prop, definitions) {
  if (name === 'prompt') return 'prompt';
  if (prop.enum) return 'choice';
  const types = [...typesOf(prop, definitions)];
  if (types.length === 1 && ['number', 'integer', 'boolean', 'string'].includes(types[0])) {
    return types[0] === 'string' ? 'text' : types[0];
  }
  return 'json';
}

/** "0 to 1", ">= 0", "> 0" or "any". */
function rangeOf(prop) {
  const lo = prop.minimum !== undefined ? prop.minimum : prop.exclusiveMinimum;
  const loOp = prop.minimum !== undefined ? '>=' : '>';
  if (lo !== undefined && prop.maximum !== undefined) return `${lo} to ${prop.maximum}`;
  if (lo !== undefined) return `${loOp} ${lo}`;
  if (prop.maximum !== undefined) return `<= ${prop.maximum}`;
  return 'any';
}

function defaultOf(prop) {
  if (prop['x-default-from']) return `same as ${prop['x-default-from']}`;
  if (prop.default === undefined) return 'none';
  return JSON.stringify(prop.default);
}

function element(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') el.className = v;
    else el.setAttribute(k, v);
  }
  el.append(...children);
  return el;
}

function input(name, kind, prop) {
  const id = `field-${name}`;
  if (kind === 'prompt') return element('textarea', { id, name, rows: '4' });
  if (kind === 'boolean' || kind === 'choice') {
    const select = element('select', { id, name });
    select.append(element('option', { value: '' }, `default (${defaultOf(prop)})`));
    for (const v of kind === 'boolean' ? [true, false] : prop.enum) select.append(element('option', { value: String(v) }, String(v)));
    return select;
  }
  if (kind === 'number' || kind === 'integer') {
    const attrs = { id, name, type: 'number', step: kind === 'integer' ? '1' : 'any', placeholder: defaultOf(prop) };
    if (prop.minimum !== undefined) attrs.min = String(prop.minimum);
    if (prop.maximum !== undefined) attrs.max = String(prop.maximum);
    return element('input', attrs);
  }
  const attrs = { id, name, type: 'text', placeholder: kind === 'json' ? `JSON, default ${defaultOf(prop)}` : defaultOf(prop) };
  if (name === 'preset') attrs.list = 'preset-names';
  const field = element('input', attrs);
  if (name !== 'preset') return field;
  return element('span', {}, field, element('datalist', { id: 'preset-names' })); // filled by app.js from the server's presets
}

function field(name, strict, compat, profile, definitions) {
  const prop = profile === 'strict' ? strict : compat;
  const kind = kindOf(name, prop, definitions);
  const description = (prop.description ?? '').replace(/\s+/g, ' ').trim();
  const [summary] = description.split(/(?<=\.)\s/);
  const rs = rangeOf(strict);
  const rc = rangeOf(compat);
  const range = rs === rc ? `range ${rs}` : `strict ${rs} · compat ${rc}`;
  const later = prop['x-textgen'] === 'later' ? ' · after TGW v1.14' : '';
  const help = element('span', { id: `help-${name}`, class: 'help' }, `${summary} Default ${defaultOf(prop)} · ${range}${later}.`);
  const control = input(name, kind, prop);
  const target = control.tagName === 'SPAN' ? control.firstChild : control;
  target.setAttribute('aria-describedby', `help-${name}`);
  target.dataset.kind = kind;
  const row = element('div', { class: `field field-${kind}` }, element('label', { for: `field-${name}` }, name), control, help);
  if (summary !== description) row.append(element('details', { class: 'more' }, element('summary', {}, `More on ${name}`), description));
  return row;
}

/**
 * Builds the form into `container` from the schema document of GET /playground/schema.json
 * (`{profile, schemas: {strict, compat}}`); returns a reader of the body.
 */
export function buildComposer(container, schemaDoc) {
  const { profile, schemas } = schemaDoc;
  const own = schemas[profile];
  const names = Object.keys(own.properties);
  const groups = [
    ['OpenAI parameters', names.filter((n) => own.properties[n]['x-textgen'] === undefined)],
    ['text-generation-webui extensions', names.filter((n) => own.properties[n]['x-textgen'] !== undefined)],
  ];
  container.replaceChildren(element('p', { class: 'profile' }, `Validation profile of this server: ${profile}. Ranges are shown for both profiles.`));
  for (const [title, members] of groups) {
    const set = element('fieldset', {}, element('legend', {}, title));
    for (const name of members) {
      set.append(field(name, schemas.strict.properties[name], schemas.compat.properties[name], profile, own.definitions ?? {}));
    }
    container.append(set);
  }
  const controls = () => [...container.querySelectorAll('[data-kind]')];
  const reset = () => {
    for (const c of controls()) c.value = STARTING_VALUES[c.name] ?? '';
  };
  reset();
  return { read: () => readBody(controls()), reset, required: own.required ?? [] };
}

/** The request body: the fields that have a value, parsed by kind. */
function readBody(controls) {
  const body = {};
  for (const c of controls) {
    const raw = c.value;
    if (raw === '' && c.name !== 'prompt') continue;
    const kind = c.dataset.kind;
    if (kind === 'number' || kind === 'integer' || kind === 'choice') body[c.name] = Number(raw);
    else if (kind === 'boolean') body[c.name] = raw === 'true';
    else if (kind === 'json') body[c.name] = parseLoose(raw);
    else body[c.name] = raw;
  }
  return body;
}

/** JSON when it parses (lists, objects, numbers), else the text itself (the compat string forms). */
function parseLoose(raw) {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
