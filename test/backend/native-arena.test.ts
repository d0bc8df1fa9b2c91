/**
 * The native addon's arena (native/arena.h): memory for the outputs of ops in Node that comes back to the addon when
 * V8 frees an array, and is handed out again with its pages mapped. Each case runs in a child process of its own,
 * so the garbage collector, the arena's counts and its limit start from nothing.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nativeAddonPath, nativeLoadError } from '../../src/backend/native/index.js';
import { ValueError } from '../../src/errors.js';
import { nativeArenaStats, setNativeArenaLimit } from '../../src/node.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Runs `body` (CommonJS, the addon in scope as `addon`) in a fresh Node with --expose-gc; returns what it prints as JSON. */
function child(body: string, flags: string[] = ['--expose-gc']): unknown {
  const code = `const addon = require(${JSON.stringify(nativeAddonPath())});\n${body}`;
  const out = execFileSync(process.execPath, [...flags, '-e', code], { encoding: 'utf8', cwd: root });
  return JSON.parse(out.trim().split('\n').at(-1) ?? 'null');
}

describe.skipIf(nativeLoadError() !== null)('native arena', () => {
  it('hands out distinct blocks of the asked size, and never one that is still alive', () => {
    const r = child(`
      const kept = [];
      let ok = true;
      // three rounds: every block alive stays distinct from every other, and keeps what was written to it
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 40; i++) {
          const bytes = 4 * (70000 + 13 * i);
          const b = addon.rawBuffer(bytes);
          if (b.byteLength !== bytes) ok = false;
          new Int32Array(b).fill(kept.length);
          kept.push(b);
        }
        // blocks freed in between may be handed out again: the live ones must not
        for (let i = 0; i < 200; i++) new Int32Array(addon.rawBuffer(4 * (70000 + 13 * (i % 40)))).fill(-1);
        globalThis.gc();
      }
      kept.forEach((b, k) => { const a = new Int32Array(b); if (a[0] !== k || a[a.length - 1] !== k) ok = false; });
      const empty = addon.rawBuffer(0);
      console.log(JSON.stringify({ ok, empty: empty.byteLength, stats: addon.arenaStats() }));
    `) as { ok: boolean; empty: number; stats: { reused: number; liveBytes: number } };
    expect(r.ok).toBe(true);
    expect(r.empty).toBe(0);
    // the throwaway blocks were reused: without reuse, every block is fresh
    expect(r.stats.reused).toBeGreaterThan(0);
    expect(r.stats.liveBytes).toBeGreaterThanOrEqual(120 * 280000);
  });

  it('gets memory back in a synchronous loop, with no turn of the event loop and no explicit collection', () => {
    // 2 GiB made and dropped in one synchronous loop: the arena reuses what V8 frees as it sweeps
    const r = child(
      `
      let peakLive = 0;
      for (let i = 0; i < 2048; i++) {
        const a = new Float32Array(addon.rawBuffer(1 << 20));
        a[0] = i;
        a[a.length - 1] = i;
        peakLive = Math.max(peakLive, addon.arenaStats().liveBytes);
      }
      console.log(JSON.stringify({ peakLive, stats: addon.arenaStats() }));
    `,
      [],
    ) as {
      peakLive: number;
      stats: { reused: number; fresh: number; cachedBytes: number; limitBytes: number };
    };
    expect(r.stats.reused).toBeGreaterThan(1024);
    expect(r.stats.fresh).toBeLessThan(1024);
    expect(r.peakLive).toBeLessThan(1 << 30);
    expect(r.stats.cachedBytes).toBeLessThanOrEqual(r.stats.limitBytes);
  });

  it('keeps no more than its limit, and trims on demand', () => {
    const r = child(`
      const step = () => { for (let i = 0; i < 64; i++) addon.rawBuffer(1 << 20); for (let k = 0; k < 4; k++) globalThis.gc(); };
      step();
      const before = addon.arenaStats();
      addon.setArenaLimit(8 << 20);
      const lowered = addon.arenaStats();
      step();
      const capped = addon.arenaStats();
      addon.arenaTrim();
      const trimmed = addon.arenaStats();
      addon.setArenaLimit(0);
      step();
      const none = addon.arenaStats();
      console.log(JSON.stringify({ before, lowered, capped, trimmed, none }));
    `) as Record<
      'before' | 'lowered' | 'capped' | 'trimmed' | 'none',
      { cachedBytes: number; released: number; limitBytes: number }
    >;
    expect(r.before.cachedBytes).toBeGreaterThan(8 << 20);
    // lowering the limit below what is held frees it all
    expect(r.lowered.cachedBytes).toBe(0);
    expect(r.lowered.limitBytes).toBe(8 << 20);
    expect(r.capped.cachedBytes).toBeGreaterThan(0);
    expect(r.capped.cachedBytes).toBeLessThanOrEqual(8 << 20);
    expect(r.capped.released).toBeGreaterThan(r.lowered.released);
    expect(r.trimmed.cachedBytes).toBe(0);
    expect(r.none.cachedBytes).toBe(0);
    expect(r.none.released).toBeGreaterThan(r.trimmed.released);
  });

  it("holds the outputs of Node's ops, reused from one training step to the next", () => {
    const src = JSON.stringify(path.join(root, 'src/node.ts'));
    const out = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const nt = await import(${src});
         nt.setBackend('native');
         const a = nt.randn([256, 256]);
         for (let i = 0; i < 1500; i++) nt.matmul(a, a).relu();
         console.log(JSON.stringify(nt.nativeArenaStats()));`,
      ],
      { encoding: 'utf8', cwd: root, env: { ...process.env, NEURITE_BACKEND: 'native' } },
    );
    const stats = JSON.parse(out.trim().split('\n').at(-1) ?? 'null') as { reused: number; fresh: number };
    expect(stats.fresh).toBeGreaterThan(0);
    expect(stats.reused).toBeGreaterThan(stats.fresh);
  });

  it('takes a limit of whole bytes only', () => {
    expect(() => setNativeArenaLimit(-1)).toThrow(ValueError);
    expect(() => setNativeArenaLimit(1.5)).toThrow(/setNativeArenaLimit/);
    const limit = nativeArenaStats()!.limitBytes;
    setNativeArenaLimit(limit);
    expect(nativeArenaStats()!.limitBytes).toBe(limit);
  });
});
