import { describe, expect, it } from 'vitest';
import { createProgressReporter, formatBytes } from './progress.js';

describe('progress reporter', () => {
  it('prints one line per file once read, 25% steps only for large files, then one ready line', () => {
    const out: string[] = [];
    const reporter = createProgressReporter({ isTTY: false, write: (s: string) => out.push(s) });
    const big = 200 * 1024 * 1024;
    reporter.update({ phase: 'download', file: 'config.json', loaded: 651, total: 651, progress: 100 });
    for (let p = 0; p <= 100; p += 5) reporter.update({ phase: 'download', file: 'model.onnx', loaded: (big * p) / 100, total: big, progress: p });
    // Two files read at once, interleaved (as transformers.js reads the tokenizer files).
    reporter.update({ phase: 'download', file: 'tokenizer.json', loaded: 65_536, total: 1_355_365, progress: 100 });
    reporter.update({ phase: 'download', file: 'tokenizer_config.json', loaded: 293, total: 293, progress: 100 });
    reporter.update({ phase: 'download', file: 'tokenizer.json', loaded: 1_355_365, total: 1_355_365, progress: 100 });
    reporter.update({ phase: 'ready' });
    reporter.update({ phase: 'download', file: 'late.json', loaded: 1, total: 1 }); // after ready: ignored
    reporter.finish();
    expect(out).toEqual([
      'Downloaded config.json (651 B)\n',
      'Downloading model.onnx: 25% of 200.0 MB\n',
      'Downloading model.onnx: 50% of 200.0 MB\n',
      'Downloading model.onnx: 75% of 200.0 MB\n',
      'Downloaded model.onnx (200.0 MB)\n',
      'Downloaded tokenizer_config.json (293 B)\n',
      'Downloaded tokenizer.json (1.3 MB)\n',
      'Model ready (4 files, 201.3 MB)\n',
    ]);
  });

  it('redraws one bar line on a terminal (per file), ends it with the ready line, and ignores later events', () => {
    const out: string[] = [];
    const reporter = createProgressReporter({ isTTY: true, columns: 100, write: (s: string) => out.push(s) });
    reporter.update({ phase: 'load', file: 'model.onnx', loaded: 50, total: 100, progress: 50 });
    reporter.update({ phase: 'load', file: 'model.onnx', loaded: 51, total: 100, progress: 51 }); // throttled
    reporter.update({ phase: 'load', file: 'tokenizer.json', loaded: 10, total: 40, progress: 100 }); // a new file: drawn
    reporter.update({ phase: 'ready' });
    reporter.update({ phase: 'load', file: 'tokenizer.json', loaded: 40, total: 40, progress: 100 });
    reporter.finish();
    expect(out).toHaveLength(4);
    expect(out[0]).toMatch(/^\r\[#{12}\.{12}\] {2}50% Loading model\.onnx \(50 B of 100 B\)/);
    expect(out[1]).toMatch(/^\r\[#{6}\.{18}\] {2}25% Loading tokenizer\.json/);
    expect(out[2]).toMatch(/^\r\[#{24}\] 100% Model ready \(2 files, 140 B\)/);
    expect(out[3]).toBe('\n');
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
