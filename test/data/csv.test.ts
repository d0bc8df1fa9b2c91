import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import * as nt from '../../src/node.js';

const { parseCsv, tensorFromRows, OneHotEncoder, LabelEncoder } = nt.data;

const dir = mkdtempSync(join(tmpdir(), 'neurite-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** Writes `text` to a fresh temporary file and returns its path. */
function file(text: string | Uint8Array, ext = '.csv'): string {
  const path = join(dir, `t${files++}${ext}`);
  writeFileSync(path, text);
  return path;
}

const PEOPLE = [
  'age,city,height,smoker,label',
  '31,Paris,1.72,no,b',
  '45,Lyon,1.80,yes,a',
  '27,Paris,1.65,no,c',
  '52,Nice,1.78,yes,a',
].join('\n');

describe('loadCsv', () => {
  it('loads numeric columns, one-hot categorical ones and label-encodes a word target', () => {
    const data = nt.loadCsv(file(PEOPLE), { target: 'label', categorical: ['city', 'smoker'] });
    expect(data.columnNames).toEqual(['age', 'city', 'height', 'smoker', 'label']);
    expect(data.featureNames).toEqual([
      'age',
      'city_Lyon',
      'city_Nice',
      'city_Paris',
      'height',
      'smoker_no',
      'smoker_yes',
    ]);
    expect(data.x.dtype).toBe('float32');
    expect(data.x.shape).toEqual([4, 7]);
    expect((data.x.toArray() as number[][])[1]).toEqual([45, 1, 0, 0, Math.fround(1.8), 0, 1]);
    expect(data.y!.dtype).toBe('int32');
    expect(data.y!.toList()).toEqual([1, 0, 2, 0]);
    expect(data.targetNames).toEqual(['a', 'b', 'c']);
    expect(Object.keys(data.encoders).sort()).toEqual(['city', 'label', 'smoker']);
    expect(data.encoders.city).toBeInstanceOf(OneHotEncoder);
    expect(data.encoders.label).toBeInstanceOf(LabelEncoder);
  });

  it('selects columns by name or index, in the order given, and label-codes on request', () => {
    const data = nt.loadCsv(file(PEOPLE), {
      columns: [2, 'city'],
      target: 0,
      categorical: { city: 'label' },
    });
    expect(data.featureNames).toEqual(['height', 'city']);
    expect(data.x.toArray()).toEqual([
      [Math.fround(1.72), 2],
      [Math.fround(1.8), 0],
      [Math.fround(1.65), 2],
      [Math.fround(1.78), 1],
    ]);
    expect(data.y!.dtype).toBe('float32');
    expect(data.y!.toList()).toEqual([31, 45, 27, 52]);
    expect(data.targetNames).toBeUndefined();
  });

  it('orders numeric-looking categories as numbers and label-encodes a numeric target listed as categorical', () => {
    const data = nt.loadCsv(file('x,class\n1,10\n2,2\n3,9\n4,2\n'), {
      target: 'class',
      categorical: ['class'],
    });
    expect(data.y!.toList()).toEqual([2, 0, 1, 0]);
    expect(data.targetNames).toEqual(['2', '9', '10']);
    const zips = nt.loadCsv(file('zip,n\n02134,1\n2134,2\n10001,3\n'), { categorical: ['zip'] });
    expect(zips.featureNames).toEqual(['zip_02134', 'zip_10001', 'zip_2134', 'n']);
  });

  it('reuses the encoders of a training file, so a test file gets the same columns', () => {
    const train = nt.loadCsv(file(PEOPLE), { target: 'label', categorical: ['city', 'smoker'] });
    const testPath = file('age,city,height,smoker,label\n40,Nice,1.7,no,c\n');
    const test = nt.loadCsv(testPath, {
      target: 'label',
      categorical: ['city', 'smoker'],
      encoders: train.encoders,
    });
    expect(test.featureNames).toEqual(train.featureNames);
    expect(test.x.toArray()).toEqual([[40, 0, 1, 0, Math.fround(1.7), 1, 0]]);
    expect(test.y!.toList()).toEqual([2]);
    const unseen = file('age,city,height,smoker,label\n40,Nice,1.7,no,c\n41,Brest,1.7,no,c\n');
    expect(() =>
      nt.loadCsv(unseen, { target: 'label', categorical: ['city', 'smoker'], encoders: train.encoders }),
    ).toThrow(new RegExp(`${unseen}: line 3, column "city" \\(2\\): "Brest" is not one of the categories`));
  });

  it('reads without a header, with another delimiter, quotes, a BOM, CRLF and gzip', () => {
    const semi = nt.loadCsv(file('\ufeff1;"2";x\r\n3;4;y\r\n'), { header: false, delimiter: ';', target: 2 });
    expect(semi.columnNames).toEqual(['x0', 'x1', 'x2']);
    expect(semi.x.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(semi.targetNames).toEqual(['x', 'y']);
    const gz = nt.loadCsv(file(gzipSync(PEOPLE), '.csv.gz'), { columns: ['age'] });
    expect(gz.x.toList()).toEqual([31, 45, 27, 52]);
  });
});

describe('loadCsv errors name the file, the line and the column', () => {
  it('a word in a numeric column', () => {
    const path = file('a,b,c\n1,2,3\n4,five,6\n');
    expect(() => nt.loadCsv(path)).toThrow(nt.FormatError);
    expect(() => nt.loadCsv(path)).toThrow(
      `loadCsv: ${path}: line 3, column "b" (2): "five" is not a number; if the column holds categories, list it in categorical`,
    );
  });

  it('empty and NaN cells', () => {
    const path = file('a,b\n1,2\n3,\n');
    expect(() => nt.loadCsv(path)).toThrow(`loadCsv: ${path}: line 3, column "b" (2): empty cell`);
    const nan = file('a,b\n1,2\n\n3,4\nNaN,5\n');
    expect(() => nt.loadCsv(nan)).toThrow(`loadCsv: ${nan}: line 5, column "a" (1): missing value "NaN"`);
    const cat = file('a,b\n1,x\n2, \n');
    expect(() => nt.loadCsv(cat, { categorical: ['b'] })).toThrow(/line 3, column "b" \(2\): empty cell/);
  });

  it('ragged rows, counting lines as an editor does (blank lines and quoted newlines included)', () => {
    const path = file('a,b,c\n1,2,3\n\n"multi\nline",5,6\n7,8\n');
    expect(() => nt.loadCsv(path, { categorical: ['a'] })).toThrow(
      `loadCsv: ${path}: line 6 has 2 fields, expected 3 (as in the header)`,
    );
  });

  it('missing columns list the real ones', () => {
    const path = file(PEOPLE);
    expect(() => nt.loadCsv(path, { target: 'price' })).toThrow(nt.ValueError);
    expect(() => nt.loadCsv(path, { target: 'price' })).toThrow(
      /no column named "price" \(target\); the columns are "age", "city", "height", "smoker", "label"/,
    );
    expect(() => nt.loadCsv(path, { columns: [9] })).toThrow(/column index 9 is outside 0…4/);
    expect(() => nt.loadCsv(path, { columns: ['age'], categorical: ['city'] })).toThrow(
      /categorical column "city" \(2\) is neither a selected feature nor the target/,
    );
    expect(() => nt.loadCsv(path, { columns: ['age', 'label'], target: 'label' })).toThrow(
      /both the target and a feature/,
    );
  });

  it('empty files, header-only files, unreadable files and broken quotes', () => {
    const empty = file('');
    expect(() => nt.loadCsv(empty)).toThrow(`loadCsv: ${empty}: the file is empty`);
    const headerOnly = file('a,b\n');
    expect(() => nt.loadCsv(headerOnly)).toThrow(
      `loadCsv: ${headerOnly}: no data rows after the header (line 1)`,
    );
    expect(() => nt.loadCsv(join(dir, 'absent.csv'))).toThrow(/cannot read .*absent\.csv/);
    const quote = file('a,b\n1,"2\n3,4\n');
    expect(() => nt.loadCsv(quote)).toThrow(new RegExp(`loadCsv: ${quote}: Quote Not Closed.*line 3`));
    expect(() => nt.loadCsv(file('not gzip', '.csv.gz'))).toThrow(/not valid gzip data/);
  });

  it('a file mixing CRLF and LF line endings parses, whichever comes first', () => {
    for (const text of ['a,y\r\n1,2\n3,4\r\n5,6\n', 'a,y\n1,2\r\n3,4\n5,6\r\n']) {
      const data = nt.loadCsv(file(text), { target: 'y' });
      expect(data.x.toList()).toEqual([1, 3, 5]);
      expect(data.y?.toList()).toEqual([2, 4, 6]);
    }
    // line numbers still count every ending
    expect(() => nt.loadCsv(file('a,y\r\n1,2\n3\r\n'), { target: 'y' })).toThrow(
      /line 3 has 1 field, expected 2/,
    );
  });

  it('a file separated by semicolons (or tabs) gets a hint about delimiter', () => {
    const semi = file('a;b;y\n1;2;3\n4;5;6\n');
    expect(() => nt.loadCsv(semi, { target: 'y' })).toThrow(
      /line 1 reads as one column "a;b;y" split by ","; the file looks separated by ';': set the delimiter option to ';'/,
    );
    expect(nt.loadCsv(semi, { target: 'y', delimiter: ';' }).x.shape).toEqual([2, 2]);
    expect(() => nt.loadCsv(file('a\tb\n1\t2\n'))).toThrow(/separated by '\\t'/);
  });

  it('a folder given as the file says so', () => {
    expect(() => nt.loadCsv(dir)).toThrow(`loadCsv: ${dir} is a folder, not a CSV file`);
  });

  it('mixed words and numbers in a target column', () => {
    const path = file('a,y\n1,2\n2,cat\n');
    expect(() => nt.loadCsv(path, { target: 'y' })).toThrow(
      /line 3, column "y" \(2\): "cat" is not a number/,
    );
  });
});

describe('parseCsv', () => {
  it('parses a string with the same rules, naming the source in errors', () => {
    const data = parseCsv('f,g\n1,2\n3,4\n', { target: 'g' });
    expect(data.x.toArray()).toEqual([[1], [3]]);
    expect(data.y!.toList()).toEqual([2, 4]);
    expect(() => parseCsv('f\nx\n', { source: 'inline.csv' })).toThrow(
      /parseCsv: inline\.csv: line 2, column "f" \(1\)/,
    );
    expect(() => parseCsv('f\n1\n', { delimiter: '' })).toThrow(/delimiter must be a non-empty string/);
  });

  it('loads the iris CSV shipped with neurite like loadIris', () => {
    const iris = nt.loadIris();
    const text = `sl,sw,pl,pw,species\n${(iris.x.toArray() as number[][])
      .map((row, i) => [...row.map((v) => v.toPrecision(3)), iris.targetNames![iris.y.data[i]]].join(','))
      .join('\n')}\n`;
    const parsed = parseCsv(text, { target: 'species' });
    expect(parsed.x.data).toEqual(iris.x.data);
    expect(parsed.y!.data).toEqual(iris.y.data);
    expect(parsed.targetNames).toEqual(iris.targetNames);
  });
});

describe('tensorFromRows', () => {
  it('makes a float32 or int32 matrix from arrays and typed arrays', () => {
    const t = tensorFromRows([[1, 2], Float64Array.of(3, 4)]);
    expect(t.dtype).toBe('float32');
    expect(t.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(tensorFromRows([[1], [2]], { dtype: 'int32' }).dtype).toBe('int32');
  });

  it('names the row and column of a bad value', () => {
    expect(() => tensorFromRows([[1, 2], [3]])).toThrow('tensorFromRows: row 1 has 1 values, row 0 has 2');
    expect(() => tensorFromRows([[1, Number.NaN]])).toThrow('tensorFromRows: row 0, column 1 is NaN');
    expect(() => tensorFromRows([[1], ['x' as unknown as number]])).toThrow(
      /row 1, column 0 is "x", not a number/,
    );
    expect(() => tensorFromRows([[1.5]], { dtype: 'int32' })).toThrow(/not a whole number/);
    expect(() => tensorFromRows([])).toThrow(/no rows/);
  });
});
