/**
 * What is particular to the WebAssembly backend (its kernels are compared with the TypeScript reference in
 * compiled.test.ts, and every forEachBackend suite runs on it): memory that grows while tensors are in use, a
 * clear error when a call cannot fit, the thread pool, and Node processes that exit on their own.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { GemmInfo } from '../../src/backend/backend.js';
import { lookupBackend } from '../../src/backend/registry.js';
import { tsBackend } from '../../src/backend/ts/index.js';
import { compiledWasmBackend, setWasmThreads, wasmInfo } from '../../src/backend/wasm/index.js';
import { wasmSupported } from '../../src/backend/wasm/module.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs a short ES module in a fresh Node process from the repository root; returns its status, output and time. */
function runNode(code: string, env: Record<string, string> = {}) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}`, ms: Date.now() - t0, signal: r.signal };
}

/** The GemmInfo of one product C = A·B (beta 0 overwrites C, 1 adds to it). */
const product = (m: number, n: number, k: number, beta = 0): GemmInfo => ({
  batch: 1,
  transA: false,
  transB: false,
  m,
  n,
  k,
  alpha: 1,
  beta,
  strideA: 0,
  strideB: 0,
  strideC: 0,
});

describe('WASM backend', () => {
  it('this Node runs WASM SIMD and shared memory', () => {
    expect(wasmSupported()).toBe(true);
    expect(wasmSupported(true)).toBe(true);
  });

  it('the tests run the threaded build with 2 threads', () => {
    expect(wasmInfo()).toMatchObject({ threaded: true, threads: 2, workers: 1 });
  });

  it('a product larger than the memory so far grows it and still matches the reference', () => {
    const wasm = compiledWasmBackend();
    if (!wasm) throw new Error('wasm not loaded');
    // 3 × 48 MiB of operands: more than the 32 MiB the module starts with
    const m = 2048;
    const k = 6144;
    const a = new Float32Array(m * k).map((_, i) => ((i * 7919) % 13) - 6);
    const b = new Float32Array(k * 8).map((_, i) => ((i * 104729) % 11) - 5);
    const got = new Float32Array(m * 8);
    const want = new Float32Array(m * 8);
    wasm.gemm(a, b, product(m, 8, k), got);
    tsBackend.gemm(a, b, product(m, 8, k), want);
    // small integers: every partial sum is exact in float32
    expect(got).toEqual(want);
  });

  it('gemm with beta = 0 ignores NaN in C, and with beta = 1 accumulates into it', () => {
    const wasm = lookupBackend('wasm');
    const a = Float32Array.of(1, 2, 3, 4);
    const c = Float32Array.of(Number.NaN, Number.NaN, Number.NaN, Number.NaN);
    wasm.gemm(a, a, product(2, 2, 2), c);
    expect(Array.from(c)).toEqual([7, 10, 15, 22]);
    wasm.gemm(a, a, product(2, 2, 2, 1), c);
    expect(Array.from(c)).toEqual([14, 20, 30, 44]);
  });

  it('a call that cannot fit in 2 GiB of WebAssembly memory fails with a clear error and loses nothing', () => {
    const wasm = compiledWasmBackend();
    if (!wasm) throw new Error('wasm not loaded');
    const x = new Float32Array(300 * 2 ** 20); // 1.2 GB in, 1.2 GB out
    const out = new Float32Array(x.length);
    expect(() => wasm.unary('exp', x, out, 0)).toThrow(/neurite wasm: out of memory .*2400\.0 MiB/);
    // the backend still works afterwards
    const y = new Float32Array(4);
    wasm.unary('neg', Float32Array.of(1, -2, 3, -4), y, 0);
    expect(Array.from(y)).toEqual([-1, 2, -3, 4]);
  });

  it('setNumThreads starts workers as needed and the split results agree', () => {
    const wasm = compiledWasmBackend();
    if (!wasm) throw new Error('wasm not loaded');
    const n = 1 << 16;
    const x = new Float32Array(n).map((_, i) => Math.sin(i));
    const one = new Float32Array(n);
    const four = new Float32Array(n);
    try {
      setWasmThreads(1);
      wasm.unary('tanh', x, one, 0);
      setWasmThreads(4);
      expect(wasmInfo()).toMatchObject({ threads: 4, workers: 3 });
      wasm.unary('tanh', x, four, 0);
    } finally {
      setWasmThreads(2);
    }
    expect(four).toEqual(one);
    expect(() => setWasmThreads(0)).toThrow(/positive integer/);
  });

  it('NEURITE_BACKEND=wasm selects it in neurite/node, and a process that used its threads exits on its own', () => {
    const r = runNode(
      `import * as nt from './src/node.ts';
       const x = nt.randn([256, 256]);
       const y = x.matmul(x).sum().item();
       console.log(JSON.stringify({ backend: nt.getBackend().name, info: nt.wasmInfo(), finite: Number.isFinite(y) }));`,
      { NEURITE_BACKEND: 'wasm', NEURITE_NUM_THREADS: '2' },
    );
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    const last = JSON.parse(r.out.trim().split('\n').pop() as string);
    expect(last).toEqual({ backend: 'wasm', info: { threaded: true, threads: 2, workers: 1 }, finite: true });
  });
});
