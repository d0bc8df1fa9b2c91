import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as nt from '../../src/index.js';
import { load, loadSafetensors, save, saveSafetensors } from '../../src/io/file.js';
import { encodeSafetensors } from '../../src/io/safetensors.js';

// Pass-through mocks, so single tests can make one file-system call fail the way a full disk or a crash would.
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return { ...actual, open: vi.fn(actual.open), rename: vi.fn(actual.rename) };
});

const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url).pathname;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'neurite-io-'));
});
afterEach(() => {
  vi.mocked(fsp.open).mockClear();
  vi.mocked(fsp.rename).mockClear();
  rmSync(dir, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the promise to reject');
}

describe('saveSafetensors / loadSafetensors', () => {
  it('round trip through a file, with metadata', async () => {
    const path = join(dir, 'weights.safetensors');
    const tensors = {
      w: nt.tensor([
        [1, 2],
        [3, 4],
      ]),
      n: nt.scalar(5, { dtype: 'int32' }),
      m: nt.tensor([true]),
    };
    await saveSafetensors(path, tensors, { epoch: '3' });
    const back = await loadSafetensors(path);
    expect(back.metadata).toEqual({ epoch: '3' });
    expect(back.tensors.w.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(back.tensors.n.item()).toBe(5);
    expect(back.tensors.m.dtype).toBe('bool');
    expect(new Uint8Array(readFileSync(path))).toEqual(encodeSafetensors(tensors, { epoch: '3' }));
    expect(readdirSync(dir)).toEqual(['weights.safetensors']);
  });

  it('replaces an existing file', async () => {
    const path = join(dir, 'w.safetensors');
    await saveSafetensors(path, { a: nt.ones([100]) });
    await saveSafetensors(path, { b: nt.zeros([2]) });
    expect(Object.keys((await loadSafetensors(path)).tensors)).toEqual(['b']);
  });

  it('a write that fails half-way leaves the previous file intact and no temporary file', async () => {
    const path = join(dir, 'model.safetensors');
    await saveSafetensors(path, { old: nt.ones([4]) });
    const before = readFileSync(path);
    const actual = await vi.importActual<typeof import('node:fs/promises')>('node:fs/promises');
    vi.mocked(fsp.open).mockImplementationOnce(async (file, flags) => {
      const handle = await actual.open(file, flags);
      // the disk fills up after the first few bytes of the temporary file
      return new Proxy(handle, {
        get(target, prop) {
          if (prop === 'writeFile') {
            return async (data: Uint8Array) => {
              await target.write(data.subarray(0, 10));
              throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
            };
          }
          const v = Reflect.get(target, prop);
          return typeof v === 'function' ? v.bind(target) : v;
        },
      });
    });
    const err = await rejection(saveSafetensors(path, { new: nt.zeros([1000]) }));
    expect(err).toBeInstanceOf(nt.FormatError);
    expect(err.message).toMatch(
      new RegExp(`^saveSafetensors\\(${path}\\): cannot write the file: ENOSPC: no space left on device`),
    );
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
  });

  it('a failing rename leaves the previous file intact and removes the temporary file', async () => {
    const path = join(dir, 'model.safetensors');
    await saveSafetensors(path, { old: nt.ones([4]) });
    const before = readFileSync(path);
    vi.mocked(fsp.rename).mockRejectedValueOnce(new Error('EXDEV: cross-device link not permitted'));
    const err = await rejection(saveSafetensors(path, { new: nt.zeros([3]) }));
    expect(err.message).toMatch(/saveSafetensors\(.*model\.safetensors\): cannot write the file: EXDEV/);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
  });

  it('writes the complete file to a temporary name first and renames it into place', async () => {
    const path = join(dir, 'model.safetensors');
    await saveSafetensors(path, { w: nt.ones([8]) });
    const [from, to] = vi.mocked(fsp.rename).mock.calls[0] as [string, string];
    expect(to).toBe(path);
    expect(from.startsWith(join(dir, '.model.safetensors.'))).toBe(true);
    expect(from.endsWith('.tmp')).toBe(true);
    expect(vi.mocked(fsp.open).mock.calls[0]).toEqual([from, 'wx']);
  });

  it('an encoding error touches nothing on disk and names the path', async () => {
    const path = join(dir, 'model.safetensors');
    writeFileSync(path, 'previous');
    const err = await rejection(saveSafetensors(path, { w: 'not a tensor' as unknown as nt.Tensor }));
    expect(err).toBeInstanceOf(nt.ValueError);
    expect(err.message).toMatch(
      /^saveSafetensors\(.*model\.safetensors\): encodeSafetensors: 'w' is not a Tensor/,
    );
    expect(readFileSync(path, 'utf8')).toBe('previous');
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
  });

  it('saving over a directory fails cleanly', async () => {
    const path = join(dir, 'taken');
    mkdirSync(path);
    const err = await rejection(saveSafetensors(path, { w: nt.ones([1]) }));
    expect(err).toBeInstanceOf(nt.FormatError);
    expect(err.message).toContain(`saveSafetensors(${path}): cannot write the file`);
    expect(readdirSync(dir)).toEqual(['taken']);
  });

  it('saving into a missing directory names the path', async () => {
    const path = join(dir, 'missing', 'w.safetensors');
    const err = await rejection(saveSafetensors(path, { w: nt.ones([1]) }));
    expect(err.message).toMatch(new RegExp(`^saveSafetensors\\(${path}\\): cannot write the file: ENOENT`));
  });

  it('load errors name the path', async () => {
    const missing = join(dir, 'nope.safetensors');
    const err = await rejection(loadSafetensors(missing));
    expect(err).toBeInstanceOf(nt.FormatError);
    expect(err.message).toMatch(new RegExp(`^loadSafetensors\\(${missing}\\): cannot read the file: ENOENT`));

    const path = join(dir, 'model.safetensors');
    const full = encodeSafetensors({ w: nt.ones([300]) });
    writeFileSync(path, full.subarray(0, 40));
    const header = Number(new DataView(full.buffer).getBigUint64(0, true));
    const truncated = await rejection(loadSafetensors(path));
    expect(truncated).toBeInstanceOf(nt.FormatError);
    expect(truncated.message).toBe(
      `loadSafetensors(${path}): truncated: header says ${header} bytes but the file has 40 (32 after the 8-byte length)`,
    );

    writeFileSync(path, full.subarray(0, full.length - 4));
    expect((await rejection(loadSafetensors(path))).message).toMatch(
      new RegExp(`^loadSafetensors\\(${path}\\): tensor 'w': data_offsets \\[0, 1200\\] run past the end`),
    );
  });
});

class Net extends nt.nn.Module {
  fc1 = new nt.nn.Linear(3, 4);
  fc2 = new nt.nn.Linear(4, 2);
  forward(x: nt.Tensor): nt.Tensor {
    return this.fc2.forward(this.fc1.forward(x).relu());
  }
}

describe('save / load a module', () => {
  it('restores every parameter and writes PyTorch metadata', async () => {
    nt.manualSeed(1);
    const a = new Net();
    const b = new Net();
    const path = join(dir, 'net.safetensors');
    await save(a, path);
    expect((await loadSafetensors(path)).metadata).toEqual({ format: 'pt' });
    const p = b.fc1.weight;
    const result = await load(b, path);
    expect(result).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(b.fc1.weight).toBe(p); // in place: optimisers keep their references
    for (const [k, t] of Object.entries(a.stateDict()))
      expect(b.stateDict()[k].toList(), k).toEqual(t.toList());
  });

  it('strict loading reports missing keys and size mismatches with the path', async () => {
    const path = join(dir, 'partial.safetensors');
    await saveSafetensors(path, {
      'fc1.weight': nt.zeros([4, 3]),
      'fc2.bias': nt.zeros([3]),
      other: nt.ones([1]),
    });
    const net = new Net();
    const before = net.fc1.weight.toList();
    const err = await rejection(load(net, path));
    expect(err).toBeInstanceOf(nt.ShapeError);
    expect(err.message).toMatch(
      new RegExp(`^load\\(${path}\\): loadStateDict\\(Net\\): missing keys: fc1\\.bias`),
    );
    expect(err.message).toContain('unexpected keys: other');
    expect(err.message).toContain('size mismatch for fc2.bias: the state has [3], the model expects [2]');
    expect(net.fc1.weight.toList()).toEqual(before);
  });

  it('non-strict loading takes what matches and lists the rest', async () => {
    const path = join(dir, 'partial.safetensors');
    await saveSafetensors(path, { 'fc1.weight': nt.full([4, 3], 0.5), other: nt.ones([1]) });
    const net = new Net();
    const result = await load(net, path, { strict: false });
    expect(result.unexpectedKeys).toEqual(['other']);
    expect(result.missingKeys).toEqual(['fc1.bias', 'fc2.weight', 'fc2.bias']);
    expect(net.fc1.weight.toList()).toEqual(new Array(12).fill(0.5));
  });

  it('converts dtypes that fit and refuses values that would change', async () => {
    const bn = new nt.nn.BatchNorm1d(2);
    const state = bn.stateDict();
    const path = join(dir, 'bn.safetensors');
    await saveSafetensors(path, { ...state, num_batches_tracked: nt.scalar(7) });
    await load(bn, path);
    expect(bn.num_batches_tracked!.dtype).toBe('int32');
    expect(bn.num_batches_tracked!.item()).toBe(7);

    await saveSafetensors(path, { ...state, num_batches_tracked: nt.scalar(2.5) });
    const err = await rejection(load(bn, path));
    expect(err).toBeInstanceOf(nt.DTypeError);
    expect(err.message).toBe(
      `load(${path}): num_batches_tracked: the file's float32 value 2.5 (index 0) cannot be stored in the model's int32 tensor`,
    );
    expect(bn.num_batches_tracked!.item()).toBe(7);
  });

  it('loads PyTorch weights into the equivalent model: Linear + BatchNorm1d (int64 counter) + Linear', async () => {
    const path = fixture('torch_model.safetensors');
    const expected = JSON.parse(readFileSync(fixture('torch_model.json'), 'utf8'));
    const model = new nt.nn.Sequential(
      new nt.nn.Linear(4, 3),
      new nt.nn.BatchNorm1d(3),
      new nt.nn.Linear(3, 2),
    );

    const strictErr = await rejection(load(model, path));
    expect(strictErr).toBeInstanceOf(nt.ShapeError);
    expect(strictErr.message).toContain(`load(${path}): `);
    expect(strictErr.message).toMatch(
      /unexpected keys: extra\.half, extra\.bfloat16|unexpected keys: extra\.bfloat16, extra\.half/,
    );

    const result = await load(model, path, { strict: false });
    expect(result.missingKeys).toEqual([]);
    expect([...result.unexpectedKeys].sort()).toEqual(['extra.bfloat16', 'extra.half']);
    const state = model.stateDict();
    for (const [key, t] of Object.entries(state)) {
      const want = expected.tensors[key];
      expect(t.shape, key).toEqual(want.shape);
      expect(t.toList(), key).toEqual(want.values);
    }
    expect(state['1.num_batches_tracked'].dtype).toBe('int32');
    expect(state['1.num_batches_tracked'].item()).toBe(3);

    model.eval();
    const x = nt.tensor(expected.input.values, expected.input.shape);
    const linear0 = (model.at(0) as nt.nn.Linear).forward(x);
    const y = model.forward(x) as nt.Tensor;
    for (const [got, want] of [
      [linear0, expected.linear0_output],
      [y, expected.output],
    ]) {
      expect(got.shape).toEqual(want.shape);
      const values = got.toList();
      for (let i = 0; i < values.length; i++) expect(values[i]).toBeCloseTo(want.values[i], 5);
    }
  });

  it('the fixtures exist (the interop tests above read them)', () => {
    for (const f of ['torch_model', 'torch_dtypes', 'neurite_written']) {
      expect(existsSync(fixture(`${f}.safetensors`)), f).toBe(true);
    }
  });
});
