/** Runs one benchmark case for one implementation in a fresh process and prints its result as JSON. */
import { CASES, smokeSettings } from './cases.js';

smokeSettings(process.env);

const [impl, caseId] = process.argv.slice(2);
const spec = CASES.find((c) => c.id === caseId);
if (!spec) throw new Error(`unknown case ${caseId}`);

let result: unknown;
if (impl === 'neurite-native' || impl === 'neurite-ts' || impl === 'neurite-wasm') {
  const { runNeurite } = await import('./neurite.js');
  result = await runNeurite(impl.slice('neurite-'.length), spec);
} else if (impl === 'tfjs-cpu' || impl === 'tfjs-wasm') {
  const { runTfjs } = await import('./tfjs.js');
  result = await runTfjs(impl === 'tfjs-cpu' ? 'cpu' : 'wasm', spec);
} else if (impl === 'browser-neurite-wasm' || impl === 'browser-tfjs-wasm') {
  const { runBrowser } = await import('./browser.js');
  result = await runBrowser(impl, spec);
} else throw new Error(`unknown implementation ${impl}`);
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
