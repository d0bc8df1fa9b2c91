/**
 * Every kernel of the Backend interface on the compiled backends — the native addon, and the same C++ compiled to
 * WebAssembly — against the TypeScript reference, over random shapes and edge cases: size-1 and empty dimensions, broadcasting, scalar operands, NaN and infinities,
 * integer wrap-around, odd strides, padding and dilation, groups (depthwise too), ceil-mode pooling windows.
 * Floats agree to 1e-5 relative (plus an absolute slack that grows with the length of the sums involved);
 * integers, booleans and indices agree exactly. The large cases run with one thread and with three, so both
 * the sequential and the split paths of every kernel are compared.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ArgReduceOp,
  Backend,
  BinaryOp,
  Conv2dInfo,
  Pool2dInfo,
  ReduceOp,
  UnaryGradOp,
  UnaryOp,
} from '../../src/backend/backend.js';
import {
  getNumThreads,
  loadNativeBackend,
  nativeAddonPath,
  nativeLoadError,
  nativeWinogradCopies,
  nativeWinogradDefault,
  selectNativeWinograd,
  setNumThreads,
} from '../../src/backend/native/index.js';
import { initNodeBackends } from '../../src/backend/native/init.js';
import { getBackend, listBackends, setBackend } from '../../src/backend/registry.js';
import { tsBackend } from '../../src/backend/ts/index.js';
import { compiledWasmBackend, setWasmThreads, wasmInfo } from '../../src/backend/wasm/index.js';
import { NeuriteError, ValueError } from '../../src/errors.js';
import { type Conv2dOptions, conv2dInfo } from '../../src/ops/conv.js';
import { type Pool2dOptions, pool2dInfo } from '../../src/ops/pool.js';
import type { DType, TypedArray } from '../../src/tensor/dtype.js';
import { broadcastShapes, sizeOf } from '../../src/tensor/shape.js';
import { cpuFlags, hasAvx2 } from '../helpers/cpu.js';

// Skipped only when the addon was not built (no compiler or BLAS at install); a built addon that fails to load
// fails the suite.
const built = existsSync(nativeAddonPath());
const loaded = loadNativeBackend();
const skipNote = built ? '' : ` (skipped: ${nativeLoadError()})`;
if (!built)
  console.warn(`test/backend/compiled.test.ts: the native backend is skipped: ${nativeLoadError()}`);
const ts = tsBackend;
const CPU_FLAGS = cpuFlags();

// --- data ------------------------------------------------------------------------------------------------

/** mulberry32: a small seeded generator, so every run draws the same cases. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FLOAT_SPECIALS = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, 0.5, -2.5, 1];

function floats(n: number, r: () => number, { lo = -3, hi = 3, specials = 0 } = {}): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = r() < specials ? FLOAT_SPECIALS[Math.floor(r() * FLOAT_SPECIALS.length)] : lo + (hi - lo) * r();
  }
  return a;
}

function ints(n: number, r: () => number, { lo = -20, hi = 20, large = 0 } = {}): Int32Array {
  const a = new Int32Array(n);
  const big = [2 ** 30, -(2 ** 31), 2 ** 31 - 1, 123456789, -987654321];
  for (let i = 0; i < n; i++) {
    a[i] = r() < large ? big[Math.floor(r() * big.length)] : lo + Math.floor((hi - lo + 1) * r());
  }
  return a;
}

function bools(n: number, r: () => number): Uint8Array {
  return Uint8Array.from({ length: n }, () => (r() < 0.5 ? 1 : 0));
}

function filled(dtype: DType, n: number, r: () => number, specials = 0.05): TypedArray {
  if (dtype === 'float32') return floats(n, r, { specials });
  if (dtype === 'int32') return ints(n, r, { large: specials });
  return bools(n, r);
}

function alloc(dtype: DType, n: number): TypedArray {
  return dtype === 'float32'
    ? new Float32Array(n)
    : dtype === 'int32'
      ? new Int32Array(n)
      : new Uint8Array(n);
}

// --- comparisons -----------------------------------------------------------------------------------------

function fmt(v: number): string {
  return Object.is(v, -0) ? '-0' : String(v);
}

/** Exact equality, NaN equal to NaN. */
function expectSame(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (a === e || (Number.isNaN(a) && Number.isNaN(e))) continue;
    expect.fail(`${what}: element ${i} is ${fmt(a)}, the TypeScript backend gives ${fmt(e)}`);
  }
}

/** |a − e| ≤ atol + rtol·|e|, with NaNs and infinities matching exactly. */
function expectNear(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what: string,
  { rtol = 1e-5, atol = 1e-38 }: { rtol?: number; atol?: number } = {},
): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (a === e || (Number.isNaN(a) && Number.isNaN(e))) continue;
    if (Number.isFinite(e) && Math.abs(a - e) <= atol + rtol * Math.abs(e)) continue;
    expect.fail(`${what}: element ${i} is ${fmt(a)}, the TypeScript backend gives ${fmt(e)} (atol ${atol})`);
  }
}

/** The compiled backends under test, each with its thread controls. */
const COMPILED = [
  {
    name: 'native',
    available: built,
    note: skipNote,
    backend: () => loaded as Backend,
    threads: { get: getNumThreads, set: setNumThreads },
  },
  {
    name: 'wasm',
    available: true,
    note: '',
    backend: () => compiledWasmBackend() as Backend,
    threads: { get: () => wasmInfo()?.threads ?? 1, set: setWasmThreads },
  },
];

/** The thread controls of the backend whose suite runs now (set in its beforeAll). */
let threadControl = COMPILED[0].threads;

/** Runs `body` with the compiled kernels on `n` threads, restoring the previous count afterwards. */
function withThreads(n: number, body: () => void): void {
  const before = threadControl.get();
  threadControl.set(n);
  try {
    body();
  } finally {
    threadControl.set(before);
  }
}

/** The thread counts the large cases run with: everything on one thread, and an uneven three-way split. */
const THREADS = [1, 3];

const BINARY_OPS: BinaryOp[] = [
  'add',
  'sub',
  'mul',
  'div',
  'pow',
  'maximum',
  'minimum',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
];
const COMPARISONS = new Set<BinaryOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);

for (const compiled of COMPILED) {
  describe.skipIf(!compiled.available)(
    `${compiled.name} backend against the TypeScript reference${compiled.note}`,
    () => {
      const native = compiled.backend();
      beforeAll(() => {
        threadControl = compiled.threads;
      });

      it('the compiled kernels load', () => {
        if (compiled.name === 'native') expect(nativeLoadError()).toBeNull();
        expect(native.name).toBe(compiled.name);
      });

      describe('elementwise', () => {
        const shapePairs: [number[], number[]][] = [
          [
            [2, 3, 4],
            [2, 3, 4],
          ],
          [[5, 7], []],
          [[], [6]],
          [[], []],
          [[1, 1], [1]],
          [
            [3, 1, 5],
            [4, 5],
          ],
          [
            [2, 3, 4],
            [3, 1],
          ],
          [
            [4, 1],
            [1, 6],
          ],
          [
            [2, 1, 3, 1],
            [1, 4, 1, 5],
          ],
          [
            [0, 3],
            [1, 3],
          ],
          [
            [3, 0],
            [3, 1],
          ],
          [[5], [0, 5]],
        ];
        // past the size at which the addon splits work over threads
        const largePairs: [number[], number[]][] = [
          [[130, 300], [300]],
          [
            [2, 100, 200],
            [2, 1, 200],
          ],
          [[70001], [70001]],
          [[70001], [1]],
        ];

        for (const dtype of ['float32', 'int32', 'bool'] as DType[]) {
          it(`binary: every op on ${dtype} operands, broadcast every way`, () => {
            const r = rng(11);
            for (const [aShape, bShape] of shapePairs) {
              const outShape = broadcastShapes(aShape, bShape, 'test');
              for (const op of BINARY_OPS) {
                let a = filled(dtype, sizeOf(aShape), r);
                let b = filled(dtype, sizeOf(bShape), r);
                if (op === 'pow' && dtype === 'int32') {
                  // keep integer powers below 2^53, where float64 results are exact on every libm
                  a = ints(a.length, r, { lo: -20, hi: 20 });
                  b = ints(b.length, r, { lo: -2, hi: 5 });
                }
                const outType = COMPARISONS.has(op) ? 'bool' : dtype;
                const want = alloc(outType, sizeOf(outShape));
                const got = alloc(outType, sizeOf(outShape));
                ts.binary(op, a, aShape, b, bShape, want, outShape);
                native.binary(op, a, aShape, b, bShape, got, outShape);
                const what = `${op} ${dtype} [${aShape}] ∘ [${bShape}]`;
                if (dtype === 'float32' && (op === 'pow' || op === 'div')) expectNear(got, want, what);
                else expectSame(got, want, what);
              }
            }
          });
        }

        it('binary: the large cases split over threads', () => {
          withThreadsAll(() => {
            const r = rng(12);
            for (const [aShape, bShape] of largePairs) {
              const outShape = broadcastShapes(aShape, bShape, 'test');
              for (const op of ['add', 'mul', 'pow', 'maximum', 'lt'] as BinaryOp[]) {
                const a = floats(sizeOf(aShape), r, { specials: 0.01 });
                const b = floats(sizeOf(bShape), r, { specials: 0.01 });
                const outType = COMPARISONS.has(op) ? 'bool' : 'float32';
                const want = alloc(outType, sizeOf(outShape));
                const got = alloc(outType, sizeOf(outShape));
                ts.binary(op, a, aShape, b, bShape, want, outShape);
                native.binary(op, a, aShape, b, bShape, got, outShape);
                expectNear(got, want, `${op} [${aShape}] ∘ [${bShape}] on ${getNumThreads()} threads`);
              }
            }
          });
        });

        it('binary: integer operands into a float output take the converting path', () => {
          const r = rng(13);
          for (const [aShape, bShape] of [
            [
              [4, 5],
              [4, 5],
            ],
            [
              [3, 1],
              [1, 4],
            ],
          ] as [number[], number[]][]) {
            const outShape = broadcastShapes(aShape, bShape, 'test');
            for (const op of ['add', 'div', 'pow', 'lt'] as BinaryOp[]) {
              const a = ints(sizeOf(aShape), r, { lo: -5, hi: 5 });
              const b = ints(sizeOf(bShape), r, { lo: -3, hi: 3 });
              const want = new Float32Array(sizeOf(outShape));
              const got = new Float32Array(sizeOf(outShape));
              ts.binary(op, a, aShape, b, bShape, want, outShape);
              native.binary(op, a, aShape, b, bShape, got, outShape);
              expectNear(got, want, `${op} int32 → float32 [${aShape}] ∘ [${bShape}]`);
            }
          }
        });

        // The bitwise kernels (int32 only: the ops refuse float32 and send two bools to minimum, maximum and ne):
        // the sign bit, all ones, both extremes, alternating bits, and shift counts below 0 and past 31, which
        // count mod 32 as in JavaScript.
        const BITWISE_OPS: BinaryOp[] = ['bitwiseAnd', 'bitwiseOr', 'bitwiseXor', 'leftShift', 'rightShift'];
        const bitEdges = [
          0,
          1,
          -1,
          7,
          -7,
          2 ** 31 - 1,
          -(2 ** 31),
          0x55555555,
          -0x55555556,
          31,
          32,
          33,
          63,
          64,
          -1 - 31,
          -33,
          100,
        ];
        const bitInts = (n: number, r: () => number) =>
          ints(n, r, { lo: -70, hi: 70, large: 0.2 }).map((v) =>
            r() < 0.3 ? bitEdges[Math.floor(r() * bitEdges.length)] : v,
          );

        it('binary: bitwise ops and shifts on int32, every pair of edge values, broadcast every way', () => {
          const r = rng(14);
          const e = bitEdges.length;
          // every edge value against every other, elementwise and as a broadcast [e, 1] ∘ [e]
          const rows = Int32Array.from({ length: e * e }, (_, i) => bitEdges[Math.floor(i / e)]);
          const cols = Int32Array.from({ length: e * e }, (_, i) => bitEdges[i % e]);
          const cases: [Int32Array, number[], Int32Array, number[]][] = [
            [rows, [e * e], cols, [e * e]],
            [Int32Array.from(bitEdges), [e, 1], Int32Array.from(bitEdges), [e]],
            [Int32Array.from(bitEdges), [e], Int32Array.from(bitEdges), [e, 1]],
          ];
          for (const [aShape, bShape] of shapePairs) {
            cases.push([bitInts(sizeOf(aShape), r), aShape, bitInts(sizeOf(bShape), r), bShape]);
          }
          for (const [a, aShape, b, bShape] of cases) {
            const outShape = broadcastShapes(aShape, bShape, 'test');
            for (const op of BITWISE_OPS) {
              const want = new Int32Array(sizeOf(outShape));
              const got = new Int32Array(sizeOf(outShape)).fill(0x5a5a5a5a);
              ts.binary(op, a, aShape, b, bShape, want, outShape);
              native.binary(op, a, aShape, b, bShape, got, outShape);
              expectSame(got, want, `${op} int32 [${aShape}] ∘ [${bShape}]`);
              // the converting path: the same operands into a float32 output
              const wantF = new Float32Array(want.length);
              const gotF = new Float32Array(want.length);
              ts.binary(op, a, aShape, b, bShape, wantF, outShape);
              native.binary(op, a, aShape, b, bShape, gotF, outShape);
              expectSame(gotF, wantF, `${op} int32 → float32 [${aShape}] ∘ [${bShape}]`);
            }
          }
        });

        it('binary: bitwise ops and shifts on int32, the large cases split over threads', () => {
          withThreadsAll(() => {
            const r = rng(15);
            for (const [aShape, bShape] of largePairs) {
              const outShape = broadcastShapes(aShape, bShape, 'test');
              const a = bitInts(sizeOf(aShape), r);
              const b = bitInts(sizeOf(bShape), r);
              for (const op of BITWISE_OPS) {
                const want = new Int32Array(sizeOf(outShape));
                const got = new Int32Array(sizeOf(outShape));
                ts.binary(op, a, aShape, b, bShape, want, outShape);
                native.binary(op, a, aShape, b, bShape, got, outShape);
                expectSame(
                  got,
                  want,
                  `${op} int32 [${aShape}] ∘ [${bShape}] on ${threadControl.get()} threads`,
                );
              }
            }
          });
        });

        // values around every threshold and tie the unary kernels care about
        const edge = [
          Number.NaN,
          Number.POSITIVE_INFINITY,
          Number.NEGATIVE_INFINITY,
          0,
          -0,
          0.5,
          -0.5,
          1.5,
          2.5,
          -2.5,
          3.5,
          19.9,
          20,
          20.5,
          40,
          -5,
          -8,
          -10,
          -30,
          88,
          100,
          -100,
          1e-8,
          -1e-8,
          Math.PI,
          1e4,
          -1e4,
          1e-40,
        ];
        const unaryInput = Float32Array.from([...edge, ...floats(3000, rng(21), { lo: -12, hi: 12 })]);
        const bigInput = floats(70001, rng(22), { lo: -6, hi: 6 });
        const UNARY_OPS: [UnaryOp, number][] = [
          ['neg', 0],
          ['exp', 0],
          ['log', 0],
          ['sqrt', 0],
          ['abs', 0],
          ['sign', 0],
          ['square', 0],
          ['reciprocal', 0],
          ['relu', 0],
          ['sigmoid', 0],
          ['tanh', 0],
          ['softplus', 0],
          ['gelu', 0],
          ['elu', 0.7],
          ['leakyRelu', 0.01],
          ['sin', 0],
          ['cos', 0],
          ['floor', 0],
          ['ceil', 0],
          ['round', 0],
        ];

        // The reference's erf is 1 + (erfc − 1) in float64, which loses the far tail to rounding (~1e-16 absolute),
        // and its 1.2e-7 approximation error shows where GELU's derivative Φ(x) + x·φ(x) cancels near x = −0.75.
        const slack = (op: string, grad = false) => ({ atol: op !== 'gelu' ? 1e-38 : grad ? 1e-6 : 1e-15 });

        it('unary: every op, thresholds, NaN and round-half-even', () => {
          for (const [op, alpha] of UNARY_OPS) {
            for (const x of [unaryInput, new Float32Array(0), new Float32Array([2.5])]) {
              const want = new Float32Array(x.length);
              const got = new Float32Array(x.length);
              ts.unary(op, x, want, alpha);
              native.unary(op, x, got, alpha);
              expectNear(got, want, `${op} over ${x.length}`, slack(op));
            }
          }
          withThreadsAll(() => {
            for (const [op, alpha] of UNARY_OPS) {
              const want = new Float32Array(bigInput.length);
              const got = new Float32Array(bigInput.length);
              ts.unary(op, bigInput, want, alpha);
              native.unary(op, bigInput, got, alpha);
              expectNear(got, want, `${op} over ${bigInput.length} on ${getNumThreads()} threads`, slack(op));
            }
          });
        });

        it('unaryGrad: every op from x, f(x) and dy', () => {
          const GRADS: [UnaryGradOp, number][] = [
            ['relu', 0],
            ['sigmoid', 0],
            ['tanh', 0],
            ['softplus', 0],
            ['gelu', 0],
            ['elu', 0.7],
            ['leakyRelu', 0.01],
          ];
          withThreadsAll(() => {
            for (const x of [unaryInput, bigInput]) {
              const dy = floats(x.length, rng(23));
              for (const [op, alpha] of GRADS) {
                const y = new Float32Array(x.length);
                ts.unary(op, x, y, alpha);
                const want = new Float32Array(x.length);
                const got = new Float32Array(x.length);
                ts.unaryGrad(op, x, y, dy, want, alpha);
                native.unaryGrad(op, x, y, dy, got, alpha);
                expectNear(got, want, `${op}' over ${x.length}`, slack(op, true));
              }
            }
          });
        });

        it('weightedSum and its gradient: 1 to 5 arrays, NaN and ±∞, ReLU, gradients left out, split over threads', () => {
          const r = rng(29);
          withThreadsAll(() => {
            for (const n of [0, 7, 100_003]) {
              for (const k of [1, 2, 5]) {
                for (const relu of [false, true]) {
                  const what = `weightedSum of ${k} × ${n}${relu ? ' with ReLU' : ''}`;
                  const xs = Array.from({ length: k }, () => floats(n, r, { specials: 0.01 }));
                  const w = floats(k, r, { lo: -2, hi: 2 });
                  const want = new Float32Array(n);
                  const got = new Float32Array(n).fill(Number.NaN);
                  ts.weightedSum(xs, w, want, relu);
                  native.weightedSum(xs, w, got, relu);
                  // the same products added in the same order: the same floats
                  expectSame(got, want, what);
                  const dy = floats(n, r, { specials: 0.01 });
                  const y = relu ? want : null;
                  // every other input's gradient left out, and the weights' on every other pass
                  const wantDx = xs.map((_, i) => (i % 2 === 0 ? new Float32Array(n) : null));
                  const gotDx = xs.map((_, i) => (i % 2 === 0 ? new Float32Array(n).fill(Number.NaN) : null));
                  const withDw = n !== 7;
                  const wantDw = withDw ? new Float32Array(k) : null;
                  const gotDw = withDw ? new Float32Array(k).fill(Number.NaN) : null;
                  ts.weightedSumBackward(xs, w, dy, y, wantDx, wantDw);
                  native.weightedSumBackward(xs, w, dy, y, gotDx, gotDw);
                  for (let i = 0; i < k; i++) {
                    if (wantDx[i]) expectSame(gotDx[i]!, wantDx[i]!, `${what}: gradient of array ${i}`);
                  }
                  if (wantDw && gotDw) {
                    // sums of n products in float runs, against the reference's float64: a relative 1e-5 of the
                    // magnitudes summed
                    const scale = Math.max(1, n) * 9;
                    expectNear(gotDw, wantDw, `${what}: gradient of the weights`, {
                      rtol: 1e-5,
                      atol: 1e-6 * scale,
                    });
                  }
                }
              }
            }
          });
        });

        it('clamp: bounds that are not float32 values, lo > hi, NaN passes through', () => {
          for (const x of [unaryInput, bigInput]) {
            for (const [lo, hi] of [
              [-1, 1],
              [0.1, 0.3],
              [Number.NEGATIVE_INFINITY, 0],
              [2, 2],
              [1, -1],
              [0, 0],
            ]) {
              const want = new Float32Array(x.length);
              const got = new Float32Array(x.length);
              ts.clamp(x, lo, hi, want);
              native.clamp(x, lo, hi, got);
              expectSame(got, want, `clamp [${lo}, ${hi}] over ${x.length}`);
            }
          }
        });

        it('where: every dtype, all three operands broadcast', () => {
          const r = rng(31);
          const cases: [number[], number[], number[]][] = [
            [
              [3, 4],
              [3, 4],
              [3, 4],
            ],
            [[3, 1], [1, 4], []],
            [
              [2, 1, 5],
              [3, 1],
              [2, 3, 5],
            ],
            [[], [4], [2, 1]],
            [[0, 2], [2], [1, 2]],
            [[100, 400], [400], [100, 1]],
          ];
          withThreadsAll(() => {
            for (const dtype of ['float32', 'int32', 'bool'] as DType[]) {
              for (const [cShape, aShape, bShape] of cases) {
                const outShape = broadcastShapes(broadcastShapes(cShape, aShape, 't'), bShape, 't');
                const c = bools(sizeOf(cShape), r);
                const a = filled(dtype, sizeOf(aShape), r);
                const b = filled(dtype, sizeOf(bShape), r);
                const want = alloc(dtype, sizeOf(outShape));
                const got = alloc(dtype, sizeOf(outShape));
                ts.where(c, cShape, a, aShape, b, bShape, want, outShape);
                native.where(c, cShape, a, aShape, b, bShape, got, outShape);
                expectSame(got, want, `where ${dtype} [${cShape}] [${aShape}] [${bShape}]`);
              }
            }
          });
        });

        it('cast: between every pair of dtypes, with truncation, wrap-around and NaN', () => {
          const x = Float32Array.from([
            ...edge,
            -2.7,
            2.7,
            -0.9,
            3e9,
            -3e9,
            2 ** 31,
            -(2 ** 31),
            2 ** 32 + 5,
            1e20,
            255.5,
            256,
            -1,
            ...floats(500, rng(41), { lo: -1e10, hi: 1e10 }),
          ]);
          const sources: Record<DType, TypedArray> = {
            float32: x,
            int32: ints(600, rng(42), { large: 0.3 }),
            bool: bools(600, rng(43)),
          };
          withThreadsAll(() => {
            for (const from of ['float32', 'int32', 'bool'] as DType[]) {
              for (const to of ['float32', 'int32', 'bool'] as DType[]) {
                for (const src of [sources[from], filled(from, 70001, rng(44))]) {
                  const want = alloc(to, src.length);
                  const got = alloc(to, src.length);
                  ts.cast(src, want);
                  native.cast(src, got);
                  expectSame(got, want, `cast ${from} → ${to} over ${src.length}`);
                }
              }
            }
          });
        });
      });

      describe('reductions', () => {
        const shapes: [number, number, number][] = [
          [1, 1, 1],
          [3, 5, 1],
          [1, 7, 4],
          [4, 6, 3],
          [2, 0, 3],
          [3, 0, 1],
          [0, 4, 2],
          [5, 1, 1],
        ];
        const largeShapes: [number, number, number][] = [
          [1, 100001, 1],
          [300, 200, 1],
          [2, 20, 3000],
          [1, 10, 8000],
        ];

        it('reduce: sum, max, min and prod over every dtype and layout', () => {
          const r = rng(51);
          const ops: ReduceOp[] = ['sum', 'max', 'min', 'prod'];
          const check = (dtype: DType, op: ReduceOp, [outer, n, inner]: [number, number, number]) => {
            let x = filled(dtype, outer * n * inner, r, op === 'max' || op === 'min' ? 0.05 : 0);
            if (op === 'prod' && dtype === 'float32') x = floats(x.length, r, { lo: 0.5, hi: 1.5 });
            if (op === 'prod' && dtype === 'int32') x = ints(x.length, r, { lo: -3, hi: 3 });
            const want = alloc(dtype, outer * inner);
            const got = alloc(dtype, outer * inner);
            ts.reduce(op, x, outer, n, inner, want);
            native.reduce(op, x, outer, n, inner, got);
            const what = `${op} ${dtype} [${outer}, ${n}, ${inner}] on ${getNumThreads()} threads`;
            if (dtype === 'float32') expectNear(got, want, what, { atol: 1e-6 * n });
            else expectSame(got, want, what);
          };
          for (const dtype of ['float32', 'int32', 'bool'] as DType[]) {
            for (const op of ops) for (const shape of shapes) check(dtype, op, shape);
          }
          // products of many elements overflow, so the large layouts reduce by sum, max and min
          withThreadsAll(() => {
            for (const dtype of ['float32', 'int32'] as DType[]) {
              for (const op of ops.slice(0, 3)) for (const shape of largeShapes) check(dtype, op, shape);
            }
            check('bool', 'max', largeShapes[3]);
          });
        });

        it('argReduce: ties go to the first index, the first NaN wins', () => {
          const r = rng(52);
          const check = (dtype: DType, op: ArgReduceOp, [outer, n, inner]: [number, number, number]) => {
            const size = outer * n * inner;
            // few distinct values, so ties are everywhere
            let x: TypedArray = ints(size, r, { lo: 0, hi: 3 });
            if (dtype === 'bool') x = bools(size, r);
            if (dtype === 'float32') {
              x = Float32Array.from(x as Int32Array, (v) => (r() < 0.02 ? Number.NaN : v));
            }
            const want = new Int32Array(outer * inner);
            const got = new Int32Array(outer * inner);
            ts.argReduce(op, x, outer, n, inner, want);
            native.argReduce(op, x, outer, n, inner, got);
            expectSame(got, want, `${op} ${dtype} [${outer}, ${n}, ${inner}] on ${getNumThreads()} threads`);
          };
          for (const dtype of ['float32', 'int32', 'bool'] as DType[]) {
            for (const op of ['argmax', 'argmin'] as ArgReduceOp[])
              for (const shape of shapes) check(dtype, op, shape);
          }
          withThreadsAll(() => {
            for (const op of ['argmax', 'argmin'] as ArgReduceOp[]) {
              for (const shape of largeShapes) check('float32', op, shape);
            }
          });
        });
      });

      describe('gemm', () => {
        type Case = [
          batch: number,
          m: number,
          n: number,
          k: number,
          alpha: number,
          beta: number,
          sA: boolean,
          sB: boolean,
        ];
        const cases: Case[] = [
          [1, 3, 4, 5, 1, 0, false, false],
          [1, 1, 7, 9, 1, 0, false, false],
          [1, 6, 1, 4, 2, 0.5, false, false],
          [1, 5, 6, 1, 1, 0, false, false],
          [1, 4, 3, 0, 1, 0, false, false],
          [1, 4, 3, 0, 1, 2, false, false],
          [1, 0, 3, 4, 1, 0, false, false],
          [3, 4, 5, 6, 0.5, 1, false, false],
          [3, 4, 5, 6, 1, 0, true, false],
          [3, 4, 5, 6, 1, 0, false, true],
          [1, 200, 150, 100, 1, 0, false, false],
          [1, 70, 300, 90, 1, 1, false, false],
          [8, 40, 40, 40, 1, 0, false, false],
          [5, 70, 70, 70, 1, 0, true, false],
        ];

        it('every transpose combination, alpha/beta, empty and broadcast operands', () => {
          const r = rng(61);
          withThreadsAll(() => {
            for (const [batch, m, n, k, alpha, beta, shareA, shareB] of cases) {
              for (const transA of [false, true]) {
                for (const transB of [false, true]) {
                  const strideA = shareA ? 0 : m * k;
                  const strideB = shareB ? 0 : k * n;
                  const a = floats(Math.max(strideA * batch, m * k), r, { lo: -1, hi: 1 });
                  const b = floats(Math.max(strideB * batch, k * n), r, { lo: -1, hi: 1 });
                  // with beta = 0 the old contents must be ignored, NaN included
                  const c0 =
                    beta === 0 ? new Float32Array(batch * m * n).fill(Number.NaN) : floats(batch * m * n, r);
                  const want = c0.slice();
                  const got = c0.slice();
                  const info = {
                    batch,
                    transA,
                    transB,
                    m,
                    n,
                    k,
                    alpha,
                    beta,
                    strideA,
                    strideB,
                    strideC: m * n,
                  };
                  ts.gemm(a, b, info, want);
                  native.gemm(a, b, info, got);
                  const what = `gemm batch ${batch} ${transA ? 'Aᵀ' : 'A'}${transB ? 'Bᵀ' : 'B'} ${m}×${n}×${k} α=${alpha} β=${beta}`;
                  expectNear(got, want, what, { atol: 1e-6 * (k + 1) * Math.abs(alpha) + 1e-6 });
                }
              }
            }
          });
        });
      });

      describe('shape and indexing', () => {
        function permutation(n: number, r: () => number): number[] {
          const p = Array.from({ length: n }, (_, i) => i);
          for (let i = n - 1; i > 0; i--) {
            const j = Math.floor(r() * (i + 1));
            [p[i], p[j]] = [p[j], p[i]];
          }
          return p;
        }

        it('transpose: random permutations of ranks 0 to 5, size-1 and empty axes, tiled 2-D', () => {
          const r = rng(71);
          const shapes: number[][] = [
            [],
            [5],
            [3, 4],
            [1, 1, 5],
            [0, 4],
            [2, 3, 4, 5],
            [2, 1, 3, 1, 4],
            [3, 2, 2, 3, 2],
          ];
          const fixed: [number[], number[]][] = [
            [
              [130, 70],
              [1, 0],
            ],
            [
              [3, 40, 50],
              [0, 2, 1],
            ],
            [
              [40, 3, 50],
              [2, 1, 0],
            ],
            [
              [2, 3, 37, 45],
              [0, 1, 3, 2],
            ],
            [
              [300, 300],
              [1, 0],
            ],
          ];
          withThreadsAll(() => {
            for (const dtype of ['float32', 'int32', 'bool'] as DType[]) {
              const all: [number[], number[]][] = [...fixed];
              for (const s of shapes) for (let t = 0; t < 3; t++) all.push([s, permutation(s.length, r)]);
              for (const [shape, perm] of all) {
                const x = filled(dtype, sizeOf(shape), r);
                const want = alloc(dtype, x.length);
                const got = alloc(dtype, x.length);
                ts.transpose(x, shape, perm, want);
                native.transpose(x, shape, perm, got);
                expectSame(got, want, `transpose ${dtype} [${shape}] by [${perm}]`);
              }
            }
          });
        });

        const boxes: [shape: number[], begin: number[], box: number[]][] = [
          [
            [4, 5, 6],
            [1, 0, 2],
            [2, 5, 3],
          ],
          [
            [4, 5, 6],
            [0, 0, 0],
            [4, 5, 6],
          ],
          [
            [4, 5, 6],
            [3, 4, 5],
            [1, 1, 1],
          ],
          [[7], [2], [0]],
          [[], [], []],
          [
            [3, 0, 2],
            [1, 0, 0],
            [2, 0, 2],
          ],
          [
            [2, 3, 4, 5],
            [1, 1, 0, 2],
            [1, 2, 4, 1],
          ],
          [
            [100, 1000],
            [10, 3],
            [80, 900],
          ],
          [[80001], [1], [80000]],
        ];

        it('slice: boxes of every rank, empty and whole', () => {
          const r = rng(72);
          withThreadsAll(() => {
            for (const dtype of ['float32', 'int32', 'bool'] as DType[]) {
              for (const [shape, begin, box] of boxes) {
                const x = filled(dtype, sizeOf(shape), r);
                const want = alloc(dtype, sizeOf(box));
                const got = alloc(dtype, sizeOf(box));
                ts.slice(x, shape, begin, want, box);
                native.slice(x, shape, begin, got, box);
                expectSame(got, want, `slice ${dtype} [${shape}] at [${begin}] size [${box}]`);
              }
            }
          });
        });

        it('insert: writes and accumulates into a box, with integer wrap-around', () => {
          const r = rng(73);
          withThreadsAll(() => {
            for (const dtype of ['float32', 'int32', 'bool'] as DType[]) {
              for (const [shape, begin, box] of boxes) {
                for (const accumulate of [false, true]) {
                  const src = filled(dtype, sizeOf(box), r);
                  const dst = filled(dtype, sizeOf(shape), r);
                  const want = dst.slice();
                  const got = dst.slice();
                  ts.insert(src, box, want, shape, begin, accumulate);
                  native.insert(src, box, got, shape, begin, accumulate);
                  expectSame(
                    got,
                    want,
                    `insert ${dtype} [${box}] into [${shape}] at [${begin}] accumulate=${accumulate}`,
                  );
                }
              }
            }
          });
        });

        const layouts: [outer: number, n: number, inner: number, k: number][] = [
          [1, 5, 1, 8],
          [3, 4, 6, 5],
          [2, 6, 3, 0],
          [1, 1, 1, 1],
          [0, 3, 2, 2],
          [4, 7, 2, 5000],
          [1, 8, 20000, 3],
          [3000, 5, 4, 3],
        ];

        function indices(count: number, n: number, r: () => number): Int32Array {
          return Int32Array.from({ length: count }, () => Math.floor(r() * n));
        }

        it('indexSelect and indexAdd, repeated indices included', () => {
          const r = rng(74);
          withThreadsAll(() => {
            for (const [outer, n, inner, k] of layouts) {
              const idx = indices(k, n, r);
              for (const dtype of ['float32', 'int32', 'bool'] as DType[]) {
                const x = filled(dtype, outer * n * inner, r);
                const want = alloc(dtype, outer * k * inner);
                const got = alloc(dtype, outer * k * inner);
                ts.indexSelect(x, outer, n, inner, idx, want);
                native.indexSelect(x, outer, n, inner, idx, got);
                expectSame(got, want, `indexSelect ${dtype} [${outer}, ${n}, ${inner}] k=${k}`);
              }
              const dy = floats(outer * k * inner, r);
              const base = floats(outer * n * inner, r);
              const want = base.slice();
              const got = base.slice();
              ts.indexAdd(dy, outer, n, inner, idx, want);
              native.indexAdd(dy, outer, n, inner, idx, got);
              expectSame(got, want, `indexAdd [${outer}, ${n}, ${inner}] k=${k}`);
            }
          });
        });

        it('gather and scatterAdd along the middle axis', () => {
          const r = rng(75);
          withThreadsAll(() => {
            for (const [outer, n, inner, k] of layouts) {
              const idx = indices(outer * k * inner, n, r);
              for (const dtype of ['float32', 'int32', 'bool'] as DType[]) {
                const x = filled(dtype, outer * n * inner, r);
                const want = alloc(dtype, outer * k * inner);
                const got = alloc(dtype, outer * k * inner);
                ts.gather(x, outer, n, inner, idx, k, want);
                native.gather(x, outer, n, inner, idx, k, got);
                expectSame(got, want, `gather ${dtype} [${outer}, ${n}, ${inner}] k=${k}`);
              }
              const dy = floats(outer * k * inner, r);
              const base = floats(outer * n * inner, r);
              const want = base.slice();
              const got = base.slice();
              ts.scatterAdd(dy, outer, n, inner, idx, k, want);
              native.scatterAdd(dy, outer, n, inner, idx, k, got);
              expectSame(got, want, `scatterAdd [${outer}, ${n}, ${inner}] k=${k}`);
            }
          });
        });
      });

      describe('softmax', () => {
        it('softmax and log-softmax with their gradients: wide spreads, -∞ rows, NaN, empty', () => {
          const r = rng(81);
          const cases: [rows: number, cols: number, spread: number][] = [
            [1, 1, 3],
            [3, 5, 3],
            [4, 1000, 10],
            [200, 10, 40],
            [6, 7, 80],
            [0, 5, 1],
            [5, 0, 1],
            [3000, 12, 5],
          ];
          withThreadsAll(() => {
            for (const [rows, cols, spread] of cases) {
              const x = floats(rows * cols, r, { lo: -spread, hi: spread });
              if (rows >= 3 && cols >= 2) {
                x.fill(Number.NEGATIVE_INFINITY, 0, cols);
                x[cols] = Number.NaN;
                x[2 * cols] = Number.POSITIVE_INFINITY;
              }
              for (const log of [false, true]) {
                const want = new Float32Array(x.length);
                const got = new Float32Array(x.length);
                ts.softmax(x, rows, cols, log, want);
                native.softmax(x, rows, cols, log, got);
                const what = `${log ? 'log-' : ''}softmax [${rows}, ${cols}] spread ${spread}`;
                expectNear(got, want, what, { atol: 1e-7 });
                const dy = floats(x.length, r);
                const gWant = new Float32Array(x.length);
                const gGot = new Float32Array(x.length);
                ts.softmaxGrad(want, dy, rows, cols, log, gWant);
                native.softmaxGrad(want, dy, rows, cols, log, gGot);
                expectNear(gGot, gWant, `${what} gradient`, { atol: 1e-6 });
              }
            }
          });
        });
      });

      describe('softmax cross-entropy', () => {
        it('loss, log-softmax and gradient: wide spreads, -∞ logits, ignored rows, empty', () => {
          const r = rng(101);
          withThreadsAll(() => {
            for (const [rows, cols] of [
              [1, 1],
              [5, 3],
              [0, 4],
              [64, 10],
              [300, 257],
            ]) {
              const x = floats(rows * cols, r, { lo: -30, hi: 30 });
              if (rows * cols > 3) x[2] = Number.NEGATIVE_INFINITY;
              const target = Int32Array.from({ length: rows }, (_, i) =>
                i % 7 === 3 ? -100 : (i * 5) % cols,
              );
              const scale = floats(rows, r).map((v, i) => (target[i] === -100 ? 0 : v));
              const loss = [new Float32Array(rows), new Float32Array(rows)];
              const logp = [new Float32Array(rows * cols), new Float32Array(rows * cols)];
              const dx = [new Float32Array(rows * cols), new Float32Array(rows * cols)];
              [ts, native].forEach((be, i) => {
                be.softmaxCrossEntropy(x, rows, cols, target, -100, loss[i], logp[i]);
                be.softmaxCrossEntropyBackward(logp[i], rows, cols, target, scale, dx[i]);
              });
              const what = `softmaxCrossEntropy [${rows}, ${cols}]`;
              expectNear(loss[1], loss[0], `${what} loss`, { atol: 1e-5 });
              expectNear(logp[1], logp[0], `${what} logp`, { atol: 1e-5 });
              expectNear(dx[1], dx[0], `${what} dx`, { atol: 1e-6 });
            }
          });
        });
      });

      describe('recurrent cells', () => {
        // [batch, hidden]: size-1, empty batch, empty hidden, and a case large enough to split over threads
        const cases: [batch: number, hidden: number][] = [
          [1, 1],
          [3, 5],
          [0, 4],
          [4, 0],
          [37, 70],
        ];

        it('lstmCell and lstmCellBackward: gates far into saturation, zero upstream gradients', () => {
          const r = rng(91);
          withThreadsAll(() => {
            for (const [n, h] of cases) {
              const gates = floats(n * 4 * h, r, { lo: -12, hi: 12 });
              const c = floats(n * h, r);
              const want = [new Float32Array(n * h), new Float32Array(n * h), new Float32Array(4 * n * h)];
              const got = [new Float32Array(n * h), new Float32Array(n * h), new Float32Array(4 * n * h)];
              ts.lstmCell(gates, c, n, h, want[0], want[1], want[2]);
              native.lstmCell(gates, c, n, h, got[0], got[1], got[2]);
              const what = `lstmCell [${n}, ${h}]`;
              expectNear(got[0], want[0], `${what} h`, { atol: 1e-6 });
              expectNear(got[1], want[1], `${what} c`, { atol: 1e-6 });
              expectNear(got[2], want[2], `${what} gates`, { atol: 1e-6 });
              const dh = floats(n * h, r);
              // the cell state's gradient is all zeros when only h' is used downstream
              for (const dc of [floats(n * h, r), new Float32Array(n * h)]) {
                const gWant = [new Float32Array(4 * n * h), new Float32Array(n * h)];
                const gGot = [new Float32Array(4 * n * h), new Float32Array(n * h)];
                ts.lstmCellBackward(want[2], c, want[1], dh, dc, n, h, gWant[0], gWant[1]);
                native.lstmCellBackward(want[2], c, want[1], dh, dc, n, h, gGot[0], gGot[1]);
                expectNear(gGot[0], gWant[0], `${what} dGates`, { atol: 1e-6 });
                expectNear(gGot[1], gWant[1], `${what} dcPrev`, { atol: 1e-6 });
              }
            }
          });
        });

        it('gruCell and gruCellBackward: gates far into saturation', () => {
          const r = rng(92);
          withThreadsAll(() => {
            for (const [n, h] of cases) {
              const xProj = floats(n * 3 * h, r, { lo: -12, hi: 12 });
              const hProj = floats(n * 3 * h, r, { lo: -12, hi: 12 });
              const hPrev = floats(n * h, r);
              const want = [new Float32Array(n * h), new Float32Array(3 * n * h)];
              const got = [new Float32Array(n * h), new Float32Array(3 * n * h)];
              ts.gruCell(xProj, hProj, hPrev, n, h, want[0], want[1]);
              native.gruCell(xProj, hProj, hPrev, n, h, got[0], got[1]);
              const what = `gruCell [${n}, ${h}]`;
              expectNear(got[0], want[0], `${what} h`, { atol: 1e-6 });
              expectNear(got[1], want[1], `${what} gates`, { atol: 1e-6 });
              const dh = floats(n * h, r);
              const gWant = [
                new Float32Array(3 * n * h),
                new Float32Array(3 * n * h),
                new Float32Array(n * h),
              ];
              const gGot = [
                new Float32Array(3 * n * h),
                new Float32Array(3 * n * h),
                new Float32Array(n * h),
              ];
              ts.gruCellBackward(want[1], hProj, hPrev, dh, n, h, gWant[0], gWant[1], gWant[2]);
              native.gruCellBackward(want[1], hProj, hPrev, dh, n, h, gGot[0], gGot[1], gGot[2]);
              expectNear(gGot[0], gWant[0], `${what} dxProj`, { atol: 1e-6 });
              expectNear(gGot[1], gWant[1], `${what} dhProj`, { atol: 1e-6 });
              expectNear(gGot[2], gWant[2], `${what} dhPrev`, { atol: 1e-6 });
            }
          });
        });
      });

      describe('batch normalisation', () => {
        it('statistics, normalisation and gradient: offset means, size-1 and empty axes, with and without affine', () => {
          const r = rng(93);
          // [batch, channels, inner]
          const cases: [number, number, number][] = [
            [1, 1, 2],
            [5, 3, 1],
            [4, 2, 7],
            [0, 3, 4],
            [2, 0, 3],
            [16, 11, 300],
            // rows of a 112² map: 196 of the compiled kernels' float runs, added up in double
            [2, 2, 12544],
          ];
          withThreadsAll(() => {
            for (const [n, c, inner] of cases) {
              const size = n * c * inner;
              const x = floats(size, r, { lo: 2, hi: 6 });
              const what = `batchNorm [${n}, ${c}, ${inner}]`;
              const mean = [new Float32Array(c), new Float32Array(c)];
              const variance = [new Float32Array(c), new Float32Array(c)];
              ts.batchNormStats(x, n, c, inner, mean[0], variance[0]);
              native.batchNormStats(x, n, c, inner, mean[1], variance[1]);
              if (n * inner > 0) {
                expectNear(mean[1], mean[0], `${what} mean`, { atol: 1e-6 });
                expectNear(variance[1], variance[0], `${what} variance`, { atol: 1e-6 });
              }
              const invStd = Float32Array.from(variance[0], (v) => 1 / Math.sqrt(v + 1e-5));
              const dy = floats(size, r);
              for (const [affine, relu] of [
                [true, false],
                [false, false],
                [true, true],
                [false, true],
              ]) {
                const w = affine ? floats(c, r) : null;
                const b = affine ? floats(c, r) : null;
                const out = [new Float32Array(size), new Float32Array(size)];
                ts.batchNorm(x, n, c, inner, mean[0], invStd, w, b, out[0], relu);
                native.batchNorm(x, n, c, inner, mean[0], invStd, w, b, out[1], relu);
                const kind = `${affine ? 'affine' : 'plain'}${relu ? ' + relu' : ''}`;
                expectNear(out[1], out[0], `${what} ${kind} out`, { atol: 1e-5 });
                // the fused ReLU is the relu kernel of the plain output, bit for bit
                const plain = new Float32Array(size);
                native.batchNorm(x, n, c, inner, mean[0], invStd, w, b, plain, false);
                if (relu) {
                  const composed = new Float32Array(size);
                  native.unary('relu', plain, composed, 0);
                  expect(out[1]).toEqual(composed);
                }
                // both backends mask by the same output
                const y = relu ? out[0] : null;
                let masked = dy;
                if (y) {
                  masked = new Float32Array(size);
                  native.unaryGrad('relu', y, y, dy, masked, 0);
                }
                for (const training of [true, false]) {
                  const grads = [0, 1, 2].map(
                    () => [new Float32Array(size), new Float32Array(c), new Float32Array(c)] as const,
                  );
                  const [g0, g1, g2] = grads;
                  const info = { batch: n, channels: c, inner, training };
                  ts.batchNormBackward(x, dy, mean[0], invStd, w, info, g0[0], g0[1], g0[2], y);
                  native.batchNormBackward(x, dy, mean[0], invStd, w, info, g1[0], g1[1], g1[2], y);
                  const which = `${what} ${kind} ${training ? 'training' : 'eval'}`;
                  expectNear(g1[0], g0[0], `${which} dx`, { atol: 1e-5 });
                  expectNear(g1[1], g0[1], `${which} dWeight`, { atol: 1e-4 });
                  expectNear(g1[2], g0[2], `${which} dBias`, { atol: 1e-4 });
                  // the masked gradient is the ReLU's gradient fed to the plain backward pass, bit for bit
                  native.batchNormBackward(x, masked, mean[0], invStd, w, info, g2[0], g2[1], g2[2], null);
                  expect(g1).toEqual(g2);
                }
              }
            }
          });
        });
      });

      describe('optimisers', () => {
        it("adamStep: Adam, AdamW, AMSGrad and maximise give the reference's float32 arithmetic bit for bit over several steps", () => {
          const r = rng(97);
          withThreadsAll(() => {
            for (const n of [0, 1, 7, 50_001]) {
              for (const [decay, l2, sign, amsgrad] of [
                [1, 0, 1, false],
                [1, 0.1, 1, true],
                [0.999, 0, -1, false],
                [0.99, 0, 1, true],
              ] as const) {
                const p = [floats(n, r), new Float32Array(n)];
                p[1].set(p[0]);
                const state = [0, 1].map(() => [
                  new Float32Array(n),
                  new Float32Array(n),
                  new Float32Array(n),
                ]);
                for (let step = 1; step <= 4; step++) {
                  const grad = floats(n, r);
                  const h = {
                    beta1: 0.9,
                    beta2: 0.999,
                    stepSize: 1e-3 / (1 - 0.9 ** step),
                    bias2Sqrt: Math.sqrt(1 - 0.999 ** step),
                    eps: 1e-8,
                    decay,
                    l2,
                    sign,
                  };
                  [ts, native].forEach((be, i) => {
                    const [m, v, vMax] = state[i];
                    be.adamStep(p[i], grad, m, v, amsgrad ? vMax : null, h);
                  });
                }
                const what = `adamStep n=${n} decay=${decay} l2=${l2} sign=${sign} amsgrad=${amsgrad}`;
                // both sides round every operation to float in the same order: no tolerance
                const exact = { rtol: 0, atol: 0 };
                expectNear(p[1], p[0], `${what} p`, exact);
                expectNear(state[1][0], state[0][0], `${what} m`, exact);
                expectNear(state[1][1], state[0][1], `${what} v`, exact);
                expectNear(state[1][2], state[0][2], `${what} vMax`, exact);
              }
            }
          });
        });
      });

      describe('optimisers: SGD, RMSprop, Adagrad', () => {
        // several steps over the same gradients on both backends, from zero state (as the optimisers make it)
        const sizes = [0, 1, 7, 50_001];
        const steps = 4;
        const run = (
          n: number,
          r: () => number,
          stateCount: number,
          step: (be: Backend, p: Float32Array, grad: Float32Array, state: Float32Array[], t: number) => void,
        ) => {
          const p = [floats(n, r), new Float32Array(n)];
          p[1].set(p[0]);
          const state = [0, 1].map(() => Array.from({ length: stateCount }, () => new Float32Array(n)));
          for (let t = 1; t <= steps; t++) {
            const grad = floats(n, r);
            [ts, native].forEach((be, i) => {
              step(be, p[i], grad, state[i], t);
            });
          }
          return { p, state };
        };
        const compare = (what: string, out: { p: Float32Array[]; state: Float32Array[][] }) => {
          expectNear(out.p[1], out.p[0], `${what} p`, { atol: 1e-7 });
          out.state[0].forEach((s, k) => {
            expectNear(out.state[1][k], s, `${what} state ${k}`, { atol: 1e-7 });
          });
        };

        it('sgdStep: plain, momentum with dampening, Nesterov, weight decay and maximise agree with the reference', () => {
          const r = rng(101);
          withThreadsAll(() => {
            for (const n of sizes) {
              for (const [momentum, dampening, nesterov, l2, sign] of [
                [0, 0, 0, 0, 1],
                [0, 0, 0, 0.1, -1],
                [0.9, 0, 0, 0, 1],
                [0.9, 0.3, 0, 0.01, 1],
                [0.8, 0, 1, 0.05, -1],
              ] as const) {
                const out = run(n, r, 1, (be, p, grad, [buf], t) => {
                  const keep = t === 1 ? 1 : 1 - dampening;
                  be.sgdStep(p, grad, momentum === 0 ? null : buf, {
                    lr: 0.05,
                    momentum,
                    keep,
                    l2,
                    sign,
                    nesterov,
                  });
                });
                compare(
                  `sgdStep n=${n} momentum=${momentum} dampening=${dampening} nesterov=${nesterov}`,
                  out,
                );
              }
            }
          });
        });

        it('rmspropStep: plain, centred, momentum, weight decay and maximise agree with the reference', () => {
          const r = rng(103);
          withThreadsAll(() => {
            for (const n of sizes) {
              for (const [centered, momentum, l2, sign] of [
                [false, 0, 0, 1],
                [true, 0, 0, 1],
                [false, 0.9, 0.01, -1],
                [true, 0.5, 0.1, 1],
              ] as const) {
                const out = run(n, r, 3, (be, p, grad, [sq, avg, buf]) => {
                  be.rmspropStep(p, grad, sq, centered ? avg : null, momentum > 0 ? buf : null, {
                    lr: 0.01,
                    alpha: 0.99,
                    eps: 1e-8,
                    l2,
                    momentum,
                    sign,
                  });
                });
                compare(`rmspropStep n=${n} centered=${centered} momentum=${momentum}`, out);
              }
            }
          });
        });

        it('adagradStep: a decaying rate, an initial accumulator, weight decay and maximise agree with the reference', () => {
          const r = rng(107);
          withThreadsAll(() => {
            for (const n of sizes) {
              for (const [lrDecay, initial, l2, sign] of [
                [0, 0, 0, 1],
                [0.1, 0.5, 0, 1],
                [0, 0.1, 0.05, -1],
              ] as const) {
                const out = run(n, r, 1, (be, p, grad, [sum], t) => {
                  if (t === 1) sum.fill(initial);
                  be.adagradStep(p, grad, sum, { lr: 0.1 / (1 + (t - 1) * lrDecay), eps: 1e-10, l2, sign });
                });
                compare(`adagradStep n=${n} lrDecay=${lrDecay} initial=${initial}`, out);
              }
            }
          });
        });
      });

      describe('convolution', () => {
        type Case = [x: number[], w: number[], options: Conv2dOptions];
        // Winograd with several images per thread: the filter gradient adds one partial sum per thread
        const winogradBatch: Case = [[11, 16, 7, 8], [24, 16, 3, 3], { padding: 1 }];
        const cases: Case[] = [
          [[2, 3, 7, 6], [4, 3, 3, 3], { padding: 1 }],
          [[2, 3, 9, 8], [5, 3, 3, 3], { stride: 2, padding: [1, 0], dilation: 2 }],
          [[1, 2, 10, 11], [3, 2, 2, 3], { stride: [3, 1], padding: [0, 2], dilation: [1, 2] }],
          [[2, 4, 6, 6], [6, 2, 3, 3], { groups: 2, padding: 1 }],
          [[2, 4, 8, 7], [4, 1, 3, 3], { groups: 4, stride: 2, padding: 1 }],
          [[2, 4, 8, 7], [8, 1, 3, 3], { groups: 4, padding: [2, 1], dilation: 2 }],
          [[1, 3, 9, 9], [6, 1, 5, 3], { groups: 3, stride: [2, 3], padding: [2, 1] }],
          [[2, 3, 6, 5], [3, 1, 2, 2], { groups: 3, padding: 2 }],
          [[2, 4, 7, 6], [4, 1, 4, 4], { groups: 4, padding: 'same' }],
          [[1, 2, 9, 8], [2, 1, 3, 2], { groups: 2, dilation: [3, 2] }],
          [[3, 5, 4, 6], [7, 5, 1, 1], {}],
          [[2, 6, 5, 5], [4, 3, 1, 1], { groups: 2 }],
          [[2, 5, 7, 7], [3, 5, 1, 1], { stride: 2 }],
          [[2, 3, 6, 6], [2, 3, 4, 4], { padding: 'same' }],
          [[1, 1, 5, 5], [1, 1, 5, 5], {}],
          [[1, 2, 1, 1], [3, 2, 1, 1], {}],
          [[3, 1, 28, 28], [8, 1, 3, 3], { padding: 1 }],
          [[0, 3, 5, 5], [2, 3, 3, 3], {}],
          // large enough to split: a single image (GEMMs split), a batch (images per thread), depthwise planes
          [[1, 16, 20, 20], [32, 16, 3, 3], { padding: 1 }],
          [[4, 8, 12, 12], [16, 8, 3, 3], { padding: 1, stride: 1 }],
          [[5, 8, 12, 12], [16, 4, 3, 3], { padding: 1, groups: 2 }],
          [[4, 16, 20, 20], [32, 16, 1, 1], {}],
          [[3, 32, 20, 20], [32, 1, 3, 3], { padding: 1, groups: 32 }],
          // depthwise with output planes the input's size (the margined filter gradient): 4×4 to 32×32 planes,
          // two outputs per channel, a rectangular plane and kernel, dilation, taps that never reach the plane
          [[4, 64, 4, 4], [64, 1, 3, 3], { padding: 1, groups: 64 }],
          [[2, 6, 8, 8], [12, 1, 3, 3], { padding: 1, groups: 6 }],
          [[2, 4, 5, 7], [4, 1, 3, 5], { padding: [1, 2], groups: 4 }],
          [[2, 4, 6, 6], [4, 1, 3, 3], { padding: 2, dilation: 2, groups: 4 }],
          [[2, 2, 2, 2], [2, 1, 5, 5], { padding: 2, groups: 2 }],
          [[2, 16, 32, 32], [16, 1, 3, 3], { padding: 1, groups: 16 }],
          // few output pixels, odd batches, strides with dilation and groups, a 2×3 kernel, split over images
          [[7, 16, 4, 4], [32, 16, 3, 3], { padding: 1 }],
          [[8, 32, 9, 9], [64, 16, 3, 3], { stride: 2, padding: [1, 0], dilation: [1, 2], groups: 2 }],
          [[9, 24, 7, 5], [40, 24, 1, 1], {}],
          [[5, 16, 6, 6], [24, 16, 2, 3], { stride: [1, 2], padding: [1, 0] }],
          // the direct stride-1 kernels: channel counts that leave partial tiles of output channels (and, in the
          // input gradient, of input channels), held rows that end mid-tile, dilation, groups, padding larger than
          // the kernel reaches (the input gradient's geometry has negative padding) and none at all, 'same' with an
          // even kernel (uneven padding), maps wide enough for the direct filter gradient, one image and a batch
          [[3, 5, 9, 11], [7, 5, 3, 3], { padding: 1 }],
          [[2, 6, 10, 9], [10, 3, 3, 2], { padding: [2, 1], dilation: [2, 3], groups: 2 }],
          [[2, 3, 6, 7], [5, 3, 3, 3], { padding: 3 }],
          [[2, 4, 8, 8], [6, 4, 5, 5], {}],
          [[2, 3, 9, 10], [4, 3, 4, 4], { padding: 'same' }],
          [[3, 3, 20, 20], [10, 3, 3, 3], { padding: 1 }],
          [[1, 17, 18, 17], [5, 17, 3, 3], { padding: 1 }],
          [[4, 16, 17, 19], [16, 8, 5, 5], { padding: 2, groups: 2 }],
          // the direct filter gradient over several images per pass (20² planes: two to a pass), with a remainder
          [[7, 6, 20, 20], [8, 6, 3, 3], { padding: 1 }],
          // the kernels vectorised over output channels (16-channel tiles × 6 positions): a partial position tile with
          // uneven padding and two full channel tiles; groups in both passes (16 channels per group each way)
          [[3, 24, 7, 9], [32, 24, 3, 3], { padding: [1, 2] }],
          [[2, 32, 5, 6], [32, 16, 3, 3], { padding: 1, groups: 2 }],
          // a partial channel tile (40 = 2½ tiles) where it still wins: the forward pass and filter gradient, then
          // the input gradient
          [[2, 4, 8, 8], [40, 4, 3, 3], { padding: 1 }],
          [[2, 40, 8, 8], [8, 40, 3, 3], { padding: 1 }],
          // its filter gradient: a partial tile of products (5 channels × 9 taps), and passes of 4 images with a
          // remainder on one thread
          [[3, 5, 6, 7], [16, 5, 3, 3], { padding: 1 }],
          [[5, 16, 16, 16], [16, 16, 3, 3], { padding: 1 }],
          // … and at stride 2 (forward and filter gradient over phase planes); a strided 1×1 kernel stays unfolded
          [[2, 6, 11, 9], [16, 6, 3, 3], { stride: 2, padding: 1 }],
          [[3, 8, 9, 7], [16, 8, 1, 1], { stride: 2 }],
          // the strided input gradient by phases, vectorised over 16 input channels: odd and even sizes, an even
          // kernel, a stride on one axis with dilation, groups, and a 1×3 kernel whose odd rows no tap reaches
          [[3, 16, 9, 8], [8, 16, 3, 3], { stride: 2, padding: 1 }],
          [[2, 32, 10, 7], [16, 32, 4, 4], { stride: 2, padding: 1 }],
          [[2, 16, 7, 9], [8, 16, 3, 3], { stride: [2, 1], padding: [1, 0], dilation: [1, 2] }],
          [[2, 32, 8, 8], [8, 16, 3, 3], { stride: 2, padding: 2, groups: 2 }],
          [[2, 16, 9, 9], [8, 16, 1, 3], { stride: 2 }],
          // single images with one 16-channel block, which the pool splits by position or product tiles and by phase
          [[1, 8, 10, 10], [16, 8, 3, 3], { padding: 1 }],
          [[1, 16, 7, 7], [16, 16, 3, 3], { stride: 2, padding: 1 }],
          // stride 2 (the direct forward pass over phase planes): odd and even sizes, a stride on one axis only
          // with dilation, and a wide map
          [[2, 4, 40, 38], [6, 4, 3, 3], { stride: 2, padding: 1 }],
          [[2, 3, 31, 21], [5, 3, 3, 3], { stride: [2, 1], padding: [1, 2], dilation: [1, 2] }],
          [[3, 6, 9, 10], [4, 3, 4, 2], { stride: [1, 2], padding: [2, 0], dilation: [2, 1], groups: 2 }],
          // Winograd F(2×2, 3×3) (3×3, stride 1, 16+ channels, maps from 7×7): odd output sizes (half tiles), channels
          // that are not multiples of 16 (held in 16s) with a partial 6-row tile of output channels in the filter
          // gradient, padding 0, 2 and uneven (the input gradient's geometry pads 2 − p), passes of several images
          // with a remainder, one image (blocks split over the pool, the filter gradient stays direct on 2 threads)
          [[3, 16, 9, 11], [24, 16, 3, 3], { padding: 1 }],
          [[2, 24, 10, 9], [40, 24, 3, 3], {}],
          [[2, 16, 8, 12], [16, 16, 3, 3], { padding: [2, 0] }],
          [[2, 32, 7, 7], [16, 32, 3, 3], { padding: [0, 2] }],
          winogradBatch,
          [[1, 24, 15, 13], [32, 24, 3, 3], { padding: 1 }],
          // … on the smallest maps it takes (4 × 4 and 4 × 5 outputs: every patch reaches into the padding)
          [[9, 32, 4, 4], [48, 32, 3, 3], { padding: 1 }],
          [[3, 16, 6, 5], [16, 16, 3, 3], { padding: [0, 1] }],
          // … and channel counts that are not multiples of a vector (GoogLeNet-mini's 28→56 branch; 30 and 60 leave
          // 6 and 4 channels past the last whole vector, one image splits the release by channel groups)
          [[3, 28, 9, 9], [56, 28, 3, 3], { padding: 1 }],
          [[1, 30, 7, 8], [60, 30, 3, 3], { padding: 1 }],
          // kernels that cover the whole input (one output position, a GEMM over the batch): LeNet-5's C5, a
          // rectangular one, a stride that changes nothing, one image; with padding or groups it is a convolution
          [[9, 16, 5, 5], [120, 16, 5, 5], {}],
          [[3, 4, 3, 6], [7, 4, 3, 6], { stride: 2 }],
          [[1, 5, 4, 4], [3, 5, 4, 4], {}],
          [[2, 4, 3, 3], [6, 2, 3, 3], { groups: 2 }],
          [[2, 3, 2, 2], [4, 3, 4, 4], { padding: 1 }],
        ];

        const label = (x: number[], w: number[], o: Conv2dOptions) =>
          `x [${x}] w [${w}] ${JSON.stringify(o)}`;

        /** The three passes of one case on the compiled backend against the TypeScript kernels. */
        const compareConv = ([xShape, wShape, options]: Case, r: () => number, through = '') => {
          const info: Conv2dInfo = conv2dInfo(xShape, wShape, options);
          const outSize = info.batch * info.outChannels * info.outHeight * info.outWidth;
          const x = floats(sizeOf(xShape), r, { lo: -1, hi: 1 });
          const w = floats(sizeOf(wShape), r, { lo: -1, hi: 1 });
          const dy = floats(outSize, r, { lo: -1, hi: 1 });
          const what = `${label(xShape, wShape, options)} on ${getNumThreads()} threads${through}`;
          const taps = info.kernelHeight * info.kernelWidth;

          // half the cases with a bias: added by the forward kernel, its gradient summed by the filter gradient's
          const bias = r() < 0.5 ? floats(info.outChannels, r) : null;

          const want = new Float32Array(outSize);
          const got = new Float32Array(outSize).fill(Number.NaN);
          ts.conv2d(x, w, info, want, bias);
          native.conv2d(x, w, info, got, bias);
          expectNear(got, want, `conv2d ${what}${bias ? ' with a bias' : ''}`, {
            atol: 1e-6 * (wShape[1] * taps + 1),
          });

          const dxWant = new Float32Array(x.length);
          const dxGot = new Float32Array(x.length).fill(Number.NaN);
          ts.conv2dBackpropInput(dy, w, info, dxWant);
          native.conv2dBackpropInput(dy, w, info, dxGot);
          const perGroup = info.outChannels / info.groups;
          expectNear(dxGot, dxWant, `conv2dBackpropInput ${what}`, {
            atol: 1e-6 * (perGroup * taps + 1),
          });

          const dwWant = new Float32Array(w.length);
          const dwGot = new Float32Array(w.length).fill(Number.NaN);
          const dbWant = bias ? new Float32Array(info.outChannels) : null;
          const dbGot = bias ? new Float32Array(info.outChannels).fill(Number.NaN) : null;
          ts.conv2dBackpropFilter(x, dy, info, dwWant, dbWant);
          native.conv2dBackpropFilter(x, dy, info, dwGot, dbGot);
          const terms = info.batch * info.outHeight * info.outWidth;
          expectNear(dwGot, dwWant, `conv2dBackpropFilter ${what}`, { atol: 1e-6 * (terms + 1) });
          if (dbGot && dbWant) {
            expectNear(dbGot, dbWant, `conv2dBackpropFilter's bias gradient ${what}`, {
              atol: 1e-6 * (terms + 1),
            });
          }
        };

        it('forward, input gradient and filter gradient: strides, padding, dilation, groups, depthwise', () => {
          const r = rng(91);
          withThreadsAll(() => {
            for (const c of cases) compareConv(c, r);
          });
        });

        it('depthwise, all three passes: an Inf or NaN beside a plane’s edge reaches only the taps that read it', () => {
          const r = rng(95);
          // output planes the input's size (margined planes), and smaller ones (padding 0: the flat kernels)
          for (const [h, w, padding] of [
            [4, 4, 1],
            [5, 7, 1],
            [5, 7, 0],
          ]) {
            const xShape = [2, 3, h, w];
            const info = conv2dInfo(xShape, [3, 1, 3, 3], { padding, groups: 3 });
            const what = `on ${h}×${w} planes, padding ${padding}`;
            const outSize = 2 * 3 * info.outHeight * info.outWidth;
            const ow = info.outWidth;
            // an Inf at the end of a row and a NaN at the start of the next, in the input and in the output
            // gradient: the taps that wrap to the next row would see them
            const x = floats(sizeOf(xShape), r, { lo: -1, hi: 1 });
            x[w - 1] = Number.POSITIVE_INFINITY;
            x[2 * w] = Number.NaN;
            const dy = floats(outSize, r, { lo: -1, hi: 1 });
            dy[ow - 1] = Number.NEGATIVE_INFINITY;
            dy[2 * ow] = Number.NaN;
            const k = floats(27, r, { lo: -1, hi: 1 });
            const pairs: [string, (be: Backend, out: Float32Array) => void, number][] = [
              ['forward', (be, out) => be.conv2d(x, k, info, out), outSize],
              ['input gradient', (be, out) => be.conv2dBackpropInput(dy, k, info, out), x.length],
              ['filter gradient', (be, out) => be.conv2dBackpropFilter(x, dy, info, out), 27],
            ];
            for (const [pass, run, size] of pairs) {
              const want = new Float32Array(size);
              const got = new Float32Array(size).fill(-1);
              run(ts, want);
              run(native, got);
              expectNear(got, want, `depthwise ${pass} ${what}`, { atol: 1e-5 });
              // channel 0 holds the specials, the others none: what reaches them is finite
              // (filter gradient: 3 channels of 9 taps; the others: 2 images of 3 planes, image 0's channels 1, 2)
              const plane = size / 6;
              const rest = pass === 'filter gradient' ? want.slice(9) : want.slice(plane, 3 * plane);
              expect(rest.every(Number.isFinite), `${pass} ${what}: the other channels stay finite`).toBe(
                true,
              );
            }
          }
        });

        // the direct filter gradient over images per thread, and Winograd's sum of per-thread partials
        for (const [through, [xShape, wShape, options], seed] of [
          ['', cases[16], 92],
          [' through the Winograd kernels', winogradBatch, 93],
        ] as const) {
          it(`gives the same numbers run after run${through}`, () => {
            const info = conv2dInfo(xShape, wShape, options);
            const r = rng(seed);
            const x = floats(sizeOf(xShape), r);
            const dy = floats(info.batch * info.outChannels * info.outHeight * info.outWidth, r);
            const first = new Float32Array(sizeOf(wShape));
            const second = new Float32Array(sizeOf(wShape));
            native.conv2dBackpropFilter(x, dy, info, first);
            native.conv2dBackpropFilter(x, dy, info, second);
            expectSame(second, first, 'conv2dBackpropFilter, second run');
          });
        }
        // Every copy of the Winograd kernels this CPU can run, each forced onto every case within the shape
        // bounds whatever its channel fill (16 channels are half zeros on AVX-512's 32-channel grid). On hosts
        // without AVX-512 its arithmetic runs as avx512-emulated; hosts with it run both and compare their bits.
        const WIDE: Case[] = [
          // 32-channel blocks with 8 (and 4) channels past them, passes of several images, one image
          [[3, 40, 9, 7], [48, 40, 3, 3], { padding: 1 }],
          [[2, 44, 8, 6], [36, 44, 3, 3], { padding: [0, 2] }],
          [[5, 64, 6, 6], [96, 64, 3, 3], { padding: 1 }],
          [[1, 33, 9, 10], [70, 33, 3, 3], { padding: 2 }],
        ];
        const winogradShape = ([x, w, o]: Case) => {
          const info = conv2dInfo(x, w, o);
          return (
            info.groups === 1 &&
            info.kernelHeight === 3 &&
            info.kernelWidth === 3 &&
            info.strideHeight === 1 &&
            info.strideWidth === 1 &&
            info.dilationHeight === 1 &&
            info.dilationWidth === 1 &&
            info.inChannels >= 16 &&
            info.outChannels >= 16 &&
            info.outHeight >= 4 &&
            info.outWidth >= 4
          );
        };

        it.skipIf(compiled.name !== 'native')('every copy of the Winograd kernels the CPU can run', () => {
          const copies = nativeWinogradCopies().filter((c) => c !== 'auto' && c !== 'off');
          if (hasAvx2(CPU_FLAGS)) {
            expect(copies).toEqual(expect.arrayContaining(['avx2', 'avx512-emulated']));
            expect(copies.includes('avx512')).toBe(CPU_FLAGS.includes('avx512f'));
            expect(['avx2', 'avx512']).toContain(nativeWinogradDefault());
          }
          const winograd = [...cases.filter(winogradShape), ...WIDE];
          expect(winograd.length).toBeGreaterThan(15);
          try {
            for (const copy of copies) {
              selectNativeWinograd(copy);
              const r = rng(94);
              withThreadsAll(() => {
                for (const c of winograd) compareConv(c, r, ` through the ${copy} copy`);
              });
            }
          } finally {
            selectNativeWinograd('auto');
          }
          expect(() => selectNativeWinograd('avx1024')).toThrow(
            /no copy 'avx1024' on this CPU \(available: auto, off/,
          );
        });

        it.skipIf(compiled.name !== 'native' || !nativeWinogradCopies().includes('avx512'))(
          'the AVX-512 copy computes what its emulation on AVX2 computes, bit for bit',
          () => {
            const r = rng(95);
            try {
              for (const c of WIDE) {
                const info = conv2dInfo(...c);
                const x = floats(sizeOf(c[0]), r);
                const w = floats(sizeOf(c[1]), r);
                const dy = floats(info.batch * info.outChannels * info.outHeight * info.outWidth, r);
                const run = (copy: string) => {
                  selectNativeWinograd(copy);
                  const out = new Float32Array(dy.length);
                  const dx = new Float32Array(x.length);
                  const dw = new Float32Array(w.length);
                  native.conv2d(x, w, info, out);
                  native.conv2dBackpropInput(dy, w, info, dx);
                  native.conv2dBackpropFilter(x, dy, info, dw);
                  return [out, dx, dw];
                };
                const [real, emulated] = [run('avx512'), run('avx512-emulated')];
                for (let i = 0; i < 3; i++) expectSame(real[i], emulated[i], `${label(...c)} pass ${i}`);
              }
            } finally {
              selectNativeWinograd('auto');
            }
          },
        );
      });

      describe('pooling', () => {
        const cases: [x: number[], kernel: number | [number, number], options: Pool2dOptions][] = [
          [[2, 3, 7, 7], 3, { stride: 2, padding: 1 }],
          [[2, 3, 8, 6], 2, {}],
          [[1, 2, 9, 8], [3, 2], { stride: [1, 2], padding: [1, 0], dilation: [2, 1] }],
          [[2, 2, 8, 8], 3, { stride: 2, ceilMode: true }],
          [[2, 2, 7, 9], [3, 3], { stride: 2, padding: 1, ceilMode: true }],
          [[1, 3, 7, 7], 3, { dilation: 2, padding: 1 }],
          [[3, 2, 5, 5], [2, 3], { stride: [1, 2], padding: [1, 1], ceilMode: true, countIncludePad: false }],
          [[2, 2, 6, 5], 3, { stride: 2, padding: 1, countIncludePad: false }],
          [[1, 1, 1, 1], 1, {}],
          [[8, 16, 24, 24], 2, {}],
          [[4, 16, 15, 15], 3, { stride: 2, padding: 1, ceilMode: true }],
          // windows wholly inside the input take the native fast paths: 2×2 stride 2 (odd sizes leave a row and a
          // column unread), 2×2 and 3×3 at other strides
          [[2, 3, 9, 7], 2, {}],
          [[2, 3, 7, 8], 2, { stride: 1 }],
          [[2, 3, 9, 9], 3, { stride: 3 }],
          [[2, 2, 7, 7], 3, { stride: 1 }],
          // the row-at-a-time general path: stride-1 padded windows over rows long enough to vectorise (the
          // Inception pool branch), and a kernel wider than the per-column ranges it caches
          [[2, 3, 19, 37], 3, { stride: 1, padding: 1 }],
          [[1, 2, 5, 40], [1, 17], { padding: [0, 8] }],
          [[2, 2, 11, 30], [2, 5], { stride: [1, 3], padding: [1, 2], dilation: [2, 1], ceilMode: true }],
          // stride 1: flat loops over padded planes (4×4 maps as in GoogLeNet's last stages, dilation, a tall kernel)
          [[2, 4, 4, 4], 3, { stride: 1, padding: 1 }],
          [[1, 2, 6, 5], [3, 2], { stride: 1, padding: 1, dilation: [2, 1] }],
          [[2, 2, 9, 3], [5, 1], { stride: 1, padding: [2, 0], ceilMode: true }],
        ];

        const label = (x: number[], k: number | number[], o: Pool2dOptions) =>
          `x [${x}] kernel ${k} ${JSON.stringify(o)}`;

        it('max pooling and its gradient: ties, NaN, all -∞, padding never wins', () => {
          const r = rng(101);
          withThreadsAll(() => {
            for (const [xShape, kernel, options] of cases) {
              const info: Pool2dInfo = pool2dInfo(xShape, kernel, options);
              const outSize = info.batch * info.channels * info.outHeight * info.outWidth;
              const n = sizeOf(xShape);
              const inputs = [
                floats(n, r),
                Float32Array.from(ints(n, r, { lo: -2, hi: 1 }), (v) => (r() < 0.03 ? Number.NaN : v)),
                new Float32Array(n).fill(Number.NEGATIVE_INFINITY),
              ];
              for (const [t, x] of inputs.entries()) {
                const what = `maxPool2d ${label(xShape, kernel, options)} input ${t} on ${getNumThreads()} threads`;
                const want = new Float32Array(outSize);
                const wantArg = new Int32Array(outSize);
                const got = new Float32Array(outSize);
                const gotArg = new Int32Array(outSize);
                ts.maxPool2d(x, info, want, wantArg);
                native.maxPool2d(x, info, got, gotArg);
                expectSame(got, want, what);
                expectSame(gotArg, wantArg, `${what} argmax`);
                const dy = floats(outSize, r);
                const dxWant = new Float32Array(n);
                const dxGot = new Float32Array(n).fill(Number.NaN);
                ts.maxPool2dBackward(dy, wantArg, info, dxWant);
                native.maxPool2dBackward(dy, wantArg, info, dxGot);
                expectSame(dxGot, dxWant, `${what} backward`);
              }
            }
          });
        });

        it('average pooling and its gradient, with and without padding in the divisor', () => {
          const r = rng(102);
          withThreadsAll(() => {
            for (const [xShape, kernel, options] of cases) {
              for (const countIncludePad of [true, false]) {
                const opts = { ...options, dilation: 1, countIncludePad };
                const info = pool2dInfo(xShape, kernel, opts);
                const outSize = info.batch * info.channels * info.outHeight * info.outWidth;
                const x = floats(sizeOf(xShape), r);
                const what = `avgPool2d ${label(xShape, kernel, opts)}`;
                const want = new Float32Array(outSize);
                const got = new Float32Array(outSize);
                ts.avgPool2d(x, info, want);
                native.avgPool2d(x, info, got);
                expectNear(got, want, what);
                const dy = floats(outSize, r);
                const dxWant = new Float32Array(x.length);
                const dxGot = new Float32Array(x.length).fill(Number.NaN);
                ts.avgPool2dBackward(dy, info, dxWant);
                native.avgPool2dBackward(dy, info, dxGot);
                expectNear(dxGot, dxWant, `${what} backward`);
              }
            }
          });
        });

        it('adaptive average pooling, shrinking, keeping and growing', () => {
          const r = rng(103);
          const cases: [planes: number, inH: number, inW: number, outH: number, outW: number][] = [
            [6, 7, 5, 3, 2],
            [2, 4, 4, 4, 4],
            [3, 5, 3, 7, 4],
            [4, 6, 6, 1, 1],
            [512, 14, 14, 7, 7],
          ];
          withThreadsAll(() => {
            for (const [planes, inH, inW, outH, outW] of cases) {
              const x = floats(planes * inH * inW, r);
              const what = `adaptiveAvgPool2d ${planes}×${inH}×${inW} → ${outH}×${outW}`;
              const want = new Float32Array(planes * outH * outW);
              const got = new Float32Array(planes * outH * outW);
              ts.adaptiveAvgPool2d(x, planes, inH, inW, outH, outW, want);
              native.adaptiveAvgPool2d(x, planes, inH, inW, outH, outW, got);
              expectNear(got, want, what);
              const dy = floats(want.length, r);
              const dxWant = new Float32Array(x.length);
              const dxGot = new Float32Array(x.length).fill(Number.NaN);
              ts.adaptiveAvgPool2dBackward(dy, planes, inH, inW, outH, outW, dxWant);
              native.adaptiveAvgPool2dBackward(dy, planes, inH, inW, outH, outW, dxGot);
              expectNear(dxGot, dxWant, `${what} backward`);
            }
          });
        });
      });
    },
  );
}

describe.skipIf(!built)('backend selection in Node', () => {
  const saved = process.env.NEURITE_BACKEND;
  afterAll(() => {
    if (saved === undefined) delete process.env.NEURITE_BACKEND;
    else process.env.NEURITE_BACKEND = saved;
    setBackend('ts');
  });

  it('native first, unless NEURITE_BACKEND names ts or wasm; wasm loads on demand', () => {
    setBackend('ts');
    expect(initNodeBackends('ts')).toBe(loaded);
    expect(listBackends()).toEqual(expect.arrayContaining(['ts', 'native', 'wasm']));
    expect(getBackend().name).toBe('ts');
    initNodeBackends('native');
    expect(getBackend()).toBe(loaded);
    initNodeBackends('wasm');
    expect(getBackend().name).toBe('wasm');
    initNodeBackends('');
    expect(getBackend()).toBe(loaded);
    setBackend('ts');
  });

  it('rejects an unknown NEURITE_BACKEND', () => {
    expect(() => initNodeBackends('gpu')).toThrow(ValueError);
    expect(() => initNodeBackends('gpu')).toThrow(
      /NEURITE_BACKEND must be 'native', 'wasm' or 'ts', got 'gpu'/,
    );
    expect(new ValueError('x')).toBeInstanceOf(NeuriteError);
  });

  it('NEURITE_AVX512=0 keeps CPUs with AVX-512 on the AVX2 copy of the Winograd kernels', () => {
    const avx2 = hasAvx2(CPU_FLAGS);
    const copy = (env: Record<string, string>) =>
      execFileSync(
        process.execPath,
        ['-e', `console.log(require(${JSON.stringify(nativeAddonPath())}).winogradDefault())`],
        { env: { ...process.env, ...env }, encoding: 'utf8' },
      ).trim();
    expect(copy({ NEURITE_AVX512: '0' })).toBe(avx2 ? 'avx2' : 'none');
    expect(copy({ NEURITE_AVX512: '1' })).toBe(
      !avx2 ? 'none' : CPU_FLAGS.includes('avx512f') ? 'avx512' : 'avx2',
    );
  });

  it('setNumThreads takes positive integers only', () => {
    expect(() => setNumThreads(0)).toThrow(ValueError);
    expect(() => setNumThreads(1.5)).toThrow(ValueError);
    withThreads(2, () => expect(getNumThreads()).toBe(2));
  });
});

/** Runs `body` once per thread count in THREADS. */
function withThreadsAll(body: () => void): void {
  for (const n of THREADS) withThreads(n, body);
}
