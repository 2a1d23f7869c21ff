/**
 * Presets: the shipped TGW v1.14 set, validation at start, and TGW's semantics on a real
 * server (tiny model): a preset overwrites every preset parameter and keeps the rest.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRESET_PARAMETERS } from '@textgen-spec/spec';
import type { PresetList } from '@textgen-spec/spec';
import { DEFAULT_PRESETS_DIR } from './preset-dir.js';
import { PresetError, PresetStore, parsePreset } from './presets.js';
import { createServer } from './server.js';
import type { TextgenServer } from './server.js';
import { expectSchema } from './__fixtures__/assertions.js';
import { postJson, startTestServer, tinyEngine } from './__fixtures__/harness.js';

/** text-generation-webui v1.14's presets/ folder, value for value. */
const TGW_V1_14: Record<string, Record<string, number | boolean>> = {
  'Big O': { temperature: 0.87, top_p: 0.99, typical_p: 0.68, tfs: 0.68, repetition_penalty: 1.01, top_k: 85 },
  'Contrastive Search': { do_sample: false, top_k: 4, penalty_alpha: 0.3 },
  'Debug-deterministic': { do_sample: false, top_k: 1 },
  'Divine Intellect': { temperature: 1.31, top_p: 0.14, repetition_penalty: 1.17, top_k: 49 },
  'LLaMA-Precise': { temperature: 0.7, top_p: 0.1, repetition_penalty: 1.18, top_k: 40 },
  'Midnight Enigma': { temperature: 0.98, top_p: 0.37, repetition_penalty: 1.18, top_k: 100 },
  'Null preset': { temperature: 1 },
  Shortwave: { temperature: 1.53, top_p: 0.64, repetition_penalty: 1.07, top_k: 33 },
  Yara: { temperature: 0.82, top_p: 0.21, repetition_penalty: 1.19, top_k: 72 },
  min_p: { min_p: 0.05 },
  'simple-1': { temperature: 0.7, top_p: 0.9, repetition_penalty: 1.15, top_k: 20 },
};

describe('the shipped presets', () => {
  it('are TGW v1.14\'s, with their values', () => {
    const store = PresetStore.load(DEFAULT_PRESETS_DIR);
    expect(store.names()).toEqual(Object.keys(TGW_V1_14).sort());
    for (const [name, values] of Object.entries(TGW_V1_14)) expect(store.get(name)?.values, name).toEqual(values);
  });
});

describe('parsePreset', () => {
  it('resets every preset parameter the file does not name to its default', () => {
    const preset = parsePreset('p', 'top_k: 3\ndry_sequence_breakers: \'"\\n", "."\'\nsampler_priority: "min_p\\ntemperature"\n');
    expect(Object.keys(preset.applies).sort()).toEqual([...PRESET_PARAMETERS].sort());
    expect(preset.values).toEqual({ top_k: 3, dry_sequence_breakers: ['\n', '.'], sampler_priority: ['min_p', 'temperature'] });
    expect(preset.applies).toMatchObject({ top_k: 3, temperature: 1, repetition_penalty_range: 1024, do_sample: true });
    expect(parsePreset('empty', '').applies.temperature).toBe(1);
  });

  it.each([
    ['an unknown parameter', 'temperature: 1\nmax_tokens: 5\n', /p\.yaml: "max_tokens" is not a preset parameter/],
    ['an invalid value', 'top_k: -2\n', /p\.yaml: top_k: top_k must be/],
    ['a value of the wrong type', 'do_sample: "often"\n', /p\.yaml: do_sample: /],
    ['an unknown sampler name', 'sampler_priority: [top_k, warp]\n', /p\.yaml: sampler_priority: .*"warp"/],
    ['not YAML', 'temperature: [1\n', /p\.yaml is not valid YAML/],
    ['not a mapping', '- temperature\n', /p\.yaml must be a mapping/],
  ])('rejects %s, naming the file and the parameter', (_, text, message) => {
    expect(() => parsePreset('p', text)).toThrow(PresetError);
    expect(() => parsePreset('p', text)).toThrow(message);
  });

  it('a server with an invalid preset or a missing folder does not start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'presets-'));
    writeFileSync(join(dir, 'Cold.yaml'), 'temperature: cold\n');
    expect(() => createServer({ engine: tinyEngine(), presetsDir: dir })).toThrow(/Cold\.yaml: temperature:/);
    expect(() => createServer({ engine: tinyEngine(), presetsDir: join(dir, 'missing') })).toThrow(PresetError);
  });
});

describe('preset on a real server', () => {
  let server: TextgenServer;
  let model: string;
  const prompt = 'Once upon a time';

  beforeAll(async () => {
    server = await startTestServer();
    model = (await tinyEngine()).info.id;
  });
  afterAll(() => server.close());

  async function text(body: Record<string, unknown>): Promise<{ text: string; completionTokens: number }> {
    const res = await postJson(server.url, '/v1/completions', { model, prompt, ...body });
    expect(res.status, res.text).toBe(200);
    const json = JSON.parse(res.text) as { choices: { text: string }[]; usage: { completion_tokens: number } };
    return { text: json.choices[0]!.text, completionTokens: json.usage.completion_tokens };
  }

  /** A seed whose temperature-1 sample is not the greedy answer. */
  async function divergingSeed(greedy: string): Promise<{ seed: number; sample: string }> {
    for (let seed = 1; seed < 20; seed++) {
      const sample = (await text({ max_tokens: 12, temperature: 1, seed })).text;
      if (sample !== greedy) return { seed, sample };
    }
    throw new Error('every seed sampled the greedy answer');
  }

  it('Debug-deterministic (do_sample false, top_k 1) overrides the request\'s temperature: greedy', async () => {
    const greedy = (await text({ max_tokens: 12, temperature: 0 })).text;
    const { seed } = await divergingSeed(greedy);
    const preset = await text({ max_tokens: 12, temperature: 1.5, seed, preset: 'Debug-deterministic' });
    expect(preset.text).toBe(greedy);
  });

  it('resets the preset parameters the file does not name, and keeps the others (seed, max_tokens)', async () => {
    const greedy = (await text({ max_tokens: 12, temperature: 0 })).text;
    const { seed, sample } = await divergingSeed(greedy);
    // top_k 1 alone would be greedy; "Null preset" (temperature 1) resets top_k to 0.
    expect((await text({ max_tokens: 12, temperature: 1, seed, top_k: 1 })).text).toBe(greedy);
    const preset = await text({ max_tokens: 12, temperature: 0.1, seed, top_k: 1, repetition_penalty: 1.5, preset: 'Null preset' });
    expect(preset.text).toBe(sample);
    // A preset leaves max_tokens alone.
    expect((await text({ max_tokens: 3, ban_eos_token: true, preset: 'Null preset', seed })).completionTokens).toBe(3);
  });

  it('Contrastive Search runs contrastive search (penalty_alpha 0.3, top_k 4)', async () => {
    const repetitive = 'a b c a b c a b c a b';
    const plain = await postJson(server.url, '/v1/completions', { model, prompt: repetitive, max_tokens: 12, temperature: 0 });
    const manual = await postJson(server.url, '/v1/completions', { model, prompt: repetitive, max_tokens: 12, do_sample: false, top_k: 4, penalty_alpha: 0.3 });
    const preset = await postJson(server.url, '/v1/completions', { model, prompt: repetitive, max_tokens: 12, temperature: 1, preset: 'Contrastive Search' });
    const textOf = (r: { text: string }) => (JSON.parse(r.text) as { choices: { text: string }[] }).choices[0]!.text;
    expect(textOf(preset)).toBe(textOf(manual));
    expect(textOf(preset)).not.toBe(textOf(plain));
  });

  it('an unknown preset is a 400 naming preset and listing the available ones', async () => {
    const res = await postJson(server.url, '/v1/completions', { model, prompt, preset: 'No Such Preset' });
    expect(res.status).toBe(400);
    const { error } = JSON.parse(res.text) as { error: { param: string; code: string; message: string } };
    expect(error).toMatchObject({ param: 'preset', code: 'unknown_preset' });
    expect(error.message).toContain("'No Such Preset'");
    expect(error.message).toContain("'Debug-deterministic'");
  });

  it('GET /v1/internal/presets lists every preset with its values', async () => {
    const res = await fetch(`${server.url}/v1/internal/presets`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as PresetList;
    expectSchema('preset-list', body, 'strict');
    expect(body.data.map((p) => p.name)).toEqual(Object.keys(TGW_V1_14).sort());
    const debug = body.data.find((p) => p.name === 'Debug-deterministic')!;
    expect(debug.values).toEqual({ do_sample: false, top_k: 1 });
    expect(debug.applies).toMatchObject({ do_sample: false, top_k: 1, temperature: 1, top_p: 1, min_p: 0 });
  });
});
