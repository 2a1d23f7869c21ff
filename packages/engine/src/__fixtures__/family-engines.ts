/** Test support: an engine on each family's tiny model (textgen-tiny-llama3, ...), loaded from its folder. */
import { ensureTinyModel, type ModelFamily } from '@textgen-spec/tiny-model';
import { loadEngine } from '../engine.js';
import type { LocalEngine } from '../types.js';

/** Loads the family's tiny model (generated into the cache on first use) as a local folder. */
export async function familyEngine(family: ModelFamily): Promise<LocalEngine> {
  return loadEngine({ model: await ensureTinyModel({ family }) });
}
