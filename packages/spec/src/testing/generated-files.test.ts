import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driftedFiles, findPackageRoot, writeGeneratedFiles } from './index.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'spec-drift-'));
  await writeFile(join(root, 'package.json'), JSON.stringify({ name: '@example/pkg' }));
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('the generated-files drift harness', () => {
  it('reports missing and changed files, not matching ones', async () => {
    await writeFile(join(root, 'same.txt'), 'a\n');
    await writeFile(join(root, 'changed.txt'), 'old\n');
    const expected = new Map([
      ['same.txt', 'a\n'],
      ['changed.txt', 'new\n'],
      ['sub/missing.txt', 'm\n'],
    ]);
    expect(driftedFiles(root, expected)).toEqual(['changed.txt', 'sub/missing.txt']);
    expect(writeGeneratedFiles(root, expected)).toEqual(['changed.txt', 'sub/missing.txt']);
    expect(await readFile(join(root, 'sub/missing.txt'), 'utf8')).toBe('m\n');
    expect(driftedFiles(root, expected)).toEqual([]);
  });

  it('finds a package root by name from a file below it, and throws for an unknown name', () => {
    expect(findPackageRoot(join(root, 'src', 'deep', 'file.ts'), '@example/pkg')).toBe(root);
    expect(findPackageRoot(import.meta.url, '@textgen-spec/spec')).toBe(join(import.meta.dirname, '..', '..'));
    expect(() => findPackageRoot(join(root, 'file.ts'), '@example/absent')).toThrow(/@example\/absent/);
  });
});
