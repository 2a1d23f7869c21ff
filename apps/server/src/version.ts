/** The server's version, read once from package.json (the one source of it). */
import { createRequire } from 'node:module';

const packageJson = createRequire(import.meta.url)('../package.json') as { version: string };

/** The server's version (package.json). */
export const SERVER_VERSION: string = packageJson.version;
