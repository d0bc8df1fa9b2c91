import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';

const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url);
const readJson = (name: string) => JSON.parse(readFileSync(fixture(name), 'utf8'));

/** A file from a header (string taken as is, object stringified) and data bytes, with an optional length. */
function build(header: string | object, data: ArrayLike<number> = [], declared?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, declared ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const info = (dtype: string, shape: number[], begin: number, end: number) => ({
  dtype,
  shape,
  data_offsets: [begin, end],
});

function headerOf(bytes: Uint8Array): string {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return new TextDecoder().decode(bytes.subarray(8, 8 + n));
}

function expectFormatError(fn: () => unknown, message: RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(nt.FormatError);
  expect((error as Error).message).toMatch(message);
}

function sameValues(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++)
    expect(Object.is(actual[i], expected[i]), `index ${i}`).toBe(true);
}

describe('safetensors round trips', () => {
  const cases: [string, nt.Tensor][] = [
    ['scalar', nt.scalar(3.5)],
    ['empty', nt.zeros([0])],
    ['empty3d', nt.zeros([2, 0, 3])],
    ['vector', nt.tensor([1, -2, 3.25, 1e-30, 3e38])],
    ['cube', nt.arange(24, undefined, 1, { dtype: 'float32' }).reshape([2, 3, 4])],
    ['special', nt.tensor(new Float32Array([Number.NaN, Number.POSITIVE_INFINITY, -Infinity, -0, 1.4e-45]))],
    ['int', nt.tensor(new Int32Array([-2147483648, 2147483647, 0, -1]), [2, 2])],
    ['intScalar', nt.scalar(7, { dtype: 'int32' })],
    ['intEmpty', nt.zeros([3, 0], { dtype: 'int32' })],
    ['bool', nt.tensor([[true, false, true]])],
    ['boolScalar', nt.scalar(1, { dtype: 'bool' })],
  ];

  it('returns every dtype and shape unchanged, bit for bit', () => {
    const tensors = Object.fromEntries(cases);
    const { tensors: back, metadata } = decodeSafetensors(encodeSafetensors(tensors));
    expect(Object.keys(back).sort()).toEqual(Object.keys(tensors).sort());
    expect(metadata).toEqual({});
    for (const [name, t] of cases) {
      const b = back[name];
      expect(b.dtype, name).toBe(t.dtype);
      expect(b.shape, name).toEqual(t.shape);
      sameValues(b.data, t.data);
    }
  });

  it('keeps metadata, including escapes and non-ASCII text', () => {
    const metadata = {
      format: 'pt',
      note: 'quote " backslash \\ newline \n tab \t é 😀 \u0001',
      '': 'empty key',
    };
    const bytes = encodeSafetensors({ w: nt.ones([2]) }, metadata);
    expect(decodeSafetensors(bytes).metadata).toEqual(metadata);
    expect(headerOf(bytes)).not.toContain('\n');
  });

  it('copies the data out into fresh, aligned arrays, even from an unaligned view', () => {
    const bytes = encodeSafetensors({ f: nt.tensor([1, 2, 3]), i: nt.tensor(new Int32Array([4, 5])) });
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    const view = shifted.subarray(1);
    const { tensors } = decodeSafetensors(view);
    expect(tensors.f.data).toBeInstanceOf(Float32Array);
    expect(tensors.i.data).toBeInstanceOf(Int32Array);
    expect(tensors.f.data.byteOffset).toBe(0);
    expect(tensors.f.data.buffer).not.toBe(shifted.buffer);
    view.fill(0xff, view.length - 20);
    expect(tensors.f.toList()).toEqual([1, 2, 3]);
    expect(tensors.i.toList()).toEqual([4, 5]);
  });

  it('stores any non-zero bool byte as true and reads it back as 1', () => {
    const raw = build({ b: info('BOOL', [3], 0, 3) }, [0, 1, 7]);
    expect(decodeSafetensors(raw).tensors.b.toList()).toEqual([0, 1, 1]);
  });

  it('accepts parameters (Tensor subclasses) and the name __proto__ without touching prototypes', () => {
    const layer = new nt.nn.Linear(2, 1);
    const protoKey = '__proto__';
    const bytes = encodeSafetensors({ [protoKey]: nt.ones([1]), ...layer.stateDict() });
    const { tensors } = decodeSafetensors(bytes);
    expect(Object.keys(tensors).sort()).toEqual(['__proto__', 'bias', 'weight']);
    expect(tensors[protoKey]).toBeInstanceOf(nt.Tensor);
    expect(Object.getPrototypeOf(tensors)).toBe(null);
    expect(tensors.weight.toList()).toEqual(layer.weight.toList());
  });
});

describe('safetensors layout (as the reference writer)', () => {
  it('writes the exact bytes of the spec: little-endian length, compact header padded to 8, ordered data', () => {
    const bytes = encodeSafetensors(
      {
        c: nt.tensor([true]),
        b: nt.tensor(new Int32Array([-2])),
        a: nt.tensor([1.5, -1]),
      },
      { format: 'pt' },
    );
    const header =
      '{"__metadata__":{"format":"pt"},' +
      '"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
      '"b":{"dtype":"I32","shape":[1],"data_offsets":[8,12]},' +
      '"c":{"dtype":"BOOL","shape":[1],"data_offsets":[12,13]}}';
    const padded = header + ' '.repeat((8 - (header.length % 8)) % 8);
    const data = [0, 0, 0xc0, 0x3f, 0, 0, 0x80, 0xbf, 0xfe, 0xff, 0xff, 0xff, 1];
    const expected = new Uint8Array([
      ...new Uint8Array(new BigUint64Array([BigInt(padded.length)]).buffer),
      ...new TextEncoder().encode(padded),
      ...data,
    ]);
    expect(padded.length % 8).toBe(0);
    expect(Array.from(bytes)).toEqual(Array.from(expected));
  });

  it('orders tensors by dtype (F32, I32, BOOL) and then by UTF-8 bytes of the name', () => {
    const bytes = encodeSafetensors({
      'z.bool': nt.tensor([true]),
      'b.int': nt.tensor(new Int32Array([1])),
      'y.float': nt.ones([1]),
      'a.bool': nt.tensor([false]),
      'a.\u{1F600}': nt.ones([1]),
      'a.\uFF01': nt.ones([1]),
      'a.B': nt.ones([1]),
      'a.a': nt.ones([1]),
    });
    const names = Object.keys(JSON.parse(headerOf(bytes)));
    // U+FF01 is EF BC 81 in UTF-8 and U+1F600 is F0 9F 98 80: bytes order them the opposite of UTF-16
    expect(names).toEqual(['a.B', 'a.a', 'a.\uFF01', 'a.\u{1F600}', 'y.float', 'b.int', 'a.bool', 'z.bool']);
  });

  it('omits __metadata__ when none is given and pads the header with spaces', () => {
    const bytes = encodeSafetensors({ x: nt.ones([3]) });
    const header = headerOf(bytes);
    // 55 bytes of JSON, one space of padding
    expect(header).toBe('{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}} ');
    expect(header.length % 8).toBe(0);
    expect(bytes.length).toBe(8 + header.length + 12);
  });

  it('encodes an empty dict as just a header', () => {
    const bytes = encodeSafetensors({});
    expect(headerOf(bytes)).toBe('{}      ');
    expect(decodeSafetensors(bytes).tensors).toEqual({});
  });

  it('refuses what cannot be written', () => {
    expect(() => encodeSafetensors({ a: [1, 2] as unknown as nt.Tensor })).toThrow(
      /encodeSafetensors: 'a' is not a Tensor/,
    );
    expect(() => encodeSafetensors({ __metadata__: nt.ones([1]) })).toThrow(/'__metadata__' is reserved/);
    expect(() => encodeSafetensors({}, { epoch: 3 as unknown as string })).toThrow(
      /metadata 'epoch' must be a string, got number/,
    );
    expect(() => encodeSafetensors({ 'bad\uD800': nt.ones([1]) })).toThrow(nt.ValueError);
    expect(() => encodeSafetensors({}, { note: 'x\uDC00' })).toThrow(/lone surrogate/);
  });
});

describe('safetensors malformed files', () => {
  const ok = info('F32', [2], 0, 8);
  const eight = new Array(8).fill(0);

  it('too short for the length', () => {
    expectFormatError(
      () => decodeSafetensors(new Uint8Array(7)),
      /^decodeSafetensors: file is 7 bytes, too short/,
    );
    expectFormatError(() => decodeSafetensors(new Uint8Array(0)), /file is 0 bytes/);
  });

  it('header length past the end of the file', () => {
    const raw = build({ a: ok }, eight, 1200n);
    expectFormatError(
      () => decodeSafetensors(raw),
      new RegExp(`truncated: header says 1200 bytes but the file has ${raw.length} `),
    );
    expectFormatError(
      () => decodeSafetensors(build('{}', [], 2n ** 64n - 1n)),
      /header says 18446744073709551615 bytes/,
    );
  });

  it('names the source given in the options', () => {
    expectFormatError(
      () => decodeSafetensors(new Uint8Array(3), { source: 'loadSafetensors(m.safetensors)' }),
      /^loadSafetensors\(m\.safetensors\): file is 3 bytes/,
    );
  });

  it('header that is not a JSON object', () => {
    expectFormatError(() => decodeSafetensors(build('')), /header must be a JSON object starting with '\{'/);
    expectFormatError(() => decodeSafetensors(build('[1, 2]')), /header must be a JSON object/);
    expectFormatError(() => decodeSafetensors(build(' {}')), /starting with '\{'/);
    expectFormatError(() => decodeSafetensors(build('{"a": 1,}')), /header is not valid JSON: .*position 8/);
    expectFormatError(() => decodeSafetensors(build('{"a": {')), /not valid JSON: unexpected end of input/);
    expectFormatError(() => decodeSafetensors(build('{} x')), /not valid JSON: .*after the end of the value/);
    expectFormatError(() => decodeSafetensors(build('{"a\\ud800": 1}')), /lone surrogate/);
    expectFormatError(() => decodeSafetensors(build('{"a": NaN}')), /not valid JSON/);
    expectFormatError(() => decodeSafetensors(build('{"a": "x\ny"}')), /control character/);
    const bad = build('{"a": "xx"}');
    bad[15] = 0xff;
    expectFormatError(() => decodeSafetensors(bad), /header is not valid UTF-8/);
  });

  it('deeply nested JSON is an error, not a stack overflow', () => {
    const deep = `{"a":${'['.repeat(100_000)}`;
    expectFormatError(() => decodeSafetensors(build(deep)), /nested deeper than 128 levels/);
  });

  it('entries that are not tensor descriptions', () => {
    expectFormatError(
      () => decodeSafetensors(build({ w: 5 })),
      /tensor 'w': expected \{dtype, shape, data_offsets\}, got a number/,
    );
    for (const field of ['dtype', 'shape', 'data_offsets']) {
      const entry: Record<string, unknown> = { ...ok };
      delete entry[field];
      expectFormatError(
        () => decodeSafetensors(build({ w: entry }, eight)),
        new RegExp(`tensor 'w': missing field '${field}'`),
      );
    }
    expectFormatError(
      () => decodeSafetensors(build({ w: { ...ok, dtype: 4 } }, eight)),
      /tensor 'w': dtype must be a string, got a number/,
    );
    expectFormatError(
      () => decodeSafetensors(build({ w: { ...ok, shape: 2 } }, eight)),
      /tensor 'w': shape must be an array, got a number/,
    );
    for (const [dim, shown] of [
      ['-2', '-2'],
      ['2.0', '2.0'],
      ['2e0', '2e0'],
      ['"2"', 'a string'],
      ['9007199254740993', '9007199254740993'],
    ]) {
      const raw = build(`{"w":{"dtype":"F32","shape":[${dim}],"data_offsets":[0,8]}}`, eight);
      expectFormatError(
        () => decodeSafetensors(raw),
        new RegExp(
          `tensor 'w': shape\\[0\\] must be a non-negative integer, got ${shown.replace('.', '\\.')}`,
        ),
      );
    }
    expectFormatError(
      () => decodeSafetensors(build({ w: { ...ok, data_offsets: [0, 4, 8] } }, eight)),
      /tensor 'w': data_offsets must be \[begin, end\], got 3 values/,
    );
    expectFormatError(
      () => decodeSafetensors(build({ w: { ...ok, data_offsets: [8, 0] } }, eight)),
      /tensor 'w': data_offsets \[8, 0\] end before they begin/,
    );
    expectFormatError(
      () =>
        decodeSafetensors(
          build('{"w":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}}', eight),
        ),
      /tensor 'w': duplicate field 'dtype'/,
    );
  });

  it('dtypes neurite cannot read', () => {
    expectFormatError(
      () => decodeSafetensors(build({ w: info('U16', [2], 0, 4) }, [0, 0, 0, 0])),
      /tensor 'w': dtype U16 is not supported \(neurite reads F32, F16, BF16, F64, I32, I64, I16, I8, U8, BOOL\)/,
    );
    expectFormatError(
      () => decodeSafetensors(build({ w: info('float32', [1], 0, 4) }, [0, 0, 0, 0])),
      /tensor 'w': unknown dtype "float32"/,
    );
    expectFormatError(
      () => decodeSafetensors(build({ w: info('toString', [1], 0, 4) }, [0, 0, 0, 0])),
      /tensor 'w': unknown dtype "toString"/,
    );
  });

  it('sizes that disagree with shape × dtype', () => {
    expectFormatError(
      () => decodeSafetensors(build({ w: info('F32', [2, 3], 0, 20) }, new Array(20).fill(0))),
      /tensor 'w': shape \[2, 3\] of F32 needs 24 bytes but data_offsets \[0, 20\] span 20/,
    );
    expectFormatError(
      () => decodeSafetensors(build({ w: info('I64', [3], 0, 12) }, new Array(12).fill(0))),
      /tensor 'w': shape \[3\] of I64 needs 24 bytes/,
    );
    expectFormatError(
      () => decodeSafetensors(build({ w: info('F64', [2 ** 30, 2 ** 30, 2 ** 30], 0, 0) })),
      /tensor 'w': shape \[1073741824, 1073741824, 1073741824\] is too large/,
    );
  });

  it('offsets that overlap, leave gaps, run past the buffer or leave bytes over', () => {
    expectFormatError(
      () =>
        decodeSafetensors(
          build({ a: info('F32', [2], 0, 8), b: info('F32', [2], 4, 12) }, new Array(12).fill(0)),
        ),
      /tensors 'a' \[0, 8\] and 'b' \[4, 12\] overlap/,
    );
    expectFormatError(
      () =>
        decodeSafetensors(
          build({ b: info('F32', [1], 8, 12), a: info('F32', [1], 0, 4) }, new Array(12).fill(0)),
        ),
      /bytes \[4, 8\) of the data buffer belong to no tensor \(before 'b'\)/,
    );
    expectFormatError(
      () => decodeSafetensors(build({ a: info('F32', [1], 4, 8) }, eight)),
      /bytes \[0, 4\) of the data buffer belong to no tensor \(before 'a'\)/,
    );
    expectFormatError(
      () => decodeSafetensors(build({ a: info('F32', [3], 0, 12) }, eight)),
      /tensor 'a': data_offsets \[0, 12\] run past the end of the data buffer \(8 bytes/,
    );
    expectFormatError(
      () => decodeSafetensors(build({ a: info('F32', [1], 0, 4) }, eight)),
      /the file has 4 bytes after the last tensor's data/,
    );
    expectFormatError(
      () => decodeSafetensors(build({ a: info('F32', [2], 0, 8), e: info('F32', [0], 4, 4) }, eight)),
      /tensors 'a' \[0, 8\] and 'e' \[4, 4\] overlap/,
    );
  });

  it('accepts tensors listed out of offset order and empty tensors at a boundary', () => {
    const raw = build(
      { b: info('I32', [1], 4, 8), e: info('F32', [0, 5], 4, 4), a: info('F32', [1], 0, 4) },
      [0, 0, 0x80, 0x3f, 9, 0, 0, 0],
    );
    const { tensors } = decodeSafetensors(raw);
    expect(Object.keys(tensors)).toEqual(['b', 'e', 'a']);
    expect(tensors.a.toList()).toEqual([1]);
    expect(tensors.b.toList()).toEqual([9]);
    expect(tensors.e.shape).toEqual([0, 5]);
  });

  it('duplicate names and keys', () => {
    const entry = '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';
    expectFormatError(
      () => decodeSafetensors(build(`{"w":${entry},"w":${entry}}`, [0, 0, 0, 0])),
      /duplicate tensor name 'w' in header/,
    );
    expectFormatError(
      () => decodeSafetensors(build('{"__metadata__":{},"__metadata__":{}}')),
      /duplicate '__metadata__' in header/,
    );
    expectFormatError(
      () => decodeSafetensors(build('{"__metadata__":{"k":"a","k":"b"}}')),
      /duplicate metadata key 'k'/,
    );
  });

  it('metadata that is not strings', () => {
    expectFormatError(
      () => decodeSafetensors(build({ __metadata__: { epoch: 3 } })),
      /metadata 'epoch' must be a string, got a number/,
    );
    expectFormatError(
      () => decodeSafetensors(build({ __metadata__: ['pt'] })),
      /'__metadata__' must be an object of strings, got an array/,
    );
    expectFormatError(() => decodeSafetensors(build({ __metadata__: null })), /got null/);
  });

  it('I64 values outside int32', () => {
    const data = new Uint8Array(new BigInt64Array([5n, -(2n ** 31n) - 1n]).buffer);
    expectFormatError(
      () => decodeSafetensors(build({ step: info('I64', [2], 0, 16) }, data)),
      /tensor 'step' \(I64\): value -2147483649 at index 1 does not fit in int32/,
    );
    const big = new Uint8Array(new BigInt64Array([2n ** 40n]).buffer);
    expectFormatError(
      () => decodeSafetensors(build({ step: info('I64', [], 0, 8) }, big)),
      /value 1099511627776 at index 0/,
    );
  });

  it("names PyTorch's pickles (zip and legacy), HDF5 and NumPy files and says how to convert", () => {
    // made by scripts/fixtures/torch_pickle.py with torch.save
    const zip = new Uint8Array(readFileSync(fixture('torch_linear.pt')));
    expect(() => decodeSafetensors(zip, { source: 'model.pt' })).toThrow(
      /^model\.pt: this is a zip archive — a PyTorch file saved with torch\.save .*save_file\(torch\.load\("model\.pt", weights_only=True\), "model\.safetensors"\)/,
    );
    const legacy = new Uint8Array(readFileSync(fixture('torch_linear_legacy.pt')));
    expect(() => decodeSafetensors(legacy)).toThrow(/a Python pickle \(PyTorch's older torch\.save format\)/);
    expect(() =>
      decodeSafetensors(new Uint8Array([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0])),
    ).toThrow(/HDF5/);
    expect(() => decodeSafetensors(new Uint8Array([0x93, ...Buffer.from('NUMPY'), 1, 0, 0]))).toThrow(
      /NumPy/,
    );
  });

  it('rejects what it is not given as bytes', () => {
    expect(() => decodeSafetensors([1, 2, 3] as unknown as Uint8Array)).toThrow(nt.ValueError);
  });
});

interface Described {
  dtype: string;
  shape: number[];
  values: (number | string)[];
}

const special = (v: number | string) =>
  v === 'nan' ? Number.NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number);
const OUR_DTYPE: Record<string, nt.DType> = {
  F32: 'float32',
  F16: 'float32',
  BF16: 'float32',
  F64: 'float32',
  I64: 'int32',
  I32: 'int32',
  I16: 'int32',
  I8: 'int32',
  U8: 'int32',
  BOOL: 'bool',
};

describe('safetensors written by PyTorch', () => {
  for (const name of ['torch_dtypes', 'torch_model']) {
    it(`${name}: every tensor, dtype and value as PyTorch converts it`, () => {
      const expected = readJson(`${name}.json`) as { metadata: object; tensors: Record<string, Described> };
      const { tensors, metadata } = decodeSafetensors(readFileSync(fixture(`${name}.safetensors`)));
      expect(metadata).toEqual(expected.metadata);
      expect(Object.keys(tensors).sort()).toEqual(Object.keys(expected.tensors).sort());
      for (const [key, want] of Object.entries(expected.tensors)) {
        const t = tensors[key];
        expect(t.dtype, key).toBe(OUR_DTYPE[want.dtype]);
        expect(t.shape, key).toEqual(want.shape);
        sameValues(t.data, Float64Array.from(want.values.map(special)));
      }
    });
  }

  it('reads the int64 num_batches_tracked as an int32 scalar', () => {
    const { tensors } = decodeSafetensors(readFileSync(fixture('torch_model.safetensors')));
    expect(tensors['1.num_batches_tracked'].dtype).toBe('int32');
    expect(tensors['1.num_batches_tracked'].shape).toEqual([]);
    expect(tensors['1.num_batches_tracked'].item()).toBe(3);
  });
});

describe('safetensors written by neurite and checked by PyTorch', () => {
  it('the encoder still produces the file PyTorch verified, byte for byte', () => {
    const expected = readJson('neurite_written.json') as {
      metadata: Record<string, string>;
      tensors: Record<string, Described>;
    };
    const dtypes: Record<string, nt.DType> = { F32: 'float32', I32: 'int32', BOOL: 'bool' };
    const tensors = Object.fromEntries(
      Object.entries(expected.tensors).map(([k, d]) => [
        k,
        nt.tensor(d.values as number[], d.shape, { dtype: dtypes[d.dtype] }),
      ]),
    );
    const file = new Uint8Array(readFileSync(fixture('neurite_written.safetensors')));
    const bytes = encodeSafetensors(tensors, expected.metadata);
    expect(bytes.length).toBe(file.length);
    expect(Buffer.from(bytes).equals(Buffer.from(file))).toBe(true);
  });
});
