/**
 * `npm run bench`: neurite (native, WebAssembly and TypeScript backends), TensorFlow.js (cpu and wasm) and, where Debian's
 * python3-torch is installed, PyTorch, side by side on the same cases, each case in a fresh process, on 2 threads
 * where the implementation has threads. The browser columns run neurite's and TensorFlow.js's WASM backends in
 * headless chromium (bench/browser.ts: a cross-origin isolated page, a Web Worker, a fresh browser per case).
 * Prints a Markdown table with the measured figures and the speed-ups of neurite over the others.
 *
 *   npm run bench                                   # everything
 *   npm run bench -- --cases sgemm-1024,conv-fwd     # some cases
 *   npm run bench -- --impls neurite-native,pytorch  # some implementations
 *   npm run bench -- --repeat 3                      # each measurement in 3 fresh processes, their median
 *   npm run bench -- --cases scaling                 # the scaling cases (batch, width, threads, larger models)
 *   npm run bench -- --smoke                         # every selected case once on tiny settings: does it run?
 *   npm run bench -- --list                          # the cases and implementations as JSON
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeBlasCore, nativeWinogradDefault } from '../src/backend/native/index.js';
import * as nt from '../src/node.js';
import { CHROMIUM, hasChromium } from '../test/helpers/chromium.js';
import { cpuFlags } from '../test/helpers/cpu.js';
import {
  CASES,
  CONV,
  GROUPS,
  GROWTH_CASES,
  GROWTH_EPOCHS,
  GROWTH_FROM,
  LARGE,
  LSTM,
  median,
  smokeSettings,
  TRAIN,
} from './cases.js';
import { largeModel } from './neurite-cases.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const IMPLS = [
  'neurite-native',
  'neurite-native-avx2',
  'neurite-wasm',
  'neurite-ts',
  'tfjs-wasm',
  'tfjs-cpu',
  'pytorch',
  'browser-neurite-wasm',
  'browser-tfjs-wasm',
] as const;
type Impl = (typeof IMPLS)[number];
const BROWSER_IMPLS: readonly Impl[] = ['browser-neurite-wasm', 'browser-tfjs-wasm'];
const NO_CHROMIUM = `no ${CHROMIUM}`;

function arg(name: string): string[] | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]?.split(',') : undefined;
}

// --help prints the usage above instead of starting a run of many minutes; an unknown flag is an error
const FLAGS = ['--cases', '--impls', '--repeat', '--smoke', '--list', '--help', '-h'];
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(
    'usage: npm run bench -- [--cases ID,…|GROUP] [--impls NAME,…] [--repeat N] [--smoke] [--list]\n' +
      `cases: ${CASES.map((c) => c.id).join(', ')}; groups: ${GROUPS.join(', ')}\n` +
      `impls: ${IMPLS.join(', ')}\n`,
  );
  process.exit(0);
}
for (const a of process.argv.slice(2)) {
  if (a.startsWith('-') && !FLAGS.includes(a)) {
    console.error(`bench: unknown flag '${a}'; valid: ${FLAGS.filter((f) => f !== '-h').join(', ')}`);
    process.exit(2);
  }
}

// --list: the cases and implementations as JSON (neurite bench reads it for its help and to check its flags)
if (process.argv.includes('--list')) {
  const list = {
    cases: CASES.map((c) => ({
      id: c.id,
      title: c.title,
      unit: c.unit,
      ...(c.group ? { group: c.group } : {}),
    })),
    groups: [...GROUPS],
    impls: [...IMPLS],
  };
  process.stdout.write(`${JSON.stringify(list)}\n`);
  process.exit(0);
}
for (const [flag, valid] of [
  ['cases', [...CASES.map((c) => c.id), ...GROUPS]],
  ['impls', [...IMPLS]],
] as const) {
  const unknown = (arg(flag) ?? []).filter((v) => !(valid as readonly string[]).includes(v));
  if (unknown.length > 0) {
    console.error(
      `bench: unknown --${flag} ${unknown.map((v) => `'${v}'`).join(', ')}; valid: ${valid.join(', ')}`,
    );
    process.exit(2);
  }
}

// a shared 2-core machine moves single measurements by ±15 %: --repeat takes the median of several processes
const repeat = Number(arg('repeat')?.[0] ?? 1);
if (!Number.isInteger(repeat) || repeat < 1) {
  console.error(`bench: --repeat takes a positive whole number, got '${arg('repeat')?.[0]}'`);
  process.exit(2);
}

// --smoke: tiny settings in every process (the workers and torch_bench.py read the same variable)
if (process.argv.includes('--smoke')) process.env.NEURITE_BENCH_SMOKE = '1';
smokeSettings(process.env);

// a group's cases run only when the group or the case is named
const selected = arg('cases');
const cases = CASES.filter((c) =>
  selected ? selected.includes(c.id) || (c.group !== undefined && selected.includes(c.group)) : !c.group,
);
// neurite-native-avx2 is neurite-native kept on its AVX2 kernels (NEURITE_AVX512=0): a column of its own, by
// default, only on a CPU with AVX-512, where it tells what the AVX-512 copies gain in the same run
const hasAvx512 = cpuFlags().includes('avx512f');
let impls: Impl[] = [...IMPLS].filter((i) =>
  arg('impls') ? arg('impls')!.includes(i) : i !== 'neurite-native-avx2' || hasAvx512,
);

const torchOk = (() => {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!torchOk && impls.includes('pytorch')) {
  console.log('PyTorch not found (/usr/bin/python3 -c "import torch" failed): its column is left out.');
  impls = impls.filter((i) => i !== 'pytorch');
}

/**
 * The model.py of the randwire-step case's network, written once per run by neurite's PyTorch export: PyTorch
 * builds the same graph from it.
 */
let randwireModelPy: string | null = null;
function randwireModel(): string {
  if (randwireModelPy) return randwireModelPy;
  const files = nt.pytorch.exportModel(largeModel(nt, 'randwire')).files;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'neurite-bench-randwire-'));
  randwireModelPy = path.join(dir, 'model.py');
  writeFileSync(randwireModelPy, files['model.py'] as string);
  return randwireModelPy;
}

/** A measurement; the browser columns add the threads and binary their library reported in the page. */
type Cell = { value?: number; note?: string; skip?: string; threads?: number; build?: string };

function runCase(impl: Impl, caseId: string): Cell {
  const spec = CASES.find((c) => c.id === caseId)!;
  if (BROWSER_IMPLS.includes(impl)) {
    if (!hasChromium()) return { skip: NO_CHROMIUM };
    if (spec.unit === 'MiB') return { skip: 'a page has no resident-memory figure' };
  }
  if (impl === 'neurite-native-avx2' && !hasAvx512) {
    return { skip: 'this CPU has no AVX-512: the same code as neurite-native' };
  }
  if (GROWTH_CASES.has(caseId) && impl !== 'neurite-native' && impl !== 'pytorch') {
    return { skip: `${GROWTH_EPOCHS} epochs would take too long` };
  }
  const training =
    caseId.includes('epoch') || caseId.includes('rss') || caseId === 'lstm' || spec.group === 'scaling';
  const timeout = GROWTH_CASES.has(caseId) ? 1_800_000 : 600_000;
  const threads = String(spec.threads ?? 2);
  const env: NodeJS.ProcessEnv = { ...process.env, NEURITE_NUM_THREADS: threads };
  let r: ReturnType<typeof spawnSync>;
  if (impl === 'pytorch') {
    // Debian's torch takes BLAS threads from OpenBLAS and its own from OpenMP; 2 + 2 oversubscribes 2 cores
    Object.assign(
      env,
      training
        ? { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: threads }
        : { OPENBLAS_NUM_THREADS: threads, OMP_NUM_THREADS: threads },
    );
    const cfg = JSON.stringify({
      flops: spec.flops,
      conv: CONV,
      lstm: LSTM,
      train: TRAIN,
      large: LARGE,
      cnn: spec.cnn ?? {},
      model: spec.model ?? null,
      modelPy: spec.model === 'randwire' ? randwireModel() : null,
      growthEpochs: GROWTH_EPOCHS,
      growthFrom: GROWTH_FROM,
    });
    r = spawnSync('/usr/bin/python3', [path.join(here, 'torch_bench.py'), caseId, cfg], {
      env,
      encoding: 'utf8',
      timeout,
    });
  } else {
    if (impl === 'neurite-native' || impl === 'neurite-native-avx2') env.NEURITE_BACKEND = 'native';
    if (impl === 'neurite-native-avx2') env.NEURITE_AVX512 = '0';
    if (impl === 'neurite-ts') env.NEURITE_BACKEND = 'ts';
    if (impl === 'neurite-wasm') env.NEURITE_BACKEND = 'wasm';
    const workerImpl = impl === 'neurite-native-avx2' ? 'neurite-native' : impl;
    r = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, 'worker.ts'), workerImpl, caseId], {
      env,
      encoding: 'utf8',
      timeout,
    });
  }
  const out =
    String(r.stdout ?? '')
      .trim()
      .split('\n')
      .pop() ?? '';
  try {
    return JSON.parse(out) as Cell;
  } catch {
    // the first line that names an error says more than Node's closing version banner
    const lines = String(r.stderr ?? '')
      .split('\n')
      .filter(Boolean);
    const err = lines.find((l) => /error/i.test(l)) ?? lines[0] ?? `exit ${r.status}`;
    return { skip: `error: ${err.slice(0, 70)}` };
  }
}

/** The case run `repeat` times in fresh processes: the median value, the first run's note, or the first skip. */
function runRepeated(impl: Impl, caseId: string): Cell {
  const runs: Cell[] = [];
  for (let i = 0; i < repeat; i++) {
    const cell = runCase(impl, caseId);
    if (cell.value === undefined) return cell;
    runs.push(cell);
  }
  if (runs.length === 1) return runs[0];
  const values = runs.map((r) => r.value as number);
  const spread = `${repeat} runs: ${values.map(fmt).join(', ')}`;
  return { ...runs[0], value: median(values), note: runs[0].note ? `${runs[0].note}; ${spread}` : spread };
}

function fmt(v: number | undefined): string {
  if (v === undefined) return '—';
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3);
}

const results: Record<string, Partial<Record<Impl, Cell>>> = {};
const notes: string[] = [];
for (const c of cases) {
  results[c.id] = {};
  for (const impl of impls) {
    const cell = runRepeated(impl, c.id);
    results[c.id][impl] = cell;
    const shown = cell.value !== undefined ? `${fmt(cell.value)} ${c.unit}` : `skipped (${cell.skip})`;
    process.stderr.write(`  ${c.id.padEnd(12)} ${impl.padEnd(20)} ${shown}\n`);
    if (cell.note) notes.push(`${c.id} / ${impl}: ${cell.note}`);
    if (cell.skip && cell.skip !== NO_CHROMIUM) notes.push(`${c.id} / ${impl}: ${cell.skip}`);
  }
}

/** How many times faster `a` is than `b` on a case (>1: `a` faster; for MiB, `a` uses less). */
function speedup(caseId: string, a: Impl, b: Impl): string {
  const spec = CASES.find((c) => c.id === caseId)!;
  const va = results[caseId][a]?.value;
  const vb = results[caseId][b]?.value;
  if (va === undefined || vb === undefined || GROWTH_CASES.has(caseId)) return '—';
  const higherBetter = spec.unit === 'GFLOP/s';
  return `${(higherBetter ? va / vb : vb / va).toFixed(2)}×`;
}

/** The ratio columns, each shown when both of its implementations are. */
const RATIOS: { title: string; a: Impl; b: Impl }[] = [
  { title: 'native vs pytorch', a: 'neurite-native', b: 'pytorch' },
  { title: 'native vs its AVX2 copy', a: 'neurite-native', b: 'neurite-native-avx2' },
  { title: 'native vs tfjs-wasm', a: 'neurite-native', b: 'tfjs-wasm' },
  { title: 'wasm vs tfjs-wasm', a: 'neurite-wasm', b: 'tfjs-wasm' },
  { title: 'wasm vs ts', a: 'neurite-wasm', b: 'neurite-ts' },
  { title: 'browser wasm vs tfjs', a: 'browser-neurite-wasm', b: 'browser-tfjs-wasm' },
];
const ratioCols = RATIOS.filter((r) => impls.includes(r.a) && impls.includes(r.b));

/** A cell of the table: the figure, '—' for a skip (said in the notes), or the missing browser said in place. */
function shownCell(cell: Cell | undefined): string {
  if (cell?.skip === NO_CHROMIUM) return `skipped (${NO_CHROMIUM})`;
  return fmt(cell?.value);
}

const header = ['case', 'unit', ...impls, ...ratioCols.map((r) => r.title)];
const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
for (const c of cases) {
  const row = [
    c.title,
    c.unit,
    ...impls.map((i) => shownCell(results[c.id][i])),
    ...ratioCols.map((r) => speedup(c.id, r.a, r.b)),
  ];
  lines.push(`| ${row.join(' | ')} |`);
}

/** The threads of each column: fixed in Node, as the library reported it in the page for the browser columns. */
function threadsOf(impl: Impl): string {
  const fixed: Partial<Record<Impl, string>> = {
    'neurite-native': '2',
    'neurite-native-avx2': '2',
    'neurite-wasm': '2 (threaded build)',
    'neurite-ts': '1 (JavaScript)',
    'tfjs-wasm': '1 (tfjs-backend-wasm has no threads in Node)',
    'tfjs-cpu': '1 (JavaScript)',
    pytorch: '2',
  };
  if (fixed[impl]) return fixed[impl];
  const seen = new Set(
    cases
      .map((c) => results[c.id][impl])
      .filter((cell) => cell?.threads !== undefined)
      .map((cell) => `${cell!.threads} (${cell!.build})`),
  );
  const reported =
    seen.size > 0 ? [...seen].join(' / ') : hasChromium() ? 'not run' : `not run (${NO_CHROMIUM})`;
  return impl === 'browser-tfjs-wasm' && seen.size > 0
    ? `${reported}; tfjs caps its pool at navigator.hardwareConcurrency / 2, so the worker reports twice the cores for setThreadsCount(2) to take`
    : reported;
}

console.log(`\n${lines.join('\n')}`);
console.log(
  '\nRatios are speed-ups of the first-named neurite column over the second (above 1: neurite is faster; for MiB, above 1: neurite uses less).',
);
const ownThreads = cases.filter((c) => c.threads !== undefined);
console.log(
  `Threads: ${impls.map((i) => `${i} ${threadsOf(i)}`).join('; ')}` +
    (ownThreads.length
      ? ` (except ${ownThreads.map((c) => `${c.id}: ${c.threads} for every implementation`).join(', ')})`
      : '') +
    '. Medians over repetitions.',
);
/** The CPU, its widest vector extension, the Winograd copy the native backend runs on it by default, and its BLAS kernels. */
function hostLine(): string {
  const flags = cpuFlags();
  const widest = flags.includes('avx512f')
    ? 'AVX-512'
    : flags.includes('avx2')
      ? 'AVX2'
      : flags.length
        ? 'no AVX2'
        : 'vector extensions unknown';
  const native = impls.includes('neurite-native')
    ? `; neurite-native's Winograd copy: ${nativeWinogradDefault() ?? 'addon not loaded'}${process.env.NEURITE_AVX512 === '0' ? ' (NEURITE_AVX512=0)' : ''}`
    : '';
  const avx2 =
    impls.includes('neurite-native-avx2') && hasAvx512
      ? "; neurite-native-avx2's: avx2 (NEURITE_AVX512=0)"
      : '';
  // the BLAS kernels neurite-native and PyTorch share (both load the system OpenBLAS on Linux)
  const blas = impls.includes('neurite-native')
    ? `; BLAS kernels: ${nativeBlasCore() ?? 'addon not loaded'}${process.env.OPENBLAS_CORETYPE ? ` (OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE})` : ''}`
    : '';
  return `Host: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${widest}${native}${avx2}${blas}.`;
}
console.log(hostLine());
if (impls.some((i) => BROWSER_IMPLS.includes(i)))
  console.log(
    'Browser columns: headless chromium, a cross-origin isolated page (COOP same-origin, COEP require-corp), ' +
      "one Web Worker, a fresh browser per case; the epochs train on seeded synthetic data of MNIST's shape " +
      '(a page has no file system; the time does not depend on the pixel values).',
  );
if (notes.length) console.log(`\nNotes:\n${notes.map((n) => `- ${n}`).join('\n')}`);
