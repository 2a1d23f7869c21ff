/**
 * Real clients' request bodies, shipped with the runner as data: data/clients/*.json, written by
 * scripts/sillytavern-bodies.mjs from SillyTavern's own request-building code.
 */
import { existsSync, readFileSync } from 'node:fs';

export interface ClientBody {
  /** `<connection>-<preset>`, e.g. `ooba-default`. */
  id: string;
  /** The client's connection type (SillyTavern: ooba, koboldcpp, generic). */
  connection: string;
  /** The settings it was built with: `default` or a preset name. */
  preset: string;
  /** The JSON body as the client sends it to `POST /v1/completions`. */
  body: Record<string, unknown>;
}

export interface ClientBodies {
  client: string;
  version: string;
  bodies: ClientBody[];
}

const SILLYTAVERN_FILE = 'data/clients/sillytavern-1.19.0.json';

/** SillyTavern's bodies, from the package root's data/ (found from src/, dist/ or a scripts build). */
export function sillyTavernBodies(): ClientBodies {
  for (let up = '../'; up.length <= 5 * 3; up += '../') {
    const url = new URL(`${up}${SILLYTAVERN_FILE}`, import.meta.url);
    if (existsSync(url)) return JSON.parse(readFileSync(url, 'utf8')) as ClientBodies;
  }
  throw new Error(`${SILLYTAVERN_FILE} is missing from the conformance package`);
}
