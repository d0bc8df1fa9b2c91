#!/usr/bin/env node
/**
 * Builds neurite's native backend (build/Release/neurite_native.node) with node-gyp; npm runs it at install.
 *
 * Installing never fails because of it: when a C++ compiler, make, Python (for node-gyp) or the BLAS is
 * missing, or the build itself fails, this prints one line saying what is missing and how to get it, exits 0,
 * and neurite runs on its WebAssembly backend (wasm/, prebuilt). NEURITE_SKIP_NATIVE=1 skips the build. NEURITE_BLAS_INCLUDE and
 * NEURITE_BLAS_LIBDIR point it at an OpenBLAS in a non-standard place.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const isMac = process.platform === 'darwin';
const FALLBACK = 'neurite will use its WebAssembly backend';

function notBuilt(reason, remedy) {
  console.log(`neurite: native backend not built (${reason}); ${remedy} — ${FALLBACK}`);
  process.exit(0);
}

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  return { ok: !r.error && r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, error: r.error };
}

const works = (cmd, args = ['--version']) => run(cmd, args).ok;

if (process.env.NEURITE_SKIP_NATIVE === '1') {
  console.log(`neurite: native backend skipped (NEURITE_SKIP_NATIVE=1) — ${FALLBACK}`);
  process.exit(0);
}

if (process.platform === 'win32') {
  notBuilt('Windows is not supported by the native build yet', 'use WSL for native speed');
}

// --- tools -------------------------------------------------------------------------------------------------

const cxx = [process.env.CXX, 'c++', 'g++', 'clang++'].find((c) => c && works(c));
if (!cxx) {
  notBuilt(
    'no C++ compiler found',
    isMac
      ? 'run xcode-select --install and npm rebuild neurite'
      : 'install build-essential (Debian/Ubuntu) or gcc-c++ (Fedora) and run npm rebuild neurite',
  );
}
if (!works('make')) {
  notBuilt(
    'make not found',
    isMac ? 'run xcode-select --install and npm rebuild neurite' : 'install make and run npm rebuild neurite',
  );
}
const python = [process.env.npm_config_python, process.env.PYTHON, 'python3', 'python'].find(
  (p) => p && works(p) && run(p, ['-c', 'import sys; sys.exit(sys.version_info < (3, 6))']).ok,
);
if (!python) notBuilt('Python 3 not found, node-gyp needs it', 'install python3 and run npm rebuild neurite');

// --- BLAS: compile and run a one-element sgemm against each candidate location --------------------------------

const blasVars = [];
if (!isMac) {
  const dir = mkdtempSync(path.join(tmpdir(), 'neurite-blas-'));
  try {
    const src = path.join(dir, 'probe.cc');
    writeFileSync(
      src,
      '#include <cblas.h>\nint main() { float a = 2, b = 3, c = 0;\n' +
        '  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 1, 1, 1, 1.0f, &a, 1, &b, 1, 0.0f, &c, 1);\n' +
        '  return c == 6 ? 0 : 1; }\n',
    );
    const includes = [
      process.env.NEURITE_BLAS_INCLUDE,
      '',
      '/usr/include/openblas',
      '/usr/local/include',
      '/usr/local/opt/openblas/include',
      '/opt/homebrew/opt/openblas/include',
    ].filter((d) => d !== undefined);
    const include = includes.find(
      (d) => run(cxx, ['-c', src, '-o', path.join(dir, 'probe.o'), ...(d ? ['-I', d] : [])]).ok,
    );
    if (include === undefined) {
      notBuilt(
        'cblas.h not found',
        'install libopenblas-dev (Debian/Ubuntu) or openblas-devel (Fedora) and run npm rebuild neurite',
      );
    }
    const libdirs = [
      process.env.NEURITE_BLAS_LIBDIR,
      '',
      '/usr/lib64/openblas',
      '/usr/local/lib',
      '/usr/local/opt/openblas/lib',
      '/opt/homebrew/opt/openblas/lib',
    ].filter((d) => d !== undefined);
    const exe = path.join(dir, 'probe');
    const libdir = libdirs.find(
      (d) =>
        run(cxx, [
          path.join(dir, 'probe.o'),
          '-o',
          exe,
          ...(d ? [`-L${d}`, `-Wl,-rpath,${d}`] : []),
          '-lopenblas',
        ]).ok,
    );
    if (libdir === undefined) {
      notBuilt(
        'libopenblas not found',
        'install libopenblas-dev (Debian/Ubuntu) or openblas-devel (Fedora) and run npm rebuild neurite',
      );
    }
    if (!run(exe, []).ok) {
      notBuilt(
        'OpenBLAS links but a test product fails to run',
        'reinstall libopenblas-dev and run npm rebuild neurite',
      );
    }
    if (include) blasVars.push(`--neurite_blas_include=${include}`);
    if (libdir) blasVars.push(`--neurite_blas_libdir=${libdir}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// --- node-gyp: npm's own copy, else the one bundled next to this node, else npx ------------------------------

function nodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) {
    return fromNpm.endsWith('.js') ? [process.execPath, [fromNpm]] : [fromNpm, []];
  }
  const bin = path.join('node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  const prefix = path.dirname(path.dirname(process.execPath));
  for (const candidate of [path.join(prefix, 'lib', bin), path.join(path.dirname(process.execPath), bin)]) {
    if (existsSync(candidate)) return [process.execPath, [candidate]];
  }
  return ['npx', ['--yes', 'node-gyp']];
}

const [gypCmd, gypArgs] = nodeGyp();
const args = [...gypArgs, 'rebuild', '--jobs=max', ...blasVars];
// the headers of the running node, when its installation has them, spare node-gyp a download
const nodePrefix = path.dirname(path.dirname(process.execPath));
if (existsSync(path.join(nodePrefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${nodePrefix}`);
if (python) args.push(`--python=${python}`);

const build = run(gypCmd, args, { cwd: root });
if (!build.ok) {
  const log = path.join(root, 'build', 'native-build.log');
  mkdirSync(path.dirname(log), { recursive: true });
  writeFileSync(log, `$ ${gypCmd} ${args.join(' ')}\n${build.error ? `${build.error}\n` : ''}${build.out}`);
  notBuilt(`the compilation failed, log in ${path.relative(process.cwd(), log) || log}`, 'please report it');
}

// a build that does not load is no better than none
const addon = path.join(root, 'build', 'Release', 'neurite_native.node');
try {
  const loaded = createRequire(import.meta.url)(addon);
  console.log(`neurite: native backend built (${loaded.blasName()}, ${loaded.numThreads()} threads)`);
} catch (e) {
  rmSync(addon, { force: true });
  notBuilt(`the built addon does not load: ${String(e.message).split('\n')[0]}`, 'please report it');
}
