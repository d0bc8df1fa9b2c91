/**
 * The published types as a user's project sees them: scripts/check-types.mjs packs the tarball, installs it into a
 * scratch project and type-checks the README's examples (and the neurite/node, neurite/browser split) under
 * moduleResolution nodenext, bundler and node10. Needs dist/ built (npm run build).
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error a plain .mjs script without declarations
import { checkTypes, readmeExamples } from '../../scripts/check-types.mjs';

describe('published types', () => {
  it('finds the README examples', async () => {
    const { readFileSync } = await import('node:fs');
    const examples: string[] = readmeExamples(
      readFileSync(new URL('../../README.md', import.meta.url), 'utf8'),
    );
    expect(examples.length).toBeGreaterThanOrEqual(2);
    expect(examples[0]).toContain("import * as nt from 'neurite'");
  });

  it('the README type-checks against the packed package under nodenext, bundler and node10', () => {
    const logs: string[] = [];
    const { failures } = checkTypes({ log: (line: string) => logs.push(line) });
    expect(failures, logs.join('\n')).toEqual([]);
    for (const setting of ['nodenext', 'bundler', 'node10'])
      expect(logs.join('\n')).toContain(`${setting}: ok`);
  }, 600_000);
});
