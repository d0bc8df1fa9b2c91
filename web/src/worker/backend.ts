/**
 * The one place a studio worker chooses the backend its training runs on. Every worker calls this before it
 * builds a model, and reports the name back so the page can show it.
 */
import * as nt from 'neurite/browser';

/**
 * Picks the fastest backend this browser can run and makes it current: the WebAssembly backend (threaded where the
 * page is cross-origin isolated, as `neurite studio` serves it; single-threaded elsewhere), or the TypeScript one
 * where WebAssembly SIMD is unavailable. Returns the name of the one chosen.
 */
export async function chooseBackend(): Promise<string> {
  const wasm = await nt.initWasmBackend();
  if (!wasm) nt.setBackend('ts');
  return nt.getBackend().name;
}
