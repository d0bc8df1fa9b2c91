/**
 * `neurite studio [runs-dir] [--port N]`: serves the studio (the web app built into dist/studio/, shipped with
 * the package) on 127.0.0.1 only, with the cross-origin-isolation headers WebAssembly threads need, and prints
 * its URL. It opens nothing by itself and reads only inside the folders it serves.
 */
import { createReadStream, existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { CliError, usageError } from './common.js';

/** The MIME types of what the studio serves; anything else is sent as bytes. */
export const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.gz': 'application/gzip',
  '.safetensors': 'application/octet-stream',
  '.woff2': 'font/woff2',
};

/** Headers on every response: cross-origin isolation (for SharedArrayBuffer and WASM threads), no sniffing. */
const COMMON_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/**
 * The built app: dist/studio/ beside dist/cli/ in a build or an installed package, and the same folder when
 * this file runs from src/cli/ in a clone (through tsx).
 */
export function defaultAppDir(): string {
  return fileURLToPath(new URL('../../dist/studio/', import.meta.url));
}

/** The MNIST digits the package ships (data/mnist/), which the MNIST page trains on. */
function mnistDir(): string {
  return fileURLToPath(new URL('../../data/mnist/', import.meta.url));
}

/**
 * Jane Austen's six novels the package ships (data/text/austen/), which the char-RNN page trains on: the list of
 * src/data/text.ts (the server loads no library code; the page's test checks that every novel is served).
 */
const AUSTEN_NOVELS = [
  'sense-and-sensibility',
  'pride-and-prejudice',
  'mansfield-park',
  'emma',
  'northanger-abbey',
  'persuasion',
] as const;

function austenFile(novel: string): string {
  return fileURLToPath(new URL(`../../data/text/austen/${novel}.txt.gz`, import.meta.url));
}

/** Files served from outside the app folder, by URL path: only these, nothing else from data/. */
const DATA_FILES: Readonly<Record<string, () => string>> = {
  '/data/mnist/images.u8.gz': () => resolve(mnistDir(), 'images.u8.gz'),
  '/data/mnist/labels.u8.gz': () => resolve(mnistDir(), 'labels.u8.gz'),
  ...Object.fromEntries(
    AUSTEN_NOVELS.map((n) => [`/data/text/austen/${n}.txt.gz`, () => austenFile(n)] as const),
  ),
};

/**
 * The file inside `root` that a URL path names, or null when the path leaves `root` (`..`, encoded or not,
 * absolute paths, NUL bytes, symbolic links that point outside). Throws URIError for malformed %-encoding.
 */
export function resolveInside(root: string, urlPath: string): string | null {
  const decoded = decodeURIComponent(urlPath);
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) return null;
  const target = resolve(root, ...segments);
  const rel = relative(root, target);
  if (rel.startsWith('..') || isAbsolute(rel)) return null;
  if (existsSync(target)) {
    const real = realpathSync(target);
    const realRoot = realpathSync(root);
    if (real !== realRoot && !real.startsWith(realRoot + sep)) return null;
  }
  return target;
}

// ---------------------------------------------------------------------------------------------------------------
// the runs dashboard's data: the folders `neurite train` writes (checkpoint.json, log.jsonl, result.json)

/** The files of a run folder the studio hands out (what `neurite train` writes, nothing else). */
const RUN_FILES = /^(checkpoint\.json|weights-[0-9a-f]{16}\.safetensors|log\.jsonl|result\.json)$/;
/** A run whose log changed this recently and has no result yet is shown as running. */
const RUNNING_MS = 120_000;

/** What the dashboard lists for a run. */
export interface RunSummary {
  name: string;
  /** Last change of any of its files (ms since the epoch). */
  modified: number;
  /** Bytes of log.jsonl, which grows by one line per epoch: the page refetches the log when it changes. */
  logSize: number;
  epochs: number;
  running: boolean;
  /** result.json (final test metrics, seconds, epochs), or null while training or after a crash. */
  result: Record<string, unknown> | null;
  /** The recipe from checkpoint.json's extra (preset, options, training settings), or null. */
  recipe: Record<string, unknown> | null;
  /** checkpoint.json's architecture record, when the CLI wrote one. */
  architecture: unknown;
  checkpoint: boolean;
}

function readJson(file: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The per-epoch records of a log.jsonl; a line being written (not yet complete JSON) is left out. */
export function readRunLog(file: string): Record<string, number>[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: Record<string, number>[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const v = JSON.parse(line) as unknown;
      if (v !== null && typeof v === 'object') out.push(v as Record<string, number>);
    } catch {
      // a partial last line while the trainer writes it
    }
  }
  return out;
}

/** Every run folder directly inside `runsDir`, newest first (an absent folder has none). */
export function listRuns(runsDir: string): RunSummary[] {
  let entries: string[];
  try {
    entries = readdirSync(runsDir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name);
  } catch {
    return [];
  }
  const runs: RunSummary[] = [];
  for (const name of entries) {
    const dir = resolve(runsDir, name);
    const log = resolve(dir, 'log.jsonl');
    const ckpt = resolve(dir, 'checkpoint.json');
    const hasLog = existsSync(log);
    const hasCkpt = existsSync(ckpt);
    if (!hasLog && !hasCkpt) continue;
    const logStat = hasLog ? statSync(log) : null;
    const manifest = hasCkpt ? readJson(ckpt) : null;
    const result = readJson(resolve(dir, 'result.json'));
    const modified = Math.max(logStat?.mtimeMs ?? 0, hasCkpt ? statSync(ckpt).mtimeMs : 0);
    const extra = manifest?.extra;
    runs.push({
      name,
      modified,
      logSize: logStat?.size ?? 0,
      epochs: hasLog ? readRunLog(log).length : Number(manifest?.epoch ?? 0),
      running: result === null && hasLog && Date.now() - modified < RUNNING_MS,
      result,
      recipe: extra !== null && typeof extra === 'object' ? (extra as Record<string, unknown>) : null,
      architecture: manifest?.architecture ?? null,
      checkpoint: hasCkpt,
    });
  }
  return runs.sort((a, b) => b.modified - a.modified);
}

function sendJson(res: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(200, {
    ...COMMON_HEADERS,
    'Content-Type': MIME_TYPES['.json'],
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

/**
 * Server-sent events: `runs` with the whole list whenever a run folder changes (checked once a second, which
 * is cheap and works on every file system, unlike file watching), and a comment every 15 s to keep it open.
 */
function runEvents(req: IncomingMessage, res: ServerResponse, runsDir: string): void {
  res.writeHead(200, {
    ...COMMON_HEADERS,
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
  });
  let last = '';
  let beat = 0;
  const tick = () => {
    const runs = listRuns(runsDir);
    const signature = JSON.stringify(
      runs.map((r) => [r.name, r.modified, r.logSize, r.running, r.result !== null]),
    );
    if (signature !== last) {
      last = signature;
      res.write(`event: runs\ndata: ${JSON.stringify(runs)}\n\n`);
    } else if (++beat % 15 === 0) {
      res.write(': keep-alive\n\n');
    }
  };
  tick();
  const timer = setInterval(tick, 1000);
  req.on('close', () => clearInterval(timer));
}

/** `/api/…` requests; false when the path is not an API path. */
function handleApi(req: IncomingMessage, res: ServerResponse, path: string, runsDir: string): boolean {
  if (path === '/api/runs') {
    sendJson(res, { runsDir, runs: listRuns(runsDir) });
    return true;
  }
  if (path === '/api/events') {
    runEvents(req, res, runsDir);
    return true;
  }
  const m = /^\/api\/runs\/([^/]+)\/([^/]+)$/.exec(path);
  if (!m) return false;
  let name: string;
  let file: string;
  try {
    name = decodeURIComponent(m[1]);
    file = decodeURIComponent(m[2]);
  } catch {
    send(res, 400, 'bad request: malformed URL encoding');
    return true;
  }
  if (name === '.' || name === '..' || name.includes('/') || name.includes('\\') || name.includes('\0')) {
    send(res, 403, 'forbidden: not a run folder');
    return true;
  }
  if (file === 'log') {
    sendJson(res, readRunLog(resolve(runsDir, name, 'log.jsonl')));
    return true;
  }
  if (!RUN_FILES.test(file)) {
    send(
      res,
      404,
      `not found: a run folder has checkpoint.json, weights-<hash>.safetensors, log.jsonl and result.json`,
    );
    return true;
  }
  sendFile(req, res, resolveInside(runsDir, `${name}/${file}`), 'no-store');
  return true;
}

export interface StudioServerOptions {
  /** The built app (default: {@link defaultAppDir}). */
  appDir?: string;
  /** The folder of `neurite train` runs the dashboard reads (default `runs`). */
  runsDir?: string;
  /** 0 picks a free port. */
  port?: number;
}

export interface StudioServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...COMMON_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}

/** Streams one file with its MIME type; `null` file → 404. */
function sendFile(req: IncomingMessage, res: ServerResponse, file: string | null, cache: string): void {
  if (file === null) {
    send(res, 403, 'forbidden: outside the served folder');
    return;
  }
  let size = -1;
  try {
    const st = statSync(file);
    if (st.isFile()) size = st.size;
  } catch {
    // missing: 404 below
  }
  if (size < 0) {
    send(res, 404, 'not found');
    return;
  }
  res.writeHead(200, {
    ...COMMON_HEADERS,
    'Content-Type': MIME_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': String(size),
    'Cache-Control': cache,
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

/** Starts the studio's HTTP server on 127.0.0.1. */
export async function startStudioServer(options: StudioServerOptions = {}): Promise<StudioServer> {
  const appDir = resolve(options.appDir ?? defaultAppDir());
  const runsDir = resolve(options.runsDir ?? 'runs');
  if (!existsSync(resolve(appDir, 'index.html'))) {
    throw new CliError(
      `the studio app is not built (no ${resolve(appDir, 'index.html')}); in a clone of neurite run \`npm run build\` first`,
    );
  }
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      send(res, 405, `method ${req.method} not allowed`);
      return;
    }
    const rawPath = (req.url ?? '/').split('?')[0].split('#')[0];
    if (rawPath.startsWith('/api/') && handleApi(req, res, rawPath, runsDir)) return;
    const dataFile = DATA_FILES[rawPath];
    if (dataFile) {
      sendFile(req, res, dataFile(), 'public, max-age=3600');
      return;
    }
    let file: string | null;
    try {
      file = resolveInside(appDir, rawPath === '/' ? 'index.html' : rawPath);
    } catch {
      send(res, 400, 'bad request: malformed URL encoding');
      return;
    }
    // hashed asset names never change; the page itself must always be fresh
    const cache = rawPath.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    sendFile(req, res, file, cache);
  };
  const server = createServer((req, res) => {
    try {
      handler(req, res);
    } catch (e) {
      if (!res.headersSent) send(res, 500, `internal error: ${(e as Error).message}`);
      else res.destroy();
    }
  });
  const port = options.port ?? 5170;
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new CliError(`port ${port} is in use; choose another with --port`)
          : new CliError(`cannot listen on 127.0.0.1:${port}: ${e.message}`),
      ),
    );
    server.listen(port, '127.0.0.1', () => resolveListen());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}/`,
    port: actual,
    server,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535)
    throw usageError(`--port must be an integer from 0 to 65535, got ${value}`);
  return n;
}

export function studioCommand(): Command {
  return new Command('studio')
    .description('serve the studio (playground, MNIST CNN, runs dashboard) on 127.0.0.1 and print its URL')
    .argument('[runs-dir]', 'the folder of `neurite train` runs to show in the dashboard', 'runs')
    .option('--port <n>', 'the port to listen on (0: any free port)', parsePort, 5170)
    .action(async (runsDir: string, opts: { port: number }) => {
      const studio = await startStudioServer({ runsDir, port: opts.port });
      process.stdout.write(
        `neurite studio: ${studio.url}  (runs from ${resolve(runsDir)}; Ctrl-C stops it)\n`,
      );
      await new Promise<void>((done) => {
        const stop = () => {
          void studio.close().then(done);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
