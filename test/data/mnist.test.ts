import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import * as nt from '../../src/node.js';

// data/mnist/README.md lists these; the stratified split puts 80 % of each class in training
const ALL = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
const TEST = [200, 225, 198, 206, 196, 173, 203, 214, 189, 196];
const TRAIN = ALL.map((n, d) => n - TEST[d]);

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function classCounts(labels: nt.Tensor): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const d of labels.data) counts[d]++;
  return counts;
}

/** The first image of a [N, …] tensor of values in [0, 1], back as bytes. */
function firstImageBytes(images: nt.Tensor): Uint8Array {
  return Uint8Array.from(images.data.subarray(0, 784), (v) => Math.round(v * 255));
}

const train = nt.loadMnist();
const test = nt.loadMnist({ split: 'test', flatten: true });

describe('loadMnist', () => {
  it('has the documented shapes and dtypes', () => {
    expect(train.images.shape).toEqual([8000, 1, 28, 28]);
    expect(train.images.dtype).toBe('float32');
    expect(train.labels.shape).toEqual([8000]);
    expect(train.labels.dtype).toBe('int32');
    expect(test.images.shape).toEqual([2000, 784]);
    expect(test.labels.shape).toEqual([2000]);
    expect(nt.loadMnist({ split: 'all', flatten: true }).images.shape).toEqual([10000, 784]);
  });

  it('splits every class 80/20', () => {
    expect(classCounts(train.labels)).toEqual(TRAIN);
    expect(classCounts(test.labels)).toEqual(TEST);
    expect(TRAIN.reduce((a, b) => a + b)).toBe(8000);
    expect(classCounts(nt.loadMnist({ split: 'all' }).labels)).toEqual(ALL);
  });

  it('interleaves the classes within a split', () => {
    expect(Array.from(train.labels.data.subarray(0, 20))).toEqual([
      5, 0, 8, 5, 4, 0, 6, 1, 2, 7, 1, 2, 9, 9, 1, 5, 4, 1, 3, 1,
    ]);
    expect(new Set(test.labels.data.subarray(0, 50)).size).toBe(10);
  });

  it('holds whole multiples of 1/255 in [0, 1] covering the full range', () => {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    let offGrid = 0;
    for (const v of train.images.data) {
      if (v < min) min = v;
      if (v > max) max = v;
      if (Math.abs(v * 255 - Math.round(v * 255)) > 1e-4) offGrid++;
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    expect(offGrid).toBe(0);
  });

  it('gives known images', () => {
    // the first training image is a 5 (MNIST's own first training image); the first test image a 7
    expect(train.labels.data[0]).toBe(5);
    expect(sha256(firstImageBytes(train.images))).toBe(
      '1b7adb3962dd3a9101e8591246b24cbeb4f5edb042de2421e83c119ca6ec28bd',
    );
    expect(test.labels.data[0]).toBe(7);
    expect(sha256(firstImageBytes(test.images))).toBe(
      '998321aa07470cf9456a9c501567c2afa325f1876fdd10e77656638bdbba629a',
    );
  });

  it('ships the files the README describes', () => {
    const dir = nt.mnistDataDir();
    expect(sha256(gunzipSync(readFileSync(join(dir, 'images.u8.gz'))))).toBe(
      '60be1337b74d7b68fc21f2f6c98f436998b0c2ca5b9989f3025dbfc618d09ce7',
    );
    expect(sha256(gunzipSync(readFileSync(join(dir, 'labels.u8.gz'))))).toBe(
      '74e138ca9b176206d7cfb78a247f2833dce349997952e4e005f107f54f649294',
    );
  });

  it('standardises with the MNIST mean and std, or keeps raw bytes', () => {
    const std = nt.loadMnist({ split: 'test', normalize: 'standard' });
    const raw = nt.loadMnist({ split: 'test', normalize: 'none' });
    expect(std.images.data[0]).toBeCloseTo(-nt.MNIST_MEAN / nt.MNIST_STD, 6);
    for (const i of [0, 200, 300, 400, 500]) {
      const unit = test.images.data[i];
      expect(std.images.data[i]).toBeCloseTo((unit - 0.1307) / 0.3081, 5);
      expect(raw.images.data[i]).toBe(Math.round(unit * 255));
    }
    let mean = 0;
    for (const v of std.images.data) mean += v;
    expect(Math.abs(mean / std.images.size)).toBeLessThan(0.05);
  });

  it('rejects unknown options', () => {
    expect(() => nt.loadMnist({ split: 'validation' as 'train' })).toThrow(/split must be/);
    expect(() => nt.loadMnist({ normalize: true as unknown as 'unit' })).toThrow(/normalize must be/);
  });
});

describe('loadMnist on damaged files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-mnist-'));
  const shipped = nt.mnistDataDir();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const withFiles = (images: Uint8Array | null, labels: Uint8Array | null) => {
    for (const [name, bytes] of [
      ['images.u8.gz', images],
      ['labels.u8.gz', labels],
    ] as const) {
      if (bytes) writeFileSync(join(dir, name), bytes);
      else copyFileSync(join(shipped, name), join(dir, name));
    }
  };

  it('loads an intact copy from dataDir', () => {
    withFiles(null, null);
    expect(nt.loadMnist({ split: 'test', dataDir: dir }).labels.toArray()).toEqual(test.labels.toArray());
  });

  it('names a file that is not gzip', () => {
    withFiles(new Uint8Array([1, 2, 3, 4]), null);
    expect(() => nt.loadMnist({ dataDir: dir })).toThrow(nt.FormatError);
    expect(() => nt.loadMnist({ dataDir: dir })).toThrow(/images\.u8\.gz is not valid gzip/);
  });

  it('names a truncated gzip stream', () => {
    const gz = readFileSync(join(shipped, 'labels.u8.gz'));
    withFiles(null, gz.subarray(0, gz.length - 100));
    expect(() => nt.loadMnist({ dataDir: dir })).toThrow(/labels\.u8\.gz is not valid gzip/);
  });

  it('names a file of the wrong size', () => {
    withFiles(gzipSync(new Uint8Array(784 * 9999)), null);
    expect(() => nt.loadMnist({ dataDir: dir })).toThrow(
      /images\.u8\.gz holds 7839216 bytes once unzipped, expected 7840000/,
    );
  });

  it('names a label outside 0–9', () => {
    const labels = new Uint8Array(gunzipSync(readFileSync(join(shipped, 'labels.u8.gz'))));
    labels[8005] = 12;
    withFiles(null, gzipSync(labels));
    expect(() => nt.loadMnist({ split: 'test', dataDir: dir })).toThrow(
      /labels\.u8\.gz has label 12 at index 8005/,
    );
  });

  it('names a missing file', () => {
    expect(() => nt.loadMnist({ dataDir: join(dir, 'nowhere') })).toThrow(
      /cannot read .*nowhere.*images\.u8\.gz/,
    );
  });
});
