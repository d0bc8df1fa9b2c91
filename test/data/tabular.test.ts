import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as nt from '../../src/node.js';
import { expectClose } from '../helpers/gradcheck.js';

// test/fixtures/datasets.json holds what scikit-learn's loaders return (scripts/fixtures/datasets.py)
interface Summary {
  shape: number[];
  head: number[][];
  tail: number[];
  columnSums: number[];
  yHead: number[];
  ySum: number;
  featureNames: string[];
  classCounts?: number[];
  targetNames?: string[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/datasets.json', import.meta.url), 'utf8'),
) as Record<'iris' | 'wine' | 'breastCancer' | 'diabetesScaled' | 'diabetesRaw' | 'digits', Summary>;

function columnSums(x: nt.Tensor): number[] {
  const [n, f] = x.shape;
  const sums = new Array<number>(f).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) sums[j] += x.data[i * f + j];
  return sums;
}

function checkAgainstSklearn(
  name: string,
  data: nt.TabularDataset,
  expected: Summary,
  tolerance = 1e-6,
): void {
  const [n, f] = expected.shape;
  expect(data.x.shape, `${name} x shape`).toEqual([n, f]);
  expect(data.x.dtype).toBe('float32');
  expect(data.y.shape).toEqual([n]);
  const rows = data.x.toArray() as number[][];
  // float32 copies of scikit-learn's float64 values
  expectClose(rows.slice(0, 3).flat(), expected.head.flat(), { atol: tolerance, rtol: 1e-6 }, `${name} head`);
  expectClose(rows[n - 1], expected.tail, { atol: tolerance, rtol: 1e-6 }, `${name} tail`);
  expectClose(columnSums(data.x), expected.columnSums, { atol: 1e-3, rtol: 1e-5 }, `${name} column sums`);
  expectClose(data.y.toList().slice(0, 10), expected.yHead, { atol: 1e-4, rtol: 0 }, `${name} first labels`);
  expect(data.y.toList().reduce((s, v) => s + v, 0)).toBeCloseTo(expected.ySum, 2);
  expect(data.featureNames).toEqual(expected.featureNames);
  if (expected.classCounts) {
    expect(data.y.dtype).toBe('int32');
    const counts = new Array<number>(expected.classCounts.length).fill(0);
    for (const v of data.y.data) counts[v]++;
    expect(counts, `${name} class counts`).toEqual(expected.classCounts);
    expect(data.targetNames).toEqual(expected.targetNames);
  } else {
    expect(data.y.dtype).toBe('float32');
    expect(data.targetNames).toBeUndefined();
  }
}

describe('built-in tabular datasets match scikit-learn', () => {
  it('loadIris', () => checkAgainstSklearn('iris', nt.loadIris(), fixture.iris));
  it('loadWine', () => checkAgainstSklearn('wine', nt.loadWine(), fixture.wine));
  it('loadBreastCancer', () =>
    checkAgainstSklearn('breast cancer', nt.loadBreastCancer(), fixture.breastCancer));
  it('loadDigits', () => checkAgainstSklearn('digits', nt.loadDigits(), fixture.digits));
  it('loadDiabetes (scaled, the default)', () => {
    checkAgainstSklearn('diabetes', nt.loadDiabetes(), fixture.diabetesScaled, 1e-7);
  });
  it('loadDiabetes({ scaled: false })', () => {
    checkAgainstSklearn('diabetes raw', nt.loadDiabetes({ scaled: false }), fixture.diabetesRaw, 1e-4);
  });
});

describe('built-in tabular datasets', () => {
  it('scaled diabetes columns are centred with a sum of squares of 1', () => {
    const { x } = nt.loadDiabetes();
    const [n, f] = x.shape;
    for (let j = 0; j < f; j++) {
      let sum = 0;
      let sumSq = 0;
      for (let i = 0; i < n; i++) {
        sum += x.data[i * f + j];
        sumSq += x.data[i * f + j] ** 2;
      }
      expect(Math.abs(sum)).toBeLessThan(1e-5);
      expect(sumSq).toBeCloseTo(1, 5);
    }
  });

  it('loadDigits({ asImages: true }) gives [N, 1, 8, 8] with the same pixels', () => {
    const flat = nt.loadDigits();
    const images = nt.loadDigits({ asImages: true });
    expect(images.x.shape).toEqual([1797, 1, 8, 8]);
    expect(images.x.data.every((v, i) => v === flat.x.data[i])).toBe(true);
    expect(Math.max(...flat.x.data)).toBe(16);
  });

  it('returns fresh tensors each call', () => {
    const a = nt.loadIris();
    a.x.data[0] = -1;
    expect(nt.loadIris().x.data[0]).toBeCloseTo(5.1, 5);
  });
});

describe('built-in dataset errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-tabular-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the missing file', () => {
    expect(() => nt.loadIris({ dataDir: join(dir, 'nowhere') })).toThrow(nt.FormatError);
    expect(() => nt.loadIris({ dataDir: join(dir, 'nowhere') })).toThrow(/nowhere.*meta\.json/);
  });

  it('names the file and line of a corrupt value', () => {
    const irisDir = join(dir, 'iris');
    rmSync(irisDir, { recursive: true, force: true });
    const source = nt.builtinDataDir('iris');
    mkdirSync(irisDir, { recursive: true });
    copyFileSync(join(source, 'meta.json'), join(irisDir, 'meta.json'));
    writeFileSync(
      join(irisDir, 'iris.csv'),
      '150,4,setosa,versicolor,virginica\n5.1,3.5,1.4,0.2,0\n4.9,x,1.4,0.2,0\n',
    );
    expect(() => nt.loadIris({ dataDir: irisDir })).toThrow(/iris\.csv, line 3, field 2 is "x"/);
    writeFileSync(join(irisDir, 'iris.csv'), '150,4,setosa,versicolor,virginica\n5.1,3.5,1.4,0.2,0\n');
    expect(() => nt.loadIris({ dataDir: irisDir })).toThrow(/holds 1 rows, expected 150/);
    const real = readFileSync(join(source, 'iris.csv'), 'utf8');
    writeFileSync(join(irisDir, 'iris.csv'), real.replace('5.9,3.0,5.1,1.8,2', '5.9,3.0,5.1,1.8,7'));
    expect(() => nt.loadIris({ dataDir: irisDir })).toThrow(/sample 149 has label 7, outside 0…2/);
  });

  it('rejects a bad scaled option', () => {
    expect(() => nt.loadDiabetes({ scaled: 'yes' as unknown as boolean })).toThrow(nt.ValueError);
  });
});
