/**
 * The WebAssembly module's kernels presented as the native addon's functions ({@link Addon}), so that one
 * marshalling layer (`wrapKernels` in ../kernel-abi.ts) serves both compiled backends. Browser-safe.
 *
 * Where tensors live: in ordinary JavaScript memory, as on every backend. Each call copies its input arrays into
 * a reused scratch block of the module's memory, runs the kernel there, and copies its outputs back. Keeping
 * tensors in the WASM heap instead would spare those copies, but the heap cannot learn when a tensor dies (neurite
 * has no dispose(), and views share a tensor's memory), so it would fill up or free memory still in use. The
 * copies cost little next to the kernels that do real work (matrix products, convolutions, recurrent cells),
 * and even the cheapest elementwise kernels, copies included, run as fast as the TypeScript kernels or faster
 * (measured in Node on 2 threads: add of 65,536 floats 0.15 ms vs 0.42 ms; of 2^20 floats 6.2 vs 6.7 ms; exp
 * 1.5 vs 2.7 ms and 31 vs 39 ms). The exceptions are the kernels that touch a small part of a large array
 * (slices, index lookups and their gradients): copying the whole array would cost more than the work, so the
 * backend in ./index.ts leaves those six to TypeScript.
 */
import type { TypedArray } from '../../tensor/dtype.js';
import { type Addon, GEMM_BETA } from '../kernel-abi.js';

/**
 * How each argument of an addon function crosses into WebAssembly, one token per argument in the addon's order:
 * `i` integer, `d` number, `b` boolean (0/1); arrays: `A` a typed array passed as (pointer, length, dtype code),
 * `F` a pointer, `L` a pointer followed by the length, `M` an Int32Array or null (null pointer), `D` a
 * Float64Array, `?` a Float32Array or null, `X` a list of Float32Arrays (nulls allowed) passed as (pointer to a
 * table of their pointers, count). An array token ends in `>` when the kernel writes it without reading (copied out only), `^` when it
 * reads and writes it (copied in and out); otherwise the kernel only reads it.
 */
const SIGNATURES: Record<keyof Addon, string> = {
  binary: 'i A A A> M',
  unary: 'i L F> d',
  unaryGrad: 'i L F F F> d',
  weightedSum: 'X F L> b',
  weightedSumBackward: 'X F L ? X> ?>',
  clamp: 'L d d F>',
  where: 'A A A A> M',
  cast: 'A A>',
  reduce: 'i A i i i A>',
  argReduce: 'b A i i i F>',
  // C is read when beta ≠ 0: see gemm() below, which passes it as an output only when beta = 0
  gemm: 'F F D F^',
  transpose: 'A M A>',
  slice: 'A M A>',
  insert: 'A A^ M b',
  indexSelect: 'A i i i L A>',
  indexAdd: 'F i i i L F^',
  gather: 'A i i i F i A>',
  scatterAdd: 'F i i i F i F^',
  softmax: 'F i i b F>',
  softmaxGrad: 'F F i i b F>',
  softmaxCrossEntropy: 'F i i F i F> F>',
  softmaxCrossEntropyBackward: 'F i i F F F>',
  lstmCell: 'F F i i F> F> F>',
  lstmCellBackward: 'F F F F F i i F> F>',
  gruCell: 'F F F i i F> F>',
  gruCellBackward: 'F F F F i i F> F> F>',
  batchNormStats: 'F i i i F> F>',
  batchNorm: 'F i i i F F ? ? F> b',
  batchNormBackward: 'F F F F ? M F> F> F> ?',
  adamStep: 'L^ F F^ F^ ?^ d d d d d d d d',
  sgdStep: 'L^ F ?^ d d d d d d',
  rmspropStep: 'L^ F F^ ?^ ?^ d d d d d d',
  adagradStep: 'L^ F F^ d d d d',
  conv2d: 'F F M F> ?',
  conv2dBackpropInput: 'F F M F>',
  conv2dBackpropFilter: 'F F M F> ?>',
  maxPool2d: 'F M F> F>',
  maxPool2dBackward: 'F F M F>',
  avgPool2d: 'F M F>',
  avgPool2dBackward: 'F M F>',
  adaptiveAvgPool2d: 'F i i i i i F>',
  adaptiveAvgPool2dBackward: 'F i i i i i F>',
};

/** The module's exports that the loader uses (the kernels take plain numbers: pointers, sizes, flags). */
export interface WasmExports {
  memory?: WebAssembly.Memory;
  neurite_alloc(bytes: number): number;
  neurite_free(ptr: number): void;
  numThreads(): number;
  setNumThreads(n: number): void;
  [kernel: string]: unknown;
}

type Token = { kind: string; dir: 'in' | 'out' | 'inout' };

function parse(sig: string): Token[] {
  return sig.split(' ').map((t) => ({
    kind: t[0],
    dir: t.endsWith('>') ? 'out' : t.endsWith('^') ? 'inout' : 'in',
  }));
}

/** The largest scratch block: the module's memory is at most 2 GiB, and its sizes are signed 32-bit. */
const MAX_SCRATCH = 2 ** 31 - (64 << 20);

const DTYPE_CODE = new Map<unknown, number>([
  [Float32Array, 0],
  [Int32Array, 1],
  [Uint8Array, 2],
]);

/** Options of {@link wasmKernels}. */
export interface WasmKernelOptions {
  /**
   * Fill the scratch memory of output-only arrays with 0xff bytes (NaN) before each call: a kernel that leaves
   * part of an output unwritten then shows up as NaN, as the tests' allocator does for the other backends.
   */
  poisonOutputs?: boolean;
}

/**
 * The module's kernels as {@link Addon} functions over JavaScript typed arrays: each call copies its arrays into
 * one reused block of the module's memory (grown when a call needs more), calls the export, and copies outputs
 * back. Calls are synchronous and never overlap, so one block serves them all.
 */
export function wasmKernels(
  exports: WasmExports,
  memory: WebAssembly.Memory,
  options: WasmKernelOptions = {},
): Addon {
  let scratch = 0;
  let scratchBytes = 0;
  let buffer: ArrayBufferLike | null = null;
  let u8 = new Uint8Array(0);
  let i32 = new Int32Array(0);
  let f32 = new Float32Array(0);
  let f64 = new Float64Array(0);

  // views over the module's memory, renewed when it has grown (a grown memory has a new buffer, or for shared
  // memory a longer one)
  function views(): void {
    const b = memory.buffer;
    if (b === buffer && b.byteLength === u8.byteLength) return;
    buffer = b;
    u8 = new Uint8Array(b);
    i32 = new Int32Array(b);
    f32 = new Float32Array(b);
    f64 = new Float64Array(b, 0, b.byteLength >>> 3);
  }

  function reserve(bytes: number): number {
    if (bytes <= scratchBytes) return scratch;
    if (scratch !== 0) exports.neurite_free(scratch);
    // grow by half again, so a slowly growing workload does not reallocate on every call
    const size = Math.min(Math.max(bytes, Math.floor(scratchBytes * 1.5), 1 << 20), MAX_SCRATCH);
    scratch = bytes > MAX_SCRATCH ? 0 : exports.neurite_alloc(size) >>> 0;
    scratchBytes = scratch === 0 ? 0 : size;
    if (scratch === 0) {
      throw new RangeError(
        `neurite wasm: out of memory (a kernel call needs ${(bytes / 2 ** 20).toFixed(1)} MiB of WebAssembly memory)`,
      );
    }
    return scratch;
  }

  function copyIn(a: TypedArray | Float64Array, at: number): void {
    if (a instanceof Float32Array) f32.set(a, at >>> 2);
    else if (a instanceof Int32Array) i32.set(a, at >>> 2);
    else if (a instanceof Float64Array) f64.set(a, at >>> 3);
    else u8.set(a, at);
  }

  function copyOut(a: TypedArray, at: number): void {
    if (a instanceof Float32Array) a.set(f32.subarray(at >>> 2, (at >>> 2) + a.length));
    else if (a instanceof Int32Array) a.set(i32.subarray(at >>> 2, (at >>> 2) + a.length));
    else a.set(u8.subarray(at, at + a.length));
  }

  function make(name: keyof Addon, tokens: Token[]): (...args: unknown[]) => void {
    const fn = exports[name];
    if (typeof fn !== 'function') throw new TypeError(`neurite wasm: the module does not export '${name}'`);
    const kernel = fn as (...args: number[]) => void;
    const arrays = tokens.map((t) => 'AFLMD?X'.includes(t.kind));
    const lists = tokens.map((t) => t.kind === 'X');
    const args: number[] = [];
    const ptrs: number[] = new Array(tokens.length).fill(0);
    const same: number[] = new Array(tokens.length).fill(-1);
    return (...values: unknown[]) => {
      // place every array at a 16-byte boundary of the scratch block; an array passed twice as an input only is
      // placed (and copied) once
      let bytes = 0;
      for (let i = 0; i < tokens.length; i++) {
        same[i] = -1;
        if (!arrays[i] || values[i] == null) continue;
        if (tokens[i].dir === 'in') {
          for (let j = 0; j < i; j++) {
            if (values[j] === values[i] && tokens[j].dir === 'in') {
              same[i] = j;
              break;
            }
          }
          if (same[i] >= 0) continue;
        }
        if (lists[i]) {
          const list = values[i] as readonly (Float32Array | null)[];
          bytes += (4 * list.length + 15) & ~15;
          for (const a of list) if (a) bytes += (a.byteLength + 15) & ~15;
          continue;
        }
        bytes += ((values[i] as TypedArray).byteLength + 15) & ~15;
      }
      const base = reserve(bytes);
      views();
      let at = base;
      for (let i = 0; i < tokens.length; i++) {
        const v = values[i];
        if (!arrays[i] || v == null) continue;
        if (same[i] >= 0) {
          ptrs[i] = ptrs[same[i]];
          continue;
        }
        if (lists[i]) {
          const list = v as readonly (Float32Array | null)[];
          const table = at;
          ptrs[i] = table;
          at += (4 * list.length + 15) & ~15;
          for (let e = 0; e < list.length; e++) {
            const a = list[e];
            i32[(table >>> 2) + e] = a ? at : 0;
            if (!a) continue;
            if (tokens[i].dir !== 'out') copyIn(a, at);
            else if (options.poisonOutputs) u8.fill(0xff, at, at + a.byteLength);
            at += (a.byteLength + 15) & ~15;
          }
          continue;
        }
        const a = v as TypedArray | Float64Array;
        ptrs[i] = at;
        if (tokens[i].dir !== 'out') copyIn(a, at);
        else if (options.poisonOutputs) u8.fill(0xff, at, at + a.byteLength);
        at += (a.byteLength + 15) & ~15;
      }
      args.length = 0;
      for (let i = 0; i < tokens.length; i++) {
        const t = tokens[i];
        const v = values[i];
        switch (t.kind) {
          case 'i':
          case 'd':
            args.push(v as number);
            break;
          case 'b':
            args.push(v ? 1 : 0);
            break;
          case 'A': {
            const a = v as TypedArray;
            const code = DTYPE_CODE.get(a.constructor);
            if (code === undefined) throw new TypeError(`neurite wasm ${name}: unsupported array type`);
            args.push(ptrs[i], a.length, code);
            break;
          }
          case 'L':
            args.push(ptrs[i], (v as TypedArray).length);
            break;
          case 'X':
            args.push(ptrs[i], (v as readonly unknown[]).length);
            break;
          default:
            args.push(v == null ? 0 : ptrs[i]);
        }
      }
      kernel(...args);
      // the kernel may have grown the memory (its own scratch allocations)
      views();
      for (let i = 0; i < tokens.length; i++) {
        const v = values[i];
        if (!arrays[i] || v == null || tokens[i].dir === 'in') continue;
        if (lists[i]) {
          const list = v as readonly (Float32Array | null)[];
          for (let e = 0; e < list.length; e++) {
            const a = list[e];
            if (a) copyOut(a, i32[(ptrs[i] >>> 2) + e] >>> 0);
          }
        } else {
          copyOut(v as TypedArray, ptrs[i]);
        }
      }
    };
  }

  const addon = {} as Record<keyof Addon, (...args: unknown[]) => void>;
  for (const name of Object.keys(SIGNATURES) as (keyof Addon)[])
    addon[name] = make(name, parse(SIGNATURES[name]));

  // C is only written when beta = 0: then it is not copied in (nor can stale values in it leak into the result)
  const gemmInout = addon.gemm;
  const gemmOut = make('gemm', parse(SIGNATURES.gemm.replace('F^', 'F>')));
  addon.gemm = (...v: unknown[]) =>
    (v[2] as Float64Array)[GEMM_BETA] === 0 ? gemmOut(...v) : gemmInout(...v);

  return addon as unknown as Addon;
}
