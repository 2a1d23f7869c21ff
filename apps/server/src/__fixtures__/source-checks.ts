/**
 * Test support (not part of the build): structural checks on TypeScript sources for the
 * architecture test: the graph of relative imports and its cycles, long functions, and
 * mutable module-level state without a comment.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
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

/** The relative imports of a file (static, type-only, re-exports and dynamic `import()`), as absolute .ts paths. */
export function importsOf(file: ts.SourceFile): string[] {
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
  const local = specifiers.filter((s) => s.startsWith('.')).map((s) => resolve(dirname(file.fileName), s.replace(/\.js$/, '.ts')));
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
