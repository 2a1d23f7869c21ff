/**
 * The server's structure, checked on its sources: no import cycles (route modules depend on
 * request-context.ts, never on server.ts), functions short enough to read at once, and no
 * mutable module-level state without a comment saying why.
 */
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findCycles, importsOf, longFunctions, parseSources, parseText, unexplainedState } from './__fixtures__/source-checks.js';

const SRC = dirname(fileURLToPath(import.meta.url));
/** Longest function, in lines, outside tests. */
const MAX_FUNCTION_LINES = 80;

const files = parseSources(SRC);
const production = files.filter((file) => !file.fileName.endsWith('.test.ts') && !file.fileName.includes(`${SRC}/__fixtures__/`));
const name = (path: string): string => relative(SRC, path);

describe('import graph', () => {
  it('finds a cycle when there is one (the check itself works)', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(findCycles(graph)).toEqual([['a', 'b', 'c', 'a']]);
    expect(findCycles(new Map([['a', ['b']], ['b', []]]))).toEqual([]);
  });

  it('has no cycle among the server sources', () => {
    const graph = new Map(files.map((file) => [file.fileName, importsOf(file)]));
    expect(graph.get(join(SRC, 'routes.ts'))?.length).toBeGreaterThan(0);
    expect(findCycles(graph).map((cycle) => cycle.map(name).join(' -> '))).toEqual([]);
  });

  it('route modules see the server only through request-context.ts', () => {
    const server = join(SRC, 'server.ts');
    const importers = production.filter((file) => importsOf(file).includes(server)).map((file) => name(file.fileName));
    // index.ts re-exports the public API; cli.ts starts the server.
    expect(importers.sort()).toEqual(['cli.ts', 'index.ts']);
  });
});

describe('function length', () => {
  it('finds a long function (the check itself works)', () => {
    const body = Array.from({ length: MAX_FUNCTION_LINES - 1 }, (_, i) => `  x += ${i};`).join('\n');
    const example = parseText(`function f(x: number) {\n${body}\n  return x;\n}\nconst g = () => 1;\n`);
    expect(longFunctions(example, MAX_FUNCTION_LINES, 'example.ts')).toEqual([`example.ts:1 (${MAX_FUNCTION_LINES + 2} lines)`]);
    expect(longFunctions(example, MAX_FUNCTION_LINES + 2)).toEqual([]);
  });

  it(`keeps every function of the server at most ${MAX_FUNCTION_LINES} lines`, () => {
    expect(production.flatMap((file) => longFunctions(file, MAX_FUNCTION_LINES, name(file.fileName)))).toEqual([]);
  });
});

describe('module-level state', () => {
  it('finds mutable state without a comment (the check itself works)', () => {
    const example = parseText(
      [
        'let a = 1;',
        'let b = 2;',
        '// why: shared by every call',
        'let c = 3;',
        'const d = new Map();',
        'const e: ReadonlySet<string> = new Set();',
        'const f = { x: 1 };',
        'const g = new Set();',
      ].join('\n'),
    );
    expect(unexplainedState(example, 'example.ts')).toEqual(['example.ts:1', 'example.ts:8']);
  });

  it('has a comment saying why before each mutable module-level variable (or run of them)', () => {
    expect(files.flatMap((file) => unexplainedState(file, name(file.fileName)))).toEqual([]);
  });
});
