/**
 * DESIGN.md: "No import cycles; no side-effect imports that library code relies on." Every import of every file
 * under src/ — type-only imports and re-exports included, since a cycle of types is still a tangle of concepts —
 * is read with TypeScript's own pre-processor, and the graph must have no cycle; a failure prints the cycle, file
 * by file. Bare `import './x.js'` (run a module for its effect) is refused in src/ as well.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** The relative imports of `file`, resolved to .ts paths under src/. */
function importsOf(file: string, text: string): string[] {
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => resolve(dirname(file), name).replace(/\.js$/, '.ts'));
}

/** The import graph's cycles, each as a list of files from src/ that ends where it starts (one per back edge). */
function findCycles(graph: Map<string, string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const cycles: string[][] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    path.push(file);
    for (const dep of graph.get(file) ?? []) {
      if (!graph.has(dep)) continue;
      const s = state.get(dep);
      if (s === 'open') cycles.push([...path.slice(path.indexOf(dep)), dep]);
      else if (s === undefined) visit(dep);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return cycles;
}

const files = sourceFiles(SRC);
const texts = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]));
const rel = (f: string) => relative(SRC, f);

describe('the import graph of src/', () => {
  it('reads the imports of every file (the walk sees the graph)', () => {
    expect(files.length).toBeGreaterThan(100);
    const index = join(SRC, 'index.ts');
    expect(importsOf(index, texts.get(index) ?? '').map(rel)).toContain('ops/methods.ts');
  });

  it('has no cycle', () => {
    const graph = new Map(files.map((f) => [f, importsOf(f, texts.get(f) ?? '')]));
    const cycles = findCycles(graph).map((c) => c.map(rel).join(' → '));
    expect(cycles, `import cycles in src/:\n${cycles.join('\n')}`).toEqual([]);
  });

  it('finds a cycle when one is there (the check can fail)', () => {
    const a = join(SRC, 'a.ts');
    const b = join(SRC, 'b.ts');
    const c = join(SRC, 'c.ts');
    const graph = new Map([
      [a, importsOf(a, "import type { B } from './b.js';")],
      [b, importsOf(b, "export { C } from './c.js';")],
      [c, importsOf(c, "import { A } from './a.js';")],
    ]);
    expect(findCycles(graph).map((cy) => cy.map(rel).join(' → '))).toEqual(['a.ts → b.ts → c.ts → a.ts']);
  });

  it('has no bare side-effect imports', () => {
    const bare = files.filter((f) => /^\s*import\s+['"]/m.test(texts.get(f) ?? '')).map(rel);
    expect(bare, 'src/ files that import a module only for its side effects').toEqual([]);
  });
});
