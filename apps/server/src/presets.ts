/**
 * Server-side sampler presets, as text-generation-webui has them: one `<name>.yaml` file per
 * preset in a folder (the server ships TGW v1.14's set in apps/server/presets/).
 *
 * Applying a preset follows TGW (`load_preset` + `generate_params.update(preset)`): every
 * parameter of TGW's `default_preset()` (PRESET_PARAMETERS) is overwritten, with the preset's
 * value or with the default when the file does not name it; the rest of the request is kept.
 * The server applies the preset to the normalized request and clears `preset`, so the engine
 * never sees a preset name.
 *
 * Every file is read and validated when the server starts: a preset that would fail at
 * request time is a startup error naming the file and the parameter instead.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { PRESET_PARAMETERS, parseCompletionRequest } from '@textgen-spec/spec';
import type { NormalizedCompletionRequest, Preset, PresetList, PresetParameter, PresetValues } from '@textgen-spec/spec';
import { ConfigError } from './config.js';
import { ApiError } from './errors.js';

/** A preset folder or file the server cannot use; the message names the file and the parameter. */
export class PresetError extends ConfigError {
  constructor(message: string) {
    super(message);
    this.name = 'PresetError';
  }
}

/** The normalized values of every preset parameter. */
type PresetSettings = Pick<NormalizedCompletionRequest, PresetParameter>;

/** One loaded preset. */
export interface LoadedPreset {
  name: string;
  /** The parameters the file names, normalized. */
  values: Partial<PresetSettings>;
  /** What applying it sets: `values` over the defaults of every preset parameter. */
  applies: PresetSettings;
}

const PRESET_PARAMETER_SET: ReadonlySet<string> = new Set(PRESET_PARAMETERS);
const EXTENSION = '.yaml';

/** The presets of one folder, loaded and validated. */
export class PresetStore {
  readonly #presets: ReadonlyMap<string, LoadedPreset>;

  constructor(presets: Iterable<LoadedPreset> = []) {
    this.#presets = new Map([...presets].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((p) => [p.name, p]));
  }

  /** Loads every `*.yaml` file of `dir` (other files are ignored); throws PresetError. */
  static load(dir: string): PresetStore {
    let files: string[];
    try {
      if (!statSync(dir).isDirectory()) throw new Error('not a folder');
      files = readdirSync(dir).filter((file) => file.endsWith(EXTENSION) && file.length > EXTENSION.length);
    } catch (error) {
      throw new PresetError(`cannot read the presets folder ${dir}: ${(error as Error).message}`);
    }
    const presets = files.map((file) => {
      const path = join(dir, file);
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (error) {
        throw new PresetError(`cannot read preset ${path}: ${(error as Error).message}`);
      }
      return parsePreset(file.slice(0, -EXTENSION.length), text, path);
    });
    return new PresetStore(presets);
  }

  /** Preset names, sorted. */
  names(): string[] {
    return [...this.#presets.keys()];
  }

  get(name: string): LoadedPreset | undefined {
    return this.#presets.get(name);
  }

  /**
   * The request with its preset applied and `preset` cleared (the request itself when it
   * names none). An unknown name is a 400 naming `preset` that lists the available names.
   */
  apply(request: NormalizedCompletionRequest): NormalizedCompletionRequest {
    if (request.preset === null) return request;
    const preset = this.#presets.get(request.preset);
    if (preset === undefined) {
      const names = this.names();
      const available = names.length > 0 ? `Available presets: ${names.map((n) => `'${n}'`).join(', ')}.` : 'This server has no presets loaded.';
      throw new ApiError(400, `Unknown preset '${request.preset}'. ${available}`, { param: 'preset', code: 'unknown_preset' });
    }
    return { ...request, ...structuredClone(preset.applies), preset: null };
  }

  /** The body of `GET /v1/internal/presets`. */
  list(): PresetList {
    const data: Preset[] = [...this.#presets.values()].map((p) => ({
      object: 'preset',
      name: p.name,
      values: toWire(p.values),
      applies: toWire(p.applies),
    }));
    return { object: 'list', data };
  }
}

/**
 * Parses and validates one preset file. Each value must be one `POST /v1/completions`
 * accepts (compat profile, TGW's string forms included); `where` names the file in errors.
 */
export function parsePreset(name: string, text: string, where: string = `${name}${EXTENSION}`): LoadedPreset {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new PresetError(`preset ${where} is not valid YAML: ${(error as Error).message}`);
  }
  // An empty file is an empty preset: every parameter at its default.
  document ??= {};
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new PresetError(`preset ${where} must be a mapping of sampler parameters to values (got ${Array.isArray(document) ? 'a list' : typeof document})`);
  }
  const named = Object.keys(document);
  for (const key of named) {
    if (!PRESET_PARAMETER_SET.has(key)) {
      throw new PresetError(`preset ${where}: "${key}" is not a preset parameter. A preset may set: ${PRESET_PARAMETERS.join(', ')}.`);
    }
  }
  const parsed = parseCompletionRequest({ prompt: '', ...document }, { profile: 'compat' });
  if (!parsed.ok) {
    const { message, param } = parsed.error.error;
    throw new PresetError(`preset ${where}: ${param === null ? '' : `${param}: `}${message}`);
  }
  const applies = pick(parsed.value, PRESET_PARAMETERS);
  const values = pick(parsed.value, PRESET_PARAMETERS.filter((p) => named.includes(p)));
  return { name, values, applies };
}

function pick<K extends PresetParameter>(request: PresetSettings, keys: readonly K[]): Pick<PresetSettings, K> {
  const out = {} as Pick<PresetSettings, K>;
  for (const key of keys) out[key] = structuredClone(request[key]);
  return out;
}

/** Normalized preset values are valid request values already; only the type differs. */
function toWire(settings: Partial<PresetSettings>): PresetValues {
  return structuredClone(settings) as PresetValues;
}

