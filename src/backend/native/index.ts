/**
 * The native backend: a Node-API addon (C++ sources in `native/`, built at install time by
 * `scripts/build-native.mjs`) with GEMM through the system BLAS and threaded kernels. Node only.
 *
 * The addon takes the tensors' typed arrays as they are (no copies) plus plain integers; shapes and the
 * convolution/pooling geometry travel in a small reused Int32Array so the C++ side reads plain ints.
 *
 * Threads: the kernels use one thread per available core (the `NEURITE_NUM_THREADS` environment variable or
 * {@link setNumThreads} change that); OpenBLAS runs single-threaded inside them, so the two never compete
 * for cores.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ValueError } from '../../errors.js';
import type { Backend } from '../backend.js';
import { type Addon, type AddonRuntime, wrapKernels } from '../kernel-abi.js';
import { registerBackend, setBackend } from '../registry.js';

/** Where the addon lands after a build: build/Release under the package root, from src/ and from dist/. */
const ADDON_URL = new URL('../../../build/Release/neurite_native.node', import.meta.url);

/** The addon's exports: the kernels plus its thread, BLAS and kernel-copy controls. */
type NativeAddon = Addon &
  AddonRuntime & {
    blasName(): string;
    blasCore(): string;
    winogradCopies(): string[];
    selectWinograd(name: string): boolean;
    winogradDefault(): string;
    rawBuffer(bytes: number): ArrayBuffer;
    arenaStats(): NativeArenaStats;
    arenaTrim(): void;
    setArenaLimit(bytes: number): void;
  };

/** What the native addon's arena holds (see {@link nativeArenaStats}). */
export interface NativeArenaStats {
  /** Bytes held for reuse now, and in how many blocks. */
  cachedBytes: number;
  cachedBlocks: number;
  /** Bytes of arrays alive now (handed out, not yet freed by the garbage collector). */
  liveBytes: number;
  /** Blocks handed out again from the cache, blocks made new, and blocks given back to the system. */
  reused: number;
  fresh: number;
  released: number;
  /** The most bytes the arena keeps unused ({@link setNativeArenaLimit}). */
  limitBytes: number;
}

let addon: NativeAddon | null | undefined;
let backend: Backend | null = null;
let loadError: string | null = null;

/** Where the built addon is expected: build/Release/neurite_native.node under the package root. */
export function nativeAddonPath(): string {
  return fileURLToPath(ADDON_URL);
}

function loadAddon(): NativeAddon | null {
  if (addon !== undefined) return addon;
  const file = nativeAddonPath();
  if (!existsSync(file)) {
    loadError = `the addon is not built (no ${file}); install libopenblas-dev (Debian/Ubuntu) and run npm rebuild neurite`;
    addon = null;
    return null;
  }
  try {
    addon = createRequire(import.meta.url)(file) as NativeAddon;
  } catch (e) {
    loadError = `loading ${file} failed: ${(e as Error).message.split('\n')[0]}`;
    addon = null;
  }
  return addon;
}

/**
 * The native backend, or null when the addon is not built or cannot be loaded here ({@link nativeLoadError}
 * says why). Loads the addon once; does not register or select anything.
 */
export function loadNativeBackend(): Backend | null {
  if (backend) return backend;
  const a = loadAddon();
  if (a) backend = wrapKernels('native', a);
  return backend;
}

/** Why the native backend could not be loaded, or null if it loaded (or was not tried yet). */
export function nativeLoadError(): string | null {
  return loadError;
}

/**
 * Registers the native backend under the name 'native' and makes it current, unless `select` is false. Returns the
 * native backend, or null when it is unavailable ({@link nativeLoadError} says why).
 */
export function initNativeBackend(select = true): Backend | null {
  const native = loadNativeBackend();
  if (!native) return null;
  registerBackend(native);
  if (select) setBackend(native);
  return native;
}

/** Threads the native kernels run on (1 when the native backend is not loaded). */
export function getNumThreads(): number {
  return loadAddon()?.numThreads() ?? 1;
}

/**
 * Sets the number of threads the native kernels use (default: the cores this process may run on, or
 * `NEURITE_NUM_THREADS`). Has no effect on the TypeScript backend, which is single-threaded.
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new ValueError(`setNumThreads: expected a positive integer, got ${n}`);
  }
  loadAddon()?.setNumThreads(n);
}

/**
 * The kernels the native backend's BLAS runs on this CPU, as it names them (OpenBLAS: `Haswell`, `SkylakeX`, …,
 * its own pick or the one the `OPENBLAS_CORETYPE` environment variable names; `accelerate` or `cblas` for the
 * others), or null when the native backend is not loaded.
 */
export function nativeBlasCore(): string | null {
  const a = loadAddon();
  return typeof a?.blasCore === 'function' ? a.blasCore() : null;
}

/**
 * The copies of the Winograd convolution kernels (3×3, stride 1) the native backend can run on this CPU, by name:
 * `auto` (the default: per layer, the widest copy whose channel grid the layer fills), `off`, then on x86-64
 * `avx2`, `avx512-emulated` (the AVX-512 copy's exact arithmetic on AVX2, which lets hosts without AVX-512 test
 * it) and, on CPUs with AVX-512, `avx512`. Empty when the native backend is not loaded.
 */
export function nativeWinogradCopies(): string[] {
  return loadAddon()?.winogradCopies() ?? [];
}

/**
 * Makes every convolution within the Winograd kernels' shape bounds run the copy `name`, whatever its channel
 * counts, or restores `auto` (or `off`: the direct and GEMM kernels only). For tests and speed comparisons; a
 * name this CPU cannot run is a ValueError that lists the ones it can.
 */
export function selectNativeWinograd(name: string): void {
  const a = loadAddon();
  if (!a) throw new ValueError(`selectNativeWinograd: the native backend is not loaded (${loadError})`);
  if (!a.selectWinograd(name)) {
    throw new ValueError(
      `selectNativeWinograd: no copy '${name}' on this CPU (available: ${a.winogradCopies().join(', ')})`,
    );
  }
}

/**
 * The widest Winograd copy `auto` runs on this CPU: `avx512`, `avx2` or `none` (null when the native backend is
 * not loaded). `NEURITE_AVX512=0` in the environment keeps CPUs with AVX-512 on `avx2`.
 */
export function nativeWinogradDefault(): string | null {
  return loadAddon()?.winogradDefault() ?? null;
}

/** The addon when it has the arena (an addon built before it, in a checkout updated without `npm rebuild`, has not). */
function arenaAddon(): NativeAddon | null {
  const a = loadAddon();
  return typeof a?.rawBuffer === 'function' ? a : null;
}

/**
 * A function making ArrayBuffers of `bytes` bytes (contents unspecified) over the addon's arena, or null when the
 * native backend is not loaded. In Node the outputs of ops are made with it (both backends, see `init.ts`): when the
 * garbage collector frees such an array, its memory goes back to the arena, not to the system, and the next array
 * of the same size reuses it with its pages already mapped. Fresh memory costs a page fault per 4 KiB page on first
 * touch, which on some virtual machines is slower than the kernels that write it.
 */
export function nativeArenaAllocator(): ((bytes: number) => ArrayBuffer) | null {
  const a = arenaAddon();
  return a && ((bytes) => a.rawBuffer(bytes));
}

/** What the native arena holds now, or null when the native backend is not loaded. */
export function nativeArenaStats(): NativeArenaStats | null {
  return arenaAddon()?.arenaStats() ?? null;
}

/**
 * Sets the most bytes the native arena keeps for reuse (default 256 MiB); memory freed beyond it goes back to the
 * system. 0 keeps nothing. Lowering the bound frees what the arena holds now.
 */
export function setNativeArenaLimit(bytes: number): void {
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new ValueError(`setNativeArenaLimit: expected a whole number of bytes (0 or more), got ${bytes}`);
  }
  arenaAddon()?.setArenaLimit(bytes);
}

/** Gives back to the system all the memory the native arena holds for reuse (arrays still alive are kept). */
export function trimNativeArena(): void {
  arenaAddon()?.arenaTrim();
}
