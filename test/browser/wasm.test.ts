/**
 * The WASM backend in a real browser: the browser bundle (src/index.ts, bundled by esbuild as an application
 * would) runs in a Web Worker of a page in headless chromium, loads the threaded build where the page is
 * cross-origin isolated and the single-threaded build otherwise, trains a small CNN, and must give the very losses
 * that the same build gives in Node.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setWasmThreads } from '../../src/backend/wasm/index.js';
import * as nt from '../../src/index.js';
import { hasChromium, launchChromium } from '../helpers/chromium.js';
import { trainSmallCnn } from './small-cnn.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const PAGE = `<!doctype html><meta charset="utf-8"><title>neurite wasm test</title>
<script>
window.run = (threads) => new Promise((resolve) => {
  const w = new Worker('worker.js', { type: 'module' });
  w.onmessage = (e) => { resolve(e.data); w.terminate(); };
  w.onerror = (e) => resolve({ error: 'worker error: ' + e.message });
  w.postMessage({ threads, baseUrl: new URL('wasm/', location.href).href });
});
</script>`;

type Result = { losses?: number[]; backend?: string; info?: nt.WasmInfo; error?: string; isolated?: boolean };

let server: Server;
let origin = '';
let bundle = '';

beforeAll(async () => {
  const out = await build({
    entryPoints: [fileURLToPath(new URL('./worker-entry.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'error',
  });
  bundle = out.outputFiles[0].text;
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    // /isolated/… is served cross-origin isolated (SharedArrayBuffer available), /plain/… is not
    const isolated = url.pathname.startsWith('/isolated');
    const path = url.pathname.replace(/^\/(isolated|plain)/, '');
    const headers: Record<string, string> = isolated
      ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' }
      : {};
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/html' }).end(PAGE);
    } else if (path === '/worker.js') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/javascript' }).end(bundle);
    } else if (path === '/wasm/neurite.wasm' || path === '/wasm/neurite-threads.wasm') {
      res
        .writeHead(200, { ...headers, 'Content-Type': 'application/wasm' })
        .end(readFileSync(`${ROOT}${path}`));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server?.close();
});

/** The losses of the same run in Node on the WASM backend with `threads` threads. */
function nodeLosses(threads: number): number[] {
  const before = nt.getBackend();
  try {
    nt.setBackend('wasm');
    setWasmThreads(threads);
    return trainSmallCnn(nt);
  } finally {
    setWasmThreads(2);
    nt.setBackend(before);
  }
}

describe.skipIf(!hasChromium())('WASM backend in headless chromium', () => {
  async function runInPage(prefix: 'isolated' | 'plain', threads: number): Promise<Result> {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${origin}/${prefix}/`);
      const result = (await page.evaluate(
        (t) => (window as unknown as { run(t: number): Promise<Result> }).run(t),
        threads,
      )) as Result;
      expect(errors).toEqual([]);
      return result;
    } finally {
      await browser.closeAll();
    }
  }

  it('trains a small CNN with 2 threads in a cross-origin isolated page, exactly as Node does', async () => {
    const r = await runInPage('isolated', 2);
    expect(r.error).toBeUndefined();
    expect(r.isolated).toBe(true);
    expect(r.backend).toBe('wasm');
    expect(r.info).toMatchObject({ threaded: true, threads: 2, workers: 1 });
    const losses = r.losses as number[];
    expect(losses[losses.length - 1]).toBeLessThan(0.5 * losses[0]);
    // the same module, the same thread count, so the same chunks: the same numbers, bit for bit
    expect(losses).toEqual(nodeLosses(2));
  });

  it('trains single-threaded where the page is not isolated, and matches Node and the TypeScript backend', async () => {
    const r = await runInPage('plain', 1);
    expect(r.error).toBeUndefined();
    expect(r.isolated).toBe(false);
    expect(r.info).toMatchObject({ threaded: false, threads: 1, workers: 0 });
    const losses = r.losses as number[];
    expect(losses[losses.length - 1]).toBeLessThan(0.5 * losses[0]);
    const node = nodeLosses(1);
    for (let i = 0; i < losses.length; i++) expect(losses[i]).toBeCloseTo(node[i], 5);
    const ts = trainSmallCnn(nt);
    for (let i = 0; i < losses.length; i++)
      expect(Math.abs(losses[i] - ts[i])).toBeLessThan(1e-3 * Math.abs(ts[i]) + 1e-5);
  });

  it('asks for cross-origin isolation when a page that lacks it wants threads', async () => {
    const r = await runInPage('plain', 2);
    expect(r.error).toMatch(
      /2 threads need shared WebAssembly memory.*Cross-Origin-Opener-Policy: same-origin/s,
    );
  });
});
