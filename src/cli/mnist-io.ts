/**
 * MNIST as the CLI reads it, for every experiment on MNIST (the presets and configs alike): digits standardised
 * with MNIST's mean and deviation, in the layout the model reads; the preprocessing a checkpoint records for
 * `nt.train.loadModel`; and how `predict` and `eval --data` read digits and name the predicted ones.
 */
import * as nt from '../node.js';
import { CliError } from './common.js';
import { describeClasses, type ExperimentIO, readImages } from './experiment.js';

type Tensor = nt.Tensor;

/** How the digits reach the model: images `[N, 1, 28, 28]`, flat `[N, 784]`, or 28 rows of 28 pixels `[N, 28, 28]`. */
export type MnistLayout = 'image' | 'flat' | 'rows';

export const MNIST_DIGITS: readonly string[] = Array.from({ length: 10 }, (_, d) => String(d));
const SIZE = 28;

/** The shape of `n` digits in a layout. */
export function mnistShape(layout: MnistLayout, n: number): number[] {
  return layout === 'image' ? [n, 1, SIZE, SIZE] : layout === 'flat' ? [n, SIZE * SIZE] : [n, SIZE, SIZE];
}

/** Pixels in 0–1 `[N, 784]` → standardised with MNIST's mean and deviation, in the model's layout. */
function toInput(pixels: Float32Array, n: number, layout: MnistLayout): Tensor {
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = (pixels[i] - nt.MNIST_MEAN) / nt.MNIST_STD;
  return new nt.Tensor(out, mnistShape(layout, n));
}

/** The preprocessing above as a checkpoint records it, for `nt.train.loadModel`: raw pixels 0–255 in. */
export function mnistInput(layout: MnistLayout): nt.train.InputSpec {
  return {
    description:
      'MNIST digits: 784 pixels 0–255 per sample (0 = background), as [N, 784], [N, 28, 28] or [N, 1, 28, 28]',
    steps: [
      { type: 'normalize', divide: 255, mean: nt.MNIST_MEAN, std: nt.MNIST_STD },
      { type: 'reshape', shape: mnistShape(layout, 1).slice(1) },
    ],
  };
}

/** Reading digits for `predict` and `eval --data`, and naming the predicted digits. */
export function mnistIO(layout: MnistLayout): ExperimentIO {
  return {
    inputHelp:
      'a PGM (P2/P5) or PNG image 28×28, a .json file or inline JSON (784 numbers, 28 rows of 28, or an array of such images), ' +
      'or a CSV file of 784 pixel values per row (an optional label column); pixels 0–255, 0 = background',
    readInputs(input: string) {
      const { pixels, n } = readImages(input, SIZE, SIZE);
      return { x: toInput(pixels, n, layout) };
    },
    readLabelled(path: string) {
      const { pixels, n, labels, source } = readImages(path, SIZE, SIZE);
      if (!labels)
        throw new CliError(
          `${source}: no labels; give a CSV with a label column (784 pixels, then the digit)`,
        );
      labels.forEach((l, i) => {
        if (l < 0 || l > 9)
          throw new CliError(`${source}: row ${i + 1} has label ${l}; expected a digit 0…9`);
      });
      return { x: toInput(pixels, n, layout), y: new nt.Tensor(labels, [n]) };
    },
    describe: (output: Tensor) => describeClasses(output, MNIST_DIGITS),
  };
}
