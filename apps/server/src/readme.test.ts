/**
 * apps/server/README.md stays true: it names every export of src/index.ts, and its source
 * table lists exactly the source files of src/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
const indexPath = fileURLToPath(new URL('./index.ts', import.meta.url));

function exportedNames(): string[] {
  const file = ts.createSourceFile(indexPath, readFileSync(indexPath, 'utf8'), ts.ScriptTarget.Latest, true);
  return file.statements.flatMap((statement) =>
    ts.isExportDeclaration(statement) && statement.exportClause !== undefined && ts.isNamedExports(statement.exportClause)
      ? statement.exportClause.elements.map((element) => element.name.text)
      : [],
  );
}

describe('README.md', () => {
  it('names every export of src/index.ts', () => {
    const names = exportedNames();
    expect(names.length).toBeGreaterThan(20);
    expect(names.filter((name) => !readme.includes(`\`${name}\``) && !readme.includes(`\`${name}(`))).toEqual([]);
  });

  it('describes every source file, and only files that exist', () => {
    const described = [...readme.matchAll(/^\| `([\w-]+\.ts)`(?:, `([\w-]+\.ts)`)? \|/gm)].flatMap((m) => [m[1]!, m[2]].filter((f) => f !== undefined));
    const sources = readdirSync(fileURLToPath(new URL('.', import.meta.url))).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(described.length).toBeGreaterThan(20);
    expect(described.filter((file) => !sources.includes(file))).toEqual([]);
    expect(sources.filter((file) => !described.includes(file))).toEqual([]);
  });
});
