/**
 * `npm run bench`: neurite (native, WebAssembly and TypeScript backends), TensorFlow.js (cpu and wasm) and, where Debian's
 * python3-torch is installed, PyTorch, side by side on the same cases, each case in a fresh process, all on
 * 2 threads. Prints a Markdown table with the measured figures and neurite-native's ratio to the others.
 *
 *   npm run bench                                   # everything
 *   npm run bench -- --cases sgemm-1024,conv-fwd     # some cases
 *   npm run bench -- --impls neurite-native,pytorch  # some implementations
 *   npm run bench -- --repeat 3                      # each measurement in 3 fresh processes, their median
 */
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CASES, CONV, GROWTH_CASES, GROWTH_EPOCHS, GROWTH_FROM, LSTM, median, TRAIN } from './cases.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const IMPLS = ['neurite-native', 'neurite-wasm', 'neurite-ts', 'tfjs-wasm', 'tfjs-cpu', 'pytorch'] as const;
type Impl = (typeof IMPLS)[number];

function arg(name: string): string[] | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]?.split(',') : undefined;
}

// --list: the cases and implementations as JSON (neurite bench reads it for its help and to check its flags)
if (process.argv.includes('--list')) {
  const list = { cases: CASES.map((c) => ({ id: c.id, title: c.title, unit: c.unit })), impls: [...IMPLS] };
  process.stdout.write(`${JSON.stringify(list)}\n`);
  process.exit(0);
}
for (const [flag, valid] of [
  ['cases', CASES.map((c) => c.id)],
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

const cases = CASES.filter((c) => !arg('cases') || arg('cases')!.includes(c.id));
let impls: Impl[] = [...IMPLS].filter((i) => !arg('impls') || arg('impls')!.includes(i));

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

type Cell = { value?: number; note?: string; skip?: string };

function runCase(impl: Impl, caseId: string): Cell {
  const spec = CASES.find((c) => c.id === caseId)!;
  if (GROWTH_CASES.has(caseId) && impl !== 'neurite-native' && impl !== 'pytorch') {
    return { skip: `${GROWTH_EPOCHS} epochs would take too long` };
  }
  const training = caseId.includes('epoch') || caseId.includes('rss') || caseId === 'lstm';
  const timeout = GROWTH_CASES.has(caseId) ? 1_800_000 : 600_000;
  const env: NodeJS.ProcessEnv = { ...process.env, NEURITE_NUM_THREADS: '2' };
  let r: ReturnType<typeof spawnSync>;
  if (impl === 'pytorch') {
    // Debian's torch takes BLAS threads from OpenBLAS and its own from OpenMP; 2 + 2 oversubscribes 2 cores
    Object.assign(
      env,
      training
        ? { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '2' }
        : { OPENBLAS_NUM_THREADS: '2', OMP_NUM_THREADS: '2' },
    );
    const cfg = JSON.stringify({
      flops: spec.flops,
      conv: CONV,
      lstm: LSTM,
      train: TRAIN,
      growthEpochs: GROWTH_EPOCHS,
      growthFrom: GROWTH_FROM,
    });
    r = spawnSync('/usr/bin/python3', [path.join(here, 'torch_bench.py'), caseId, cfg], {
      env,
      encoding: 'utf8',
      timeout,
    });
  } else {
    if (impl === 'neurite-native') env.NEURITE_BACKEND = 'native';
    if (impl === 'neurite-ts') env.NEURITE_BACKEND = 'ts';
    if (impl === 'neurite-wasm') env.NEURITE_BACKEND = 'wasm';
    r = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, 'worker.ts'), impl, caseId], {
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
  return { value: median(values), note: runs[0].note ? `${runs[0].note}; ${spread}` : spread };
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
    process.stderr.write(`  ${c.id.padEnd(12)} ${impl.padEnd(15)} ${shown}\n`);
    if (cell.note) notes.push(`${c.id} / ${impl}: ${cell.note}`);
    if (cell.skip) notes.push(`${c.id} / ${impl}: ${cell.skip}`);
  }
}

/** How many times faster neurite-native is than `other` on a case (>1: neurite faster). */
function speedup(caseId: string, other: Impl): string {
  const spec = CASES.find((c) => c.id === caseId)!;
  const a = results[caseId]['neurite-native']?.value;
  const b = results[caseId][other]?.value;
  if (a === undefined || b === undefined || GROWTH_CASES.has(caseId)) return '—';
  const higherBetter = spec.unit === 'GFLOP/s';
  return `${(higherBetter ? a / b : b / a).toFixed(2)}×`;
}

const ratioCols = (['pytorch', 'tfjs-wasm'] as Impl[]).filter(
  (i) => impls.includes(i) && impls.includes('neurite-native'),
);
const header = ['case', 'unit', ...impls, ...ratioCols.map((i) => `native vs ${i}`)];
const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
for (const c of cases) {
  const row = [
    c.title,
    c.unit,
    ...impls.map((i) => fmt(results[c.id][i]?.value)),
    ...ratioCols.map((i) => speedup(c.id, i)),
  ];
  lines.push(`| ${row.join(' | ')} |`);
}
console.log(`\n${lines.join('\n')}`);
console.log(
  '\nRatios are speed-ups of neurite-native (above 1: neurite is faster; for MiB, above 1: neurite uses less).',
);
console.log(
  'All implementations on 2 threads (tfjs-wasm runs one thread in Node); medians over repetitions.',
);
if (notes.length) console.log(`\nNotes:\n${notes.map((n) => `- ${n}`).join('\n')}`);
