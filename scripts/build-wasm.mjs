#!/usr/bin/env node
/**
 * Builds neurite's WebAssembly backend from the C++ kernels in native/ (the same sources as the native addon,
 * with native/wasm/ in place of the N-API glue, the BLAS call and the thread pool) into the two binaries that
 * the repository and the package ship, so that no user ever needs Emscripten:
 *
 *   wasm/neurite.wasm           SIMD128, single-threaded (pages that are not cross-origin isolated)
 *   wasm/neurite-threads.wasm   SIMD128 over shared memory, driven by the worker pool of src/backend/wasm/
 *
 *   node scripts/build-wasm.mjs           rebuild both into wasm/
 *   node scripts/build-wasm.mjs --check   rebuild into a temporary folder and fail unless the committed binaries
 *                                         are byte for byte what the sources give (CI runs this)
 *
 * Needs Emscripten (Debian: `apt-get install emscripten`, 3.1.6). Only the .wasm files are kept: the JavaScript
 * glue Emscripten writes is replaced by neurite's own loader (src/backend/wasm/), which supplies the few imports.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');

/** The kernel sources both targets share (binding.gyp lists the same, plus addon.cc, arena.cc and blas.cc: Node only). */
const KERNELS = [
  'native/conv.cc',
  'native/elementwise.cc',
  'native/gemm.cc',
  'native/norm.cc',
  'native/optim.cc',
  'native/pool.cc',
  'native/reduce.cc',
  'native/rnn.cc',
  'native/shape.cc',
  'native/softmax.cc',
  'native/winograd.cc',
];
/** What stands in for the N-API glue, the BLAS and the std::thread pool. */
const WASM_GLUE = ['native/wasm/exports.cc', 'native/wasm/sgemm.cc', 'native/wasm/threads.cc'];

/** How every source compiles (both targets add their own flags). */
const COMPILE = [
  '-O3',
  '-msimd128',
  '-std=c++17',
  '-fno-exceptions',
  '-fno-rtti',
  '-fno-math-errno',
  '-fno-trapping-math',
  '-DNDEBUG',
  '-g0',
];

/**
 * How the objects link. -O1 rather than -O3 here (the code is already optimised by the compile step): at -O2 and
 * above Emscripten minifies the import and export names, and the loader looks them up by name.
 */
const LINK = [
  '-O1',
  '-g0',
  '--no-entry',
  // emmalloc guards its heap with a plain spin lock, so workers that never ran Emscripten's pthread start-up
  // can allocate safely; dlmalloc would call into pthread_mutex
  '-sMALLOC=emmalloc',
  '-sALLOW_MEMORY_GROWTH=1',
  '-sINITIAL_MEMORY=33554432',
  '-sMAXIMUM_MEMORY=2147483648',
  '-sFILESYSTEM=0',
  '-sENVIRONMENT=web,worker,node',
];

const TARGETS = [
  { file: 'neurite.wasm', compile: ['-DNEURITE_WASM_THREADS=0'], link: [] },
  {
    file: 'neurite-threads.wasm',
    compile: ['-pthread', '-DNEURITE_WASM_THREADS=1'],
    link: [
      '-pthread',
      // what the loader calls to give each worker its own stack, thread record and thread-local storage
      '-sEXPORTED_FUNCTIONS=_emscripten_stack_set_limits,_emscripten_tls_init,__emscripten_thread_init,_emscripten_stack_init',
    ],
  },
];

/** Runs emcc; fails the build with its output when it fails. */
function emccAsync(args, what) {
  return new Promise((resolve) => {
    const child = spawn('emcc', args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d) => {
      log += d;
    });
    child.stderr.on('data', (d) => {
      log += d;
    });
    child.on('close', (code) => {
      if (code !== 0) fail(`emcc failed (${what}):\n${log.trim()}`);
      resolve();
    });
  });
}

function fail(message) {
  console.error(`build-wasm: ${message}`);
  process.exit(1);
}

const emcc = spawnSync('emcc', ['--version'], { encoding: 'utf8' });
if (emcc.error || emcc.status !== 0) {
  fail('emcc not found: install Emscripten (Debian/Ubuntu: apt-get install emscripten)');
}
const version = emcc.stdout.split('\n')[0];

// Debian's emcc runs its JavaScript tools with the system's acorn, which Node finds only through NODE_PATH
const env = { ...process.env };
if (existsSync('/usr/share/nodejs/acorn')) {
  env.NODE_PATH = ['/usr/share/nodejs', env.NODE_PATH].filter(Boolean).join(path.delimiter);
}
// the binaries must not depend on who builds them or where: no cache paths or timestamps leak in
env.SOURCE_DATE_EPOCH = '0';

const outDir = check ? mkdtempSync(path.join(tmpdir(), 'neurite-wasm-')) : path.join(root, 'wasm');
mkdirSync(outDir, { recursive: true });
const work = mkdtempSync(path.join(tmpdir(), 'neurite-wasm-work-'));
const stale = [];
try {
  for (const t of TARGETS) {
    const sources = [...KERNELS, ...WASM_GLUE];
    const objects = sources.map((src) => path.join(work, `${t.file}-${path.basename(src)}.o`));
    // two compilers at a time: the sources are independent
    await Promise.all(
      [0, 1].map(async (lane) => {
        for (let i = lane; i < sources.length; i += 2) {
          await emccAsync(
            [...COMPILE, ...t.compile, '-c', sources[i], '-o', objects[i]],
            `${t.file}: ${sources[i]}`,
          );
        }
      }),
    );
    const js = path.join(work, t.file.replace(/\.wasm$/, '.js'));
    await emccAsync([...LINK, ...t.link, ...objects, '-o', js], `${t.file}: link`);
    const built = js.replace(/\.js$/, '.wasm');
    copyFileSync(built, path.join(outDir, t.file));
    if (check) {
      const committed = path.join(root, 'wasm', t.file);
      if (!existsSync(committed) || !readFileSync(committed).equals(readFileSync(built))) stale.push(t.file);
    }
    console.log(`build-wasm: ${t.file} (${readFileSync(built).length} bytes, ${version})`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
  if (check) rmSync(outDir, { recursive: true, force: true });
}
if (stale.length > 0) {
  fail(
    `wasm/${stale.join(', wasm/')} ${stale.length === 1 ? 'does' : 'do'} not match what native/ builds: ` +
      'a kernel source changed without a rebuild. Run `node scripts/build-wasm.mjs` and commit wasm/.',
  );
}
if (check) console.log('build-wasm: the committed binaries match the sources');
