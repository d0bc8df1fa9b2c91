/**
 * The browser columns: one case in headless chromium (Debian's, through test/helpers/chromium.ts), in a page served
 * cross-origin isolated (COOP same-origin + COEP require-corp, so SharedArrayBuffer and WASM threads are
 * available) from a Node server on 127.0.0.1, inside a Web Worker. The worker is bench/browser-neurite.ts or
 * bench/browser-tfjs.ts bundled by esbuild as an application would bundle it. bench/worker.ts calls this in a
 * fresh process per case, so each case gets a fresh browser, page and worker.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { hasChromium, launchChromium } from '../test/helpers/chromium.js';
import type { BrowserReply, BrowserRequest } from './browser-protocol.js';
import type { CaseSpec, Result } from './cases.js';

export type BrowserImpl = 'browser-neurite-wasm' | 'browser-tfjs-wasm';

/** A case's result with the threads and binary the library reported. */
export type BrowserResult = Result & { threads?: number; build?: string };

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.join(here, '..');

/** The worker entry and the folder its .wasm files are served from, by column. */
function setup(impl: BrowserImpl): { entry: string; wasmDir: string; files: RegExp } {
  if (impl === 'browser-neurite-wasm')
    return {
      entry: path.join(here, 'browser-neurite.ts'),
      wasmDir: path.join(ROOT, 'wasm'),
      files: /^neurite(-threads)?\.wasm$/,
    };
  const require = createRequire(import.meta.url);
  return {
    entry: path.join(here, 'browser-tfjs.ts'),
    wasmDir: path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist'),
    files: /^tfjs-backend-wasm(-simd|-threaded-simd)?\.wasm$/,
  };
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>neurite bench</title>
<script>
window.run = (request) => new Promise((resolve) => {
  const w = new Worker('worker.js', { type: 'module' });
  w.onmessage = (e) => { resolve(e.data); w.terminate(); };
  w.onerror = (e) => resolve({ error: 'worker error: ' + e.message });
  w.postMessage(request);
});
</script>`;

/** The case timed out inside the page before run.ts's own limit (600 s) would kill the process. */
const PAGE_TIMEOUT_MS = 540_000;

export async function runBrowser(impl: BrowserImpl, spec: CaseSpec): Promise<BrowserResult> {
  if (!hasChromium()) return { skip: 'no /usr/bin/chromium' };
  const { entry, wasmDir, files } = setup(impl);
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'error',
  });
  const bundle = out.outputFiles[0].text;
  const isolation = {
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const name = url.pathname.slice(1);
    if (name === '' || name === 'index.html') {
      res.writeHead(200, { ...isolation, 'Content-Type': 'text/html' }).end(PAGE);
    } else if (name === 'worker.js') {
      res.writeHead(200, { ...isolation, 'Content-Type': 'text/javascript' }).end(bundle);
    } else if (name.startsWith('wasm/') && files.test(name.slice(5))) {
      res
        .writeHead(200, { ...isolation, 'Content-Type': 'application/wasm' })
        .end(readFileSync(path.join(wasmDir, name.slice(5))));
    } else if (name === 'favicon.ico') {
      res.writeHead(204, isolation).end();
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await launchChromium();
  let timer: NodeJS.Timeout | undefined;
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${origin}/`);
    const request: BrowserRequest = { caseId: spec.id, assets: `${origin}/wasm/` };
    const timeout = new Promise<BrowserReply>((resolve) => {
      timer = setTimeout(
        () => resolve({ error: `timed out after ${PAGE_TIMEOUT_MS / 1000} s` }),
        PAGE_TIMEOUT_MS,
      );
    });
    const reply = await Promise.race([
      page.evaluate(
        (r) => (window as unknown as { run(r: BrowserRequest): Promise<BrowserReply> }).run(r),
        request,
      ),
      timeout,
    ]);
    if ('error' in reply) return { skip: `error: ${reply.error.split('\n')[0].slice(0, 100)}` };
    if (errors.length > 0) return { skip: `page error: ${errors[0].slice(0, 100)}` };
    if (!reply.isolated) return { skip: 'the page was not cross-origin isolated' };
    const result: BrowserResult = { ...reply.result, threads: reply.threads, build: reply.build };
    if ('value' in result && spec.id.endsWith('-epoch')) {
      const synthetic = "seeded synthetic data of MNIST's shape (a page has no file system)";
      result.note = result.note ? `${result.note}; ${synthetic}` : synthetic;
    }
    return result;
  } finally {
    clearTimeout(timer);
    await browser.closeAll();
    server.close();
  }
}
