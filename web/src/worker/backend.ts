/**
 * The one place a studio worker chooses the backend its training runs on. Every worker calls this before it
 * builds a model, and reports the name back so the page can show it.
 */
import * as nt from 'neurite/browser';

/**
 * Picks the fastest backend this browser can run and makes it current. Today that is the TypeScript backend
 * ('ts'), which runs everywhere. The WebAssembly backend (src/backend/wasm/) goes here once it exists: load and
 * register it, fall back to 'ts' when WebAssembly (or its threads, which need the page's cross-origin isolation)
 * is unavailable, and return the name of the one chosen.
 */
export async function chooseBackend(): Promise<string> {
  nt.setBackend('ts');
  return nt.getBackend().name;
}
