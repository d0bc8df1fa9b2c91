/**
 * The studio's server (`neurite studio`): it serves the built app from 127.0.0.1 only, with the cross-origin
 * isolation headers and the right MIME types, and never a byte from outside the folder it was given.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIME_TYPES, type StudioServer, startStudioServer } from '../../src/cli/studio.js';
import { APP_DIR, ensureBuilt, ROOT } from './helpers.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw GET: the path goes on the wire as written (no URL normalisation of `..`, as fetch would do). */
function get(port: number, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let studio: StudioServer;
let outside: string;
let app: string;
let fixture: StudioServer;

beforeAll(async () => {
  ensureBuilt();
  studio = await startStudioServer({ appDir: APP_DIR, port: 0 });
  // a small app folder with a .wasm file, and a secret beside it (outside the served folder)
  outside = mkdtempSync(join(tmpdir(), 'neurite-studio-'));
  app = join(outside, 'app');
  mkdirSync(join(app, 'sub'), { recursive: true });
  writeFileSync(join(app, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(app, 'k.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  writeFileSync(join(outside, 'secret.txt'), 'SECRET');
  symlinkSync(join(outside, 'secret.txt'), join(app, 'sub', 'link.txt'));
  fixture = await startStudioServer({ appDir: app, port: 0 });
}, 120_000);

afterAll(async () => {
  await studio?.close();
  await fixture?.close();
  if (outside) rmSync(outside, { recursive: true, force: true });
});

describe('studio server', () => {
  it('listens on 127.0.0.1 only and serves the page with cross-origin isolation headers', async () => {
    expect((studio.server.address() as { address: string }).address).toBe('127.0.0.1');
    expect(studio.url).toBe(`http://127.0.0.1:${studio.port}/`);
    const r = await get(studio.port, '/');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(r.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect(r.body).toContain('<script type="module"');
  });

  it('sends scripts, styles and WebAssembly with their MIME types', async () => {
    const page = (await get(studio.port, '/')).body;
    const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(page)?.[1];
    const style = /href="\.\/(assets\/[^"]+\.css)"/.exec(page)?.[1];
    expect(script && style).toBeTruthy();
    expect((await get(studio.port, `/${script}`)).headers['content-type']).toBe(
      'text/javascript; charset=utf-8',
    );
    expect((await get(studio.port, `/${style}`)).headers['content-type']).toBe('text/css; charset=utf-8');
    const wasm = await get(fixture.port, '/k.wasm');
    expect(wasm.status).toBe(200);
    expect(wasm.headers['content-type']).toBe('application/wasm');
    expect(MIME_TYPES['.wasm']).toBe('application/wasm');
    expect((await get(studio.port, '/no-such-file.js')).status).toBe(404);
  });

  it('refuses every way out of its folder', async () => {
    const attempts = [
      '/../secret.txt',
      '/../../package.json',
      '/%2e%2e/secret.txt',
      '/%2E%2E/%2E%2E/package.json',
      '/sub/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/sub/%2e%2e/%2e%2e/secret.txt',
      `/${encodeURIComponent(join(outside, 'secret.txt'))}`,
      '//etc/passwd',
      '/index.html%00.png',
      '/sub/link.txt', // a symbolic link that points outside
    ];
    for (const path of attempts) {
      const r = await get(fixture.port, path);
      expect([400, 403, 404], path).toContain(r.status);
      expect(r.body, path).not.toContain('SECRET');
      expect(r.body, path).not.toContain('root:');
    }
    const outOfApp = await get(studio.port, '/../../package.json');
    expect(outOfApp.status).toBe(403);
    expect(outOfApp.body).not.toContain('"name": "neurite"');
    expect((await get(fixture.port, '/%E0%A4%A')).status).toBe(400);
  });

  it('answers only GET and HEAD', async () => {
    const r = await get(studio.port, '/', 'POST');
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('GET, HEAD');
    const head = await get(studio.port, '/', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('`neurite studio --port 0` prints its URL and serves the app; a bad port is a usage error', async () => {
    const tsx = join(ROOT, 'node_modules/tsx/dist/cli.mjs');
    const child = spawn(
      process.execPath,
      [tsx, join(ROOT, 'src/cli/main.ts'), 'studio', outside, '--port', '0'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c) => {
          out += c;
          const m = /neurite studio: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
          if (m) resolve(m[1]);
        });
        child.stderr.on('data', (c) => reject(new Error(String(c))));
        child.on('exit', (code) => reject(new Error(`exited with ${code}`)));
      });
      const r = await get(Number(new URL(url).port), '/');
      expect(r.status).toBe(200);
      expect(r.body).toContain('<script type="module"');
    } finally {
      child.kill('SIGTERM');
    }
    const bad = spawn(process.execPath, [tsx, join(ROOT, 'src/cli/main.ts'), 'studio', '--port', 'eighty'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    bad.stderr.on('data', (c) => (err += c));
    const code = await new Promise((resolve) => bad.on('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain('--port must be an integer from 0 to 65535, got eighty');
  });
});
