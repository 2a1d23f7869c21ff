import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './__fixtures__/helpers.js';
import { MANIFEST_FILE, type TinyModelManifest } from './write-model.js';

const cli = resolve(dirname(fileURLToPath(import.meta.url)), '../bin/textgen-tiny-model.js');
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

describe('textgen-tiny-model CLI (bin launcher, built dist)', () => {
  let out: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    out = await tempDir('cli');
  });
  afterAll(async () => out.cleanup());

  it('writes the model into the given folder', async () => {
    const result = run(join(out.path, 'model'), '--variant', 'default');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/wrote default model \(2 layers, width 96, 4 heads\)/);
    const manifest = JSON.parse(await readFile(join(out.path, 'model', MANIFEST_FILE), 'utf8')) as TinyModelManifest;
    for (const file of manifest.files) expect(result.stdout).toContain(file.sha256);
  });

  it('writes a family model with --family', async () => {
    const result = run(join(out.path, 'llama2'), '--family', 'llama2');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/wrote textgen-tiny-llama2 \(2 layers, width 96, 4 heads, 2 kv heads\)/);
    const config = JSON.parse(await readFile(join(out.path, 'llama2', 'config.json'), 'utf8')) as { model_type: string };
    expect(config.model_type).toBe('llama');
  });

  it('exits 2 with the usage on bad arguments', () => {
    for (const args of [[], ['a', 'b'], [out.path, '--variant', 'huge'], [out.path, '--bogus'], [out.path, '--family', 'gpt5'], [out.path, '--family', 'llama2', '--variant', 'large']]) {
      const result = run(...args);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/usage: textgen-tiny-model <outDir>/);
    }
  });

  it('prints the usage with --help', () => {
    const result = run('--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/--variant default\|large/);
  });
});
