/**
 * ensureTinyModel: the generated model, from a cache folder, generating it on first use.
 *
 * Safe when several processes (or several calls in one process) ask at once: each generator
 * writes into its own temporary folder next to the final one and then renames it into place,
 * which is atomic. A caller therefore sees either no folder or a complete one; a caller that
 * loses the race throws its copy away and uses the winner's.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORPUS_TEXT } from './corpus.js';
import { FAMILY_SPECS, isModelFamily, type ModelFamily } from './families.js';
import { writeFamilyModel } from './family-files.js';
import { VARIANT_SPECS, isTinyModelVariant, type TinyModelVariant } from './variants.js';
import { BIGRAM_OPTIONS, GENERATOR_VERSION, MANIFEST_FILE, writeTinyModel, type TinyModelManifest } from './write-model.js';

export interface EnsureTinyModelOptions {
  variant?: TinyModelVariant;
  /**
   * A model family (llama3, qwen3, gemma3, llama2) instead of the GPT-2 default: the folder is
   * `<cacheDir>/tiny-model/<family>-<key>`. `variant` must then be left out.
   */
  family?: ModelFamily;
  /**
   * Cache root; the model goes to `<cacheDir>/tiny-model/<variant>-<key>`. Defaults to
   * $TEXTGEN_CACHE_DIR, else `<repository root>/.cache` when this package runs from the
   * textgen-spec workspace, else `$XDG_CACHE_HOME/textgen-spec` (or `~/.cache/textgen-spec`).
   */
  cacheDir?: string;
}

/** The workspace root above this package (a package.json with "workspaces"), if any. */
function findWorkspaceRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { workspaces?: unknown }).workspaces) return dir;
      } catch {
        // An unreadable package.json is not a workspace root; keep walking up.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The cache root ensureTinyModel uses when no cacheDir is given. */
export function defaultCacheRoot(): string {
  const fromEnv = process.env.TEXTGEN_CACHE_DIR;
  if (fromEnv) return resolve(fromEnv);
  const root = findWorkspaceRoot();
  if (root) return join(root, '.cache');
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'textgen-spec');
}

/** sha256 of this package's own modules (the folder this file was loaded from), read once. */
// Module-level because the installed sources cannot change under a running process, and
// hashing them on every ensureTinyModel call would read every module again.
let generatorSourceHash: string | undefined;
function hashGeneratorSource(): string {
  if (generatorSourceHash) return generatorSourceHash;
  const here = dirname(fileURLToPath(import.meta.url));
  const hash = createHash('sha256');
  const modules = readdirSync(here)
    .filter((f) => /\.(js|ts)$/.test(f) && !/\.(test|d)\.ts$/.test(f))
    .sort();
  for (const file of modules) hash.update(`${file}\n`).update(readFileSync(join(here, file)));
  generatorSourceHash = hash.digest('hex');
  return generatorSourceHash;
}

/**
 * The cache key: a hash of everything that determines the output (generator version and source,
 * variant spec, corpus, bigram options), so a changed generator never reuses a stale folder.
 */
export function tinyModelCacheKey(variant: TinyModelVariant | ModelFamily): string {
  const inputs = JSON.stringify({
    GENERATOR_VERSION,
    source: hashGeneratorSource(),
    variant,
    spec: isModelFamily(variant) ? FAMILY_SPECS[variant] : VARIANT_SPECS[variant],
    CORPUS_TEXT,
    BIGRAM_OPTIONS,
  });
  return createHash('sha256').update(inputs).digest('hex').slice(0, 16);
}

/** True when `dir` holds a manifest whose files all exist with the recorded sizes. */
async function isComplete(dir: string): Promise<boolean> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as TinyModelManifest;
    for (const file of manifest.files) {
      if ((await stat(join(dir, file.path))).size !== file.bytes) return false;
    }
    return manifest.files.length > 0;
  } catch {
    return false;
  }
}

// Generations under way in this process, by target folder: concurrent callers for the same
// variant share one generation instead of racing each other (processes race through atomic
// renames, see ensureTinyModel). An entry is removed when its generation settles.
const inFlight = new Map<string, Promise<string>>();
const STALE_TEMP_MS = 60 * 60 * 1000;

/**
 * Returns the folder of the generated model (variant 'default' unless told), generating it into
 * the cache on first use (a few seconds). Load it with transformers.js as a local model.
 */
export async function ensureTinyModel(options: EnsureTinyModelOptions = {}): Promise<string> {
  const { family } = options;
  if (family !== undefined && (!isModelFamily(family) || options.variant !== undefined)) {
    throw new TypeError(`unknown model family ${JSON.stringify(family)} (or a family with a variant)`);
  }
  const variant = options.variant ?? 'default';
  if (!isTinyModelVariant(variant)) throw new TypeError(`unknown tiny model variant ${JSON.stringify(variant)}`);
  const kind = family ?? variant;
  const parent = join(options.cacheDir ? resolve(options.cacheDir) : defaultCacheRoot(), 'tiny-model');
  const name = `${kind}-${tinyModelCacheKey(kind)}`;
  const dir = join(parent, name);
  if (await isComplete(dir)) return dir;

  const pending = inFlight.get(dir);
  if (pending) return pending;
  const write = family ? (temp: string) => writeFamilyModel(temp, family) : (temp: string) => writeTinyModel(temp, { variant });
  const job = generateInto(parent, name, write).finally(() => inFlight.delete(dir));
  inFlight.set(dir, job);
  return job;
}

async function generateInto(parent: string, name: string, write: (dir: string) => Promise<unknown>): Promise<string> {
  const dir = join(parent, name);
  await mkdir(parent, { recursive: true });
  await removeStaleTemporaries(parent);
  const temp = join(parent, `.tmp-${name}-${process.pid}-${randomUUID()}`);
  try {
    await write(temp);
    for (let attempt = 0; ; attempt++) {
      try {
        await rename(temp, dir);
        return dir;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EPERM') throw error;
        // Another caller got there first: use its folder if it is complete.
        if (await isComplete(dir)) return dir;
        if (attempt >= 3) throw error;
        // A broken folder (e.g. a file deleted by hand): move it aside, then retry.
        const broken = join(parent, `.tmp-broken-${name}-${process.pid}-${randomUUID()}`);
        await rename(dir, broken).then(
          () => rm(broken, { recursive: true, force: true }),
          () => undefined,
        );
      }
    }
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** Removes temporary folders that crashed generators left behind more than an hour ago. */
async function removeStaleTemporaries(parent: string): Promise<void> {
  const now = Date.now();
  for (const entry of await readdir(parent).catch(() => [] as string[])) {
    if (!entry.startsWith('.tmp-')) continue;
    const path = join(parent, entry);
    const info = await stat(path).catch(() => undefined);
    if (info && now - info.mtimeMs > STALE_TEMP_MS) await rm(path, { recursive: true, force: true }).catch(() => undefined);
  }
}
