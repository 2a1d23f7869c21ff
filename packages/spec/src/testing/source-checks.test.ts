import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { architectureReport, findCycles, longFunctions, parseText, specifiersOf, unexplainedState } from './source-checks.js';

describe('the single checks, on known inputs', () => {
  it('finds a cycle when there is one, and none in a tree', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(findCycles(graph)).toEqual([['a', 'b', 'c', 'a']]);
    expect(findCycles(new Map([['a', ['b']], ['b', []]]))).toEqual([]);
  });

  it('sees every import form', () => {
    const src = "import type { A } from './a.js';\nimport {\n  b,\n} from './b.js';\nexport { c } from './c.js';\nimport './d.js';\nconst e = await import('./e.js');\nimport x from 'pkg';\n";
    expect(specifiersOf(parseText(src)).sort()).toEqual(['./a.js', './b.js', './c.js', './d.js', './e.js', 'pkg']);
  });

  it('finds a long function', () => {
    const body = Array.from({ length: 79 }, (_, i) => `  x += ${i};`).join('\n');
    const example = parseText(`function f(x: number) {\n${body}\n  return x;\n}\nconst g = () => 1;\n`);
    expect(longFunctions(example, 80, 'example.ts')).toEqual(['example.ts:1 (82 lines)']);
    expect(longFunctions(example, 82)).toEqual([]);
  });

  it('finds mutable module-level state without a comment', () => {
    const example = parseText(
      ['let a = 1;', 'let b = 2;', '// why: shared by every call', 'let c = 3;', 'const d = new Map();', 'const e: ReadonlySet<string> = new Set();', 'const f = { x: 1 };', 'const g = new Set();'].join('\n'),
    );
    expect(unexplainedState(example, 'example.ts')).toEqual(['example.ts:1', 'example.ts:8']);
  });
});

describe('architectureReport', () => {
  const dir = mkdtempSync(join(tmpdir(), 'textgen-arch-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, '__fixtures__'));
  writeFileSync(join(dir, 'a.ts'), "import { b } from './b.js';\nexport const a = () => b;\n");
  writeFileSync(join(dir, 'b.ts'), "import { a } from './a.js';\nimport { x } from '@textgen-spec/server/sub';\nexport const b = () => a;\nlet n = 0;\n");
  writeFileSync(join(dir, 'c.ts'), "import { gone } from './missing.js';\n");
  writeFileSync(join(dir, '__fixtures__', 'long.ts'), `export function f() {\n${'  1;\n'.repeat(100)}}\n`);

  it('reports cycles, unresolved and forbidden imports, and unexplained state; fixtures may be long', () => {
    const report = architectureReport(dir, { forbiddenImports: ['@textgen-spec/server'] });
    expect(report.cycles).toEqual(['a.ts -> b.ts -> a.ts']);
    expect(report.unresolved).toEqual(['c.ts imports missing.ts']);
    expect(report.forbidden).toEqual(['b.ts imports @textgen-spec/server/sub']);
    expect(report.unexplainedState).toEqual(['b.ts:4']);
    expect(report.longFunctions).toEqual([]);
  });

  it('applies the function-length limit outside fixtures, except for named exemptions', () => {
    writeFileSync(join(dir, 'long.ts'), `export function f() {\n${'  1;\n'.repeat(100)}}\n`);
    expect(architectureReport(dir).longFunctions).toEqual(['long.ts:1 (102 lines)']);
    expect(architectureReport(dir, { longFunctionExemptions: { 'long.ts': 'generated' } }).longFunctions).toEqual([]);
  });
});
