// Registers the native backend (when the addon is built) before any test file collects its backends, so every
// forEachBackend suite runs on 'ts' and 'native'; NEURITE_BACKEND=ts keeps the whole run on TypeScript.
import '../src/backend/native/init.js';
