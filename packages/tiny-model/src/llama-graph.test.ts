import { describe, expect, it } from 'vitest';
import { FAMILY_SPECS } from './families.js';
import { inverseFrequencies } from './llama-graph.js';

describe('inverseFrequencies', () => {
  it('is base^(-2i/d), and with Llama 3 scaling keeps short wavelengths, divides long ones by the factor and blends between', () => {
    const spec = FAMILY_SPECS.llama3;
    const plain = inverseFrequencies(spec, spec.ropeTheta, false);
    const scaled = inverseFrequencies(spec, spec.ropeTheta, true);
    expect(plain.length).toBe(spec.headDim / 2);
    plain.forEach((f, i) => expect(Math.abs(f - spec.ropeTheta ** ((-2 * i) / spec.headDim))).toBeLessThan(1e-6 * f));
    const { factor, low_freq_factor: low, high_freq_factor: high, original_max_position_embeddings: ctx } = spec.ropeScaling!;
    const kinds = new Set<string>();
    plain.forEach((f, i) => {
      const wavelength = (2 * Math.PI) / f;
      const s = scaled[i] as number;
      if (wavelength < ctx / high) {
        kinds.add('kept');
        expect(s).toBe(f);
      } else if (wavelength > ctx / low) {
        kinds.add('divided');
        expect(Math.abs(s - f / factor)).toBeLessThan(1e-6 * s);
      } else {
        kinds.add('blended');
        expect(s).toBeLessThan(f);
        expect(s).toBeGreaterThan(f / factor);
      }
    });
    expect([...kinds].sort()).toEqual(['blended', 'divided', 'kept']);
    // The other families have no scaling.
    const qwen = FAMILY_SPECS.qwen3;
    expect(inverseFrequencies(qwen, qwen.ropeTheta, true)).toEqual(inverseFrequencies(qwen, qwen.ropeTheta, false));
  });
});
