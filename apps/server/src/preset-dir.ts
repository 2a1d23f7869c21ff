/** Where the presets shipped with the server are (apps/server/presets/, next to dist/). */
import { fileURLToPath } from 'node:url';

/** The preset folder shipped with the server: text-generation-webui v1.14's presets. */
export const DEFAULT_PRESETS_DIR: string = fileURLToPath(new URL('../presets/', import.meta.url));
