// Registers the native backend (when the addon is built) before any test file collects its backends, so every
// forEachBackend suite runs on 'ts' and 'native'; NEURITE_BACKEND=ts keeps the whole run on TypeScript.
import '../src/backend/native/init.js';

// Every output array that ops allocate without zero-filling (empty()) starts as NaN in the tests, whatever its
// size, so a kernel that leaves part of its output unwritten on either backend shows up as NaN in a result.
import { setRawAllocator } from '../src/tensor/dtype.js';

setRawAllocator({
  alloc(bytes) {
    const buffer = new ArrayBuffer(bytes);
    new Uint8Array(buffer).fill(0xff); // NaN as float32, -1 as int32, 255 as bool
    return buffer;
  },
  minElements: 1,
});
