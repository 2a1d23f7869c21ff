/**
 * The shape of the package's import graph: no cycles between its modules, and no import
 * of the packages a conformance runner must never depend on (it tests servers from the
 * outside and knows only the spec).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = resolve(import.meta.dirname);
const FORBIDDEN = ['@textgen-spec/server', '@textgen-spec/engine', '@textgen-spec/sampling'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every module specifier of a file: static imports and re-exports (type-only ones too), dynamic imports. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [/^\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]/gms, /^\s*import\s*['"]([^'"]+)['"]/gm, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const m of source.matchAll(pattern)) found.push(m[1]!);
  return found;
}

/** file -> the files of this package it imports (relative specifiers resolved to .ts). */
function graph(files: string[]): Map<string, string[]> {
  const known = new Set(files);
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const targets = specifiers(readFileSync(file, 'utf8'))
      .filter((s) => s.startsWith('.'))
      .map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')))
      .filter((t) => known.has(t));
    edges.set(file, targets);
  }
  return edges;
}

/** Every cycle found by a depth-first search, as a list of files (first repeated at the end). */
function cycles(edges: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of edges.keys()) if (!state.has(node)) visit(node);
  return found;
}

const files = sourceFiles(ROOT);

describe('the import graph of conformance/src', () => {
  test('has no cycles', () => {
    const found = cycles(graph(files)).map((c) => c.map((f) => relative(ROOT, f)).join(' -> '));
    expect(found).toEqual([]);
  });

  test('never imports the server, the engine or the sampler', () => {
    const bad = files.flatMap((file) =>
      specifiers(readFileSync(file, 'utf8'))
        .filter((s) => FORBIDDEN.some((p) => s === p || s.startsWith(`${p}/`)))
        .map((s) => `${relative(ROOT, file)} imports ${s}`),
    );
    expect(bad).toEqual([]);
  });

  test('the scanner sees cycles and every import form', () => {
    expect(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual([['a', 'b', 'c', 'a']]);
    expect(cycles(new Map([['a', ['b']], ['b', []]]))).toEqual([]);
    const src = "import type { A } from './a.js';\nimport {\n  b,\n} from './b.js';\nexport { c } from './c.js';\nimport './d.js';\nconst e = await import('./e.js');\n";
    expect(specifiers(src).sort()).toEqual(['./a.js', './b.js', './c.js', './d.js', './e.js']);
  });
});
