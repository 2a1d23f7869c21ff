/**
 * The engine's modules import each other without cycles: every relative import of every
 * source file (type-only imports and re-exports included) is followed, and a cycle fails the
 * test with its path.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const SRC = path.dirname(fileURLToPath(import.meta.url));

/** Every .ts file under `dir` (tests included: they must not close a cycle either). */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The files a module imports or re-exports through relative specifiers ('./x.js' -> x.ts). */
function relativeImports(file: string, text: string): string[] {
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'";]*?from\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!);
  return specifiers.map((s) => path.resolve(path.dirname(file), s.replace(/\.js$/, '.ts')));
}

/** One cycle of the graph as a path (first node repeated at the end), or null. */
function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    if (state.get(node) === 'done') return null;
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

describe('import graph of packages/engine/src', () => {
  test('the cycle finder finds a cycle and accepts a tree', () => {
    expect(findCycle(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]]))).toEqual(['a', 'b', 'c', 'a']);
    expect(findCycle(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]]))).toBeNull();
  });

  test('the scanner sees imports, type imports and re-exports', () => {
    const text = "import { a } from './a.js';\nimport type { B } from '../b.js';\nexport { c } from './c.js';\nimport x from 'pkg';\n";
    expect(relativeImports('/src/m.ts', text)).toEqual(['/src/a.ts', '/b.ts', '/src/c.ts']);
  });

  test('no module imports itself through other modules', () => {
    const files = sourceFiles(SRC);
    const graph = new Map(files.map((file) => [file, relativeImports(file, readFileSync(file, 'utf8'))]));
    // Every relative import resolves to a scanned file (else the scan missed part of the graph).
    for (const [file, imports] of graph) {
      for (const target of imports) expect(graph.has(target), `${path.relative(SRC, file)} imports ${target}`).toBe(true);
    }
    expect(graph.size).toBeGreaterThan(20);
    const cycle = findCycle(graph);
    expect(cycle?.map((f) => path.relative(SRC, f)) ?? null).toBeNull();
  });
});
