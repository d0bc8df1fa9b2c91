// Registers the native backend (when the addon is built) and the WebAssembly backend before any test file collects
// its backends, so every forEachBackend suite runs on 'ts', 'native' and 'wasm'; NEURITE_BACKEND=ts keeps the
// ops outside those suites on TypeScript.
import '../src/backend/native/init.js';
import { loadWasmBackendSync } from '../src/backend/wasm/load.node.js';

// The threaded build with two threads (the pool's hand-off runs in every test), and output-only arrays poisoned
// with NaN in WebAssembly memory before each kernel, as the allocator below does for the other backends.
loadWasmBackendSync({ threads: 2, poisonOutputs: true });

// Every output array that ops allocate without zero-filling (empty()) starts as NaN in the tests, whatever its
// size, so a kernel that leaves part of its output unwritten on either backend shows up as NaN in a result.
import { setRawAllocator } from '../src/tensor/dtype.js';

setRawAllocator({
  alloc(bytes) {
    const buffer = new ArrayBuffer(bytes);
    new Uint8Array(buffer).fill(0xff); // NaN as float32, -1 as int32, 255 as bool
    return buffer;
  },
  // memory the autograd engine recycled (src/backend/pool.ts) is poisoned the same way before its next use
  recycled(buffer) {
    new Uint8Array(buffer).fill(0xff);
  },
  minElements: 1,
});

// Every output array of every size goes through the buffer pool in the tests (the library pools only arrays of
// 16 KiB and more), so the NaN-poisoned recycled memory above reaches the tests' small tensors too: a backward
// rule or owner that lets memory be reused while something still reads it shows up as a wrong value.
import { configureBufferPool } from '../src/backend/pool.js';

configureBufferPool({ minBytes: 1 });
