/**
 * The drift harness of generated files, shared by every package that commits generated files
 * (this package's schemas and docs/api.md; conformance's report schema and docs): a generator
 * computes "path -> content it should have now", a test asserts that nothing drifted, and the
 * package's `generate` script writes the files.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Path, relative to a package root, -> the content the generator gives it now. */
export type GeneratedFiles = ReadonlyMap<string, string>;

/**
 * The root of the package named `packageName`: the nearest folder above `from` (a file URL
 * such as `import.meta.url`, or a path) whose package.json has that name. Works the same
 * whether the caller runs as TypeScript or compiled to another folder.
 */
export function findPackageRoot(from: string | URL, packageName: string): string {
  const start = from instanceof URL || from.startsWith('file:') ? fileURLToPath(from) : from;
  let dir = dirname(start);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === packageName) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`could not find the ${packageName} package root above ${start}`);
    dir = parent;
  }
}

/** Paths whose committed content differs from the expected one (missing files included). */
export function driftedFiles(packageRoot: string, expected: GeneratedFiles): string[] {
  const drifted: string[] = [];
  for (const [path, content] of expected) {
    const full = join(packageRoot, path);
    if (!existsSync(full) || readFileSync(full, 'utf8') !== content) drifted.push(path);
  }
  return drifted;
}

/** Writes every expected file (creating folders); returns the paths that changed. */
export function writeGeneratedFiles(packageRoot: string, expected: GeneratedFiles): string[] {
  const changed = driftedFiles(packageRoot, expected);
  for (const [path, content] of expected) {
    mkdirSync(dirname(join(packageRoot, path)), { recursive: true });
    writeFileSync(join(packageRoot, path), content);
  }
  return changed;
}
