/**
 * The browser promise, checked: nothing reachable from the browser entry (src/index.ts, `neurite/browser`) may
 * import a Node built-in. esbuild bundles the entry for the browser and every import of `node:…` (or a bare
 * built-in name) is recorded with the file that made it, so a failure names the culprit.
 */
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { expect, it } from 'vitest';

const ENTRY = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/**
 * Whether the package that holds `importer` maps `name` to false in its package.json `browser` field, as
 * protobufjs does with its guarded require('fs'): every browser bundler then gives it an empty module.
 */
function browserMapsAway(importer: string, name: string): boolean {
  for (let dir = dirname(importer); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const browser = (JSON.parse(readFileSync(file, 'utf8')) as { browser?: unknown }).browser;
    return (
      typeof browser === 'object' && browser !== null && (browser as Record<string, unknown>)[name] === false
    );
  }
  return false;
}

/** Bundles `entry` for the browser; returns each Node built-in it reaches as "module (imported by file)". */
async function nodeImports(entry: string): Promise<string[]> {
  const found: string[] = [];
  const recorder: Plugin = {
    name: 'record-node-builtins',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (!BUILTINS.has(args.path)) return undefined;
        if (args.importer.includes('/node_modules/') && browserMapsAway(args.importer, args.path))
          return undefined;
        found.push(`${args.path} (imported by ${args.importer.replace(/^.*\/src\//, 'src/')})`);
        return { path: args.path, external: true };
      });
    },
  };
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
    plugins: [recorder],
  });
  return found;
}

it('nothing reachable from the browser entry imports a Node built-in', async () => {
  expect(await nodeImports(ENTRY)).toEqual([]);
});

it('the check finds a Node import when there is one', async () => {
  const node = fileURLToPath(new URL('../../src/node.ts', import.meta.url));
  const found = await nodeImports(node);
  expect(found.some((f) => f.startsWith('node:fs'))).toBe(true);
});
