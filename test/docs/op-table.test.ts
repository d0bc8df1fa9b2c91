/**
 * docs/ops.md (neurite's ops and modules beside PyTorch's) cannot go stale: every public op, creation function and
 * nn module needs an entry in scripts/op-table.mjs, every entry there must still be exported, and the checked-in
 * table must be exactly what the script generates from the code and the fixtures.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface OpTable {
  buildTable(): Promise<{ markdown: string; missing: string[]; stale: string[] }>;
}

// a computed specifier: the script is plain JavaScript that the type checker need not follow
const script = '../../scripts/op-table.mjs';
const { buildTable } = (await import(script)) as OpTable;
const table = await buildTable();

describe('docs/ops.md, the table of ops against PyTorch', () => {
  it('has an entry for every public op and module', () => {
    expect(table.missing, 'add these to OPS / MODULES in scripts/op-table.mjs').toEqual([]);
  });

  it('has no entry for a name neurite no longer exports', () => {
    expect(table.stale, 'remove these from scripts/op-table.mjs').toEqual([]);
  });

  it('is what scripts/op-table.mjs generates (run: node --import tsx scripts/op-table.mjs)', () => {
    const onDisk = readFileSync(new URL('../../docs/ops.md', import.meta.url), 'utf8');
    expect(onDisk === table.markdown, 'docs/ops.md is stale').toBe(true);
  });

  it('lists the bitwise ops with their fixture cases on all three backends', () => {
    const row = table.markdown.split('\n').find((l) => l.startsWith('| `bitwiseLeftShift` |'));
    expect(row).toMatch(/`torch\.bitwise_left_shift` \| \d+ \(ts, native, wasm\) \|/);
  });
});
