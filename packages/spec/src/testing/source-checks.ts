/**
 * Structural checks on a package's TypeScript sources, shared by every package's
 * `architecture.test.ts`: the graph of relative imports and its cycles, imports of packages it
 * must not depend on, long functions, and mutable module-level state without a comment.
 * `architectureReport(srcDir)` runs them all; the single checks are exported so that each test
 * can prove them on a known bad input.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** Every `.ts` file under `dir`, parsed (no type checking). */
export function parseSources(dir: string): ts.SourceFile[] {
  return sourcePaths(dir).map((path) => ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true));
}

function sourcePaths(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourcePaths(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every module specifier of a file: static imports, type-only imports, re-exports and dynamic `import()`. */
export function specifiersOf(file: ts.SourceFile): string[] {
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument !== undefined && ts.isStringLiteral(argument)) specifiers.push(argument.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return specifiers;
}

/** The relative imports of a file (every form of `specifiersOf`), as absolute .ts paths. */
export function importsOf(file: ts.SourceFile): string[] {
  const local = specifiersOf(file)
    .filter((s) => s.startsWith('.'))
    .map((s) => resolve(dirname(file.fileName), s.replace(/\.js$/, '.ts')));
  return [...new Set(local)];
}

/** Every cycle of the graph, each as a path a -> b -> ... -> a (depth-first search). */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

/** `file:line (N lines)` for each function of `file` longer than `maxLines`. */
export function longFunctions(file: ts.SourceFile, maxLines: number, label = file.fileName): string[] {
  const long: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const start = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
      const lines = file.getLineAndCharacterOfPosition(node.getEnd()).line - start + 1;
      if (lines > maxLines) long.push(`${label}:${start + 1} (${lines} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return long;
}

/**
 * `file:line` of each mutable module-level variable (or run of them) with no comment before
 * it. Mutable: `let`, or `const` holding a `new` object (a Map, an Agent...) not typed Readonly.
 */
export function unexplainedState(file: ts.SourceFile, label = file.fileName): string[] {
  const mutable = (statement: ts.Statement | undefined): boolean =>
    statement !== undefined &&
    ts.isVariableStatement(statement) &&
    (Boolean(statement.declarationList.flags & ts.NodeFlags.Let) ||
      statement.declarationList.declarations.some(
        (d) => d.initializer !== undefined && ts.isNewExpression(d.initializer) && !/^Readonly/.test(d.type?.getText(file) ?? ''),
      ));
  const silent: string[] = [];
  file.statements.forEach((statement, i) => {
    if (!mutable(statement) || mutable(file.statements[i - 1])) return;
    if ((ts.getLeadingCommentRanges(file.text, statement.getFullStart()) ?? []).length > 0) return;
    silent.push(`${label}:${file.getLineAndCharacterOfPosition(statement.getStart(file)).line + 1}`);
  });
  return silent;
}

/** Parses source text (for checking the checks on a known input). */
export function parseText(text: string, fileName = 'example.ts'): ts.SourceFile {
  return ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
}

/** What `architectureReport` checks; each list is empty when the package is in shape. */
export interface ArchitectureReport {
  /** The parsed files (tests and fixtures included), for further checks of the package's own. */
  files: ts.SourceFile[];
  /** Import cycles among the package's sources, as `a.ts -> b.ts -> a.ts`. */
  cycles: string[];
  /** Relative imports inside the folder that resolve to no scanned file (the scan would miss part of the graph). */
  unresolved: string[];
  /** `file imports pkg` for each import of a forbidden package. */
  forbidden: string[];
  /** Functions longer than the limit outside tests and fixtures, as `file:line (N lines)`. */
  longFunctions: string[];
  /** Mutable module-level variables outside test files without a comment saying why, as `file:line`. */
  unexplainedState: string[];
}

export interface ArchitectureOptions {
  /** Package names (and their subpaths) the sources must never import. */
  forbiddenImports?: readonly string[];
  /** The longest function allowed outside tests and fixtures, in lines (default 80). */
  maxFunctionLines?: number;
  /** Files (relative to `srcDir`) exempt from the function-length check, each with its reason. */
  longFunctionExemptions?: Readonly<Record<string, string>>;
}

const isTestSupport = (path: string): boolean => path.endsWith('.test.ts') || path.includes('/__fixtures__/');

/** Every structural check on the `.ts` files under `srcDir`; names are relative to it. */
export function architectureReport(srcDir: string, options: ArchitectureOptions = {}): ArchitectureReport {
  const files = parseSources(srcDir);
  const name = (path: string): string => relative(srcDir, path);
  const graph = new Map(files.map((file) => [file.fileName, importsOf(file)]));
  const forbidden = options.forbiddenImports ?? [];
  const exempt = options.longFunctionExemptions ?? {};
  const production = files.filter((file) => !isTestSupport(file.fileName) && !(name(file.fileName) in exempt));
  return {
    files,
    cycles: findCycles(graph).map((cycle) => cycle.map(name).join(' -> ')),
    unresolved: [...graph].flatMap(([file, targets]) =>
      targets.filter((t) => !graph.has(t) && !name(t).startsWith('..')).map((t) => `${name(file)} imports ${name(t)}`),
    ),
    forbidden: files.flatMap((file) =>
      specifiersOf(file)
        .filter((s) => forbidden.some((p) => s === p || s.startsWith(`${p}/`)))
        .map((s) => `${name(file.fileName)} imports ${s}`),
    ),
    longFunctions: production.flatMap((file) => longFunctions(file, options.maxFunctionLines ?? 80, name(file.fileName))),
    // Test files are left out: a suite's `let engine` set in beforeAll is vitest's idiom.
    unexplainedState: files.filter((file) => !file.fileName.endsWith('.test.ts')).flatMap((file) => unexplainedState(file, name(file.fileName))),
  };
}
