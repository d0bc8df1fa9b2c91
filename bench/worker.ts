/** Runs one benchmark case for one implementation in a fresh process and prints its result as JSON. */
import { CASES } from './cases.js';
import { runNeurite } from './neurite.js';

const [impl, caseId] = process.argv.slice(2);
const spec = CASES.find((c) => c.id === caseId);
if (!spec) throw new Error(`unknown case ${caseId}`);

let result: unknown;
if (impl === 'neurite-native') result = await runNeurite('native', spec);
else if (impl === 'neurite-ts') result = await runNeurite('ts', spec);
else if (impl === 'neurite-wasm') result = await runNeurite('wasm', spec);
else if (impl === 'tfjs-cpu' || impl === 'tfjs-wasm') {
  const { runTfjs } = await import('./tfjs.js');
  result = await runTfjs(impl === 'tfjs-cpu' ? 'cpu' : 'wasm', spec);
} else throw new Error(`unknown implementation ${impl}`);
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
