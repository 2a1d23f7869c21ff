/**
 * WebGPU: onnxruntime-node's WebGPU execution provider must give the same greedy tokens as
 * the CPU. Without a GPU this runs on Chromium's SwiftShader Vulkan driver (Debian packages
 * chromium and libvulkan1; CI installs them), which is slow, so only a handful of tokens.
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, test } from 'vitest';
import { collect, tinyEngine } from './__fixtures__/engine.js';
import { greedy } from './__fixtures__/requests.js';
import { loadEngine } from './engine.js';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const icd = process.env.VK_ICD_FILENAMES ?? SWIFTSHADER_ICD;
// The Vulkan loader (libvulkan1) is a separate package from the driver (chromium's SwiftShader):
// a machine with chromium alone has the ICD file but no loader, and WebGPU finds no adapter.
const VULKAN_LOADERS = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1', '/usr/lib/libvulkan.so.1'];
const loader = VULKAN_LOADERS.some((path) => existsSync(path));
const available = existsSync(icd) && loader;
if (available) {
  process.env.VK_ICD_FILENAMES = icd;
  // The Vulkan loader complains on stderr when this is unset; any writable folder will do.
  process.env.XDG_RUNTIME_DIR ??= tmpdir();
}

describe.skipIf(!available)(`WebGPU (Vulkan ICD ${icd}${available ? '' : `${existsSync(icd) ? '' : ' is absent'}${loader ? '' : ', no Vulkan loader'}: install chromium and libvulkan1`})`, () => {
  test('greedy tokens on webgpu equal those on cpu', async () => {
    const request = greedy({ prompts: ['The quick brown fox', 'Mary'], max_tokens: 5, ban_eos_token: true, logprobs: 1 });
    const cpu = await collect(await tinyEngine(), request);
    const gpu = await loadEngine({ device: 'webgpu' });
    try {
      expect(gpu.info.device).toBe('webgpu');
      const result = await collect(gpu, request);
      expect(result.choices.map((c) => c.text)).toEqual(cpu.choices.map((c) => c.text));
      result.choices.forEach((choice, i) => {
        choice.logprobs!.token_logprobs.forEach((lp, t) => expect(lp).toBeCloseTo(cpu.choices[i]!.logprobs!.token_logprobs[t]!, 3));
      });
    } finally {
      await gpu.dispose();
    }
  }, 300_000);
});
