import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { ShapeError, ValueError } from '../../src/index.js';

/** Two 2-channel 3×4 images with distinct pixel values, and their labels. */
function images() {
  const x = nt.tensor(
    Float32Array.from({ length: 2 * 2 * 3 * 4 }, (_, i) => i + 1),
    [2, 2, 3, 4],
  );
  const y = nt.tensor(Int32Array.of(7, 3), [2], { dtype: 'int32' });
  return { x, y };
}

describe('data.ShiftedImages', () => {
  it('without shifts returns the images and labels as they are', () => {
    const { x, y } = images();
    const ds = new nt.data.ShiftedImages(x, y, 0);
    expect(ds.length).toBe(2);
    const [bx, by] = ds.getBatch(Int32Array.of(1, 0));
    expect(bx.shape).toEqual([2, 2, 3, 4]);
    expect(Array.from(bx.data.subarray(0, 24))).toEqual(Array.from(x.data.subarray(24)));
    expect(Array.from(by.data)).toEqual([3, 7]);
    const [one, label] = ds.get(0);
    expect(one.shape).toEqual([2, 3, 4]);
    expect(label.item()).toBe(7);
  });

  it('moves every channel by the same drawn offset and fills the uncovered border with the background', () => {
    const { x, y } = images();
    const seed = 5;
    const ds = new nt.data.ShiftedImages(x, y, 1, { background: -9, generator: new nt.Generator(seed) });
    const [bx] = ds.getBatch(Int32Array.of(0, 1));
    // the same draws, replayed: dy then dx per image, each in −1…1
    const g = new nt.Generator(seed);
    for (let b = 0; b < 2; b++) {
      const dy = g.int(0, 3) - 1;
      const dx = g.int(0, 3) - 1;
      for (let c = 0; c < 2; c++) {
        for (let r = 0; r < 3; r++) {
          for (let col = 0; col < 4; col++) {
            const sr = r - dy;
            const sc = col - dx;
            const want =
              sr >= 0 && sr < 3 && sc >= 0 && sc < 4 ? x.data[((b * 2 + c) * 3 + sr) * 4 + sc] : -9;
            expect(bx.data[((b * 2 + c) * 3 + r) * 4 + col], `image ${b} channel ${c} (${r}, ${col})`).toBe(
              want,
            );
          }
        }
      }
    }
  });

  it('draws from the global generator by default, so a seed reproduces the shifts', () => {
    const { x, y } = images();
    nt.manualSeed(11);
    const a = new nt.data.ShiftedImages(x, y, 2).getBatch(Int32Array.of(0, 1, 0, 1))[0];
    nt.manualSeed(11);
    const b = new nt.data.ShiftedImages(x, y, 2).getBatch(Int32Array.of(0, 1, 0, 1))[0];
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });

  it('refuses images that are not [N, C, H, W], mismatched labels and a bad maxShift', () => {
    const { x, y } = images();
    expect(() => new nt.data.ShiftedImages(nt.zeros([2, 3, 4]), y, 1)).toThrow(ShapeError);
    expect(() => new nt.data.ShiftedImages(x, nt.zeros([3]), 1)).toThrow(
      'ShiftedImages: 2 images but labels of shape [3]',
    );
    expect(() => new nt.data.ShiftedImages(x, y, -1)).toThrow(ValueError);
    expect(() => new nt.data.ShiftedImages(x, y, 1.5)).toThrow(
      'maxShift must be a non-negative integer, got 1.5',
    );
  });
});
