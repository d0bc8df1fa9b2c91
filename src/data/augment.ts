/** Data augmentation: training samples changed at random each time they are drawn. */
import { ShapeError, ValueError } from '../errors.js';
import { indexSelect } from '../ops/indexing.js';
import { squeeze } from '../ops/shape.js';
import { tensor } from '../tensor/creation.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import type { BatchDataset } from './dataset.js';

export interface ShiftedImagesOptions {
  /** The value of the border that a shift uncovers (default 0; a standardised blank pixel is −mean/std). */
  background?: number;
  /** Source of the shifts (default: the global seeded generator, so a resumed run shifts as an uninterrupted one). */
  generator?: Generator;
}

/**
 * Images `[N, C, H, W]` with their labels, each image moved by a random whole number of pixels,
 * −maxShift…maxShift in each direction, every time it is drawn (the augmentation LeNet-5's paper used for
 * MNIST); the uncovered border takes the background value. Batches are built in one go (`getBatch`), which
 * the data loader prefers to one sample at a time.
 *
 * ```ts
 * const train = loadMnist({ split: 'train', normalize: 'standard' });
 * const shifted = new data.ShiftedImages(train.images, train.labels, 2, { background: -MNIST_MEAN / MNIST_STD });
 * ```
 */
export class ShiftedImages implements BatchDataset<Tensor[], Tensor[]> {
  private readonly channels: number;
  private readonly height: number;
  private readonly width: number;
  private readonly background: number;
  private readonly generator: Generator | undefined;

  constructor(
    readonly images: Tensor,
    readonly labels: Tensor,
    readonly maxShift: number,
    options: ShiftedImagesOptions = {},
  ) {
    if (images.ndim !== 4) {
      throw new ShapeError(`ShiftedImages: expected images [N, C, H, W], got [${images.shape.join(', ')}]`);
    }
    if (labels.ndim < 1 || labels.shape[0] !== images.shape[0]) {
      throw new ShapeError(
        `ShiftedImages: ${images.shape[0]} images but labels of shape [${labels.shape.join(', ')}]`,
      );
    }
    if (!Number.isInteger(maxShift) || maxShift < 0) {
      throw new ValueError(`ShiftedImages: maxShift must be a non-negative integer, got ${maxShift}`);
    }
    [, this.channels, this.height, this.width] = images.shape;
    this.background = options.background ?? 0;
    this.generator = options.generator;
  }

  get length(): number {
    return this.labels.shape[0];
  }

  get(index: number): Tensor[] {
    const [x, y] = this.getBatch(Int32Array.of(index));
    return [squeeze(x, 0), squeeze(y, 0)];
  }

  getBatch(indices: Int32Array): Tensor[] {
    const { channels: c, height: h, width: w } = this;
    const gen = this.generator ?? defaultGenerator;
    const plane = h * w;
    const size = c * plane;
    const pixels = this.images.data;
    const out = new Float32Array(indices.length * size).fill(this.background);
    const span = 2 * this.maxShift + 1;
    indices.forEach((index, b) => {
      const dy = gen.int(0, span) - this.maxShift;
      const dx = gen.int(0, span) - this.maxShift;
      for (let ch = 0; ch < c; ch++) {
        const src = index * size + ch * plane;
        const dst = b * size + ch * plane;
        for (let row = Math.max(0, dy); row < Math.min(h, h + dy); row++) {
          for (let col = Math.max(0, dx); col < Math.min(w, w + dx); col++) {
            out[dst + row * w + col] = pixels[src + (row - dy) * w + (col - dx)];
          }
        }
      }
    });
    const labels = indexSelect(this.labels, 0, tensor(indices, [indices.length]));
    return [tensor(out, [indices.length, c, h, w]), labels];
  }
}
