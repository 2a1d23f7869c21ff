import { describe, expect, it } from 'vitest';
import { createProgressReporter, formatBytes } from './progress.js';

describe('progress reporter', () => {
  it('prints a few plain lines when not on a terminal (file changes and 25% steps)', () => {
    const out: string[] = [];
    const reporter = createProgressReporter({ isTTY: false, write: (s: string) => out.push(s) });
    for (let p = 0; p <= 100; p += 5) reporter.update({ phase: 'download', file: 'model.onnx', loaded: p * 1000, total: 100_000, progress: p });
    reporter.update({ phase: 'load', file: 'model.onnx' });
    reporter.update({ phase: 'ready' });
    reporter.finish();
    expect(out.every((line) => line.endsWith('\n') && !line.includes('\r'))).toBe(true);
    expect(out).toHaveLength(5 + 2);
    expect(out[0]).toBe('Downloading model.onnx (0 B of 97.7 kB), 0% in all\n');
    expect(out.at(-1)).toBe('Model ready\n');
  });

  it('redraws one bar line on a terminal and ends it with a newline', () => {
    const out: string[] = [];
    const reporter = createProgressReporter({ isTTY: true, columns: 60, write: (s: string) => out.push(s) });
    reporter.update({ phase: 'download', file: 'model.onnx', progress: 50 });
    reporter.update({ phase: 'download', file: 'model.onnx', progress: 51 }); // throttled
    reporter.update({ phase: 'ready' });
    reporter.finish();
    expect(out).toHaveLength(3);
    expect(out[0]).toMatch(/^\r\[#{12}\.{12}\] {2}50% Downloading model\.onnx/);
    expect(out[1]).toMatch(/^\r\[#{24}\] 100% Model ready/);
    expect(out[2]).toBe('\n');
  });

  it('formats byte counts', () => {
    expect([formatBytes(12), formatBytes(2048), formatBytes(5 * 1024 * 1024), formatBytes(3 * 1024 ** 3)]).toEqual([
      '12 B',
      '2.0 kB',
      '5.0 MB',
      '3.00 GB',
    ]);
  });
});
