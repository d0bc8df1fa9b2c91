/**
 * Two small sequence tasks built from words, browser-safe (no file access: the caller brings the labels or the
 * text): spelling a digit's English name letter by letter (one-to-many), and putting the spaces back into text
 * whose spaces were removed (synced many-to-many, one tag per letter).
 */
import { fmtShape, ShapeError, ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { BOS, EOS, PAD } from './sequence.js';
import { CharVocab } from './vocab.js';

/** The English names of the digits 0–9. */
export const DIGIT_NAMES = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
] as const;

/** The targets of the digit-name task, laid out for a decoder trained with teacher forcing. */
export interface DigitNameTargets {
  /** int32 `[N, width]`: each label's name as character ids, then `<eos>`, then `<pad>`. */
  target: Tensor;
  /** `<pad>`, `<bos>`, `<eos>` (ids 0, 1, 2), then the letters of the ten names. */
  vocab: CharVocab;
  /** Longest name + 1 (for `<eos>`): 6. */
  width: number;
}

/** The vocabulary of {@link spellDigitNames}: `<pad>`, `<bos>`, `<eos>`, then the 15 letters of the names. */
export function digitNameVocab(): CharVocab {
  return CharVocab.fromText(DIGIT_NAMES.join(''), { specials: [PAD, BOS, EOS] });
}

/**
 * Spells each digit label (int32 `[N]`, 0–9) as its English name ("seven"), for a one-to-many model that writes
 * the name of the digit it is shown (`models.SequenceGenerator`).
 *
 * ```ts
 * const { target, vocab } = spellDigitNames(labels);
 * vocab.decode(target.data.subarray(0, 6)); // 'five'
 * ```
 */
export function spellDigitNames(labels: Tensor): DigitNameTargets {
  if (!(labels instanceof Tensor) || labels.ndim !== 1) {
    throw new ShapeError(
      `spellDigitNames: expected labels [N], got ${labels instanceof Tensor ? fmtShape(labels.shape) : typeof labels}`,
    );
  }
  const vocab = digitNameVocab();
  const padId = vocab.id(PAD);
  const eosId = vocab.id(EOS);
  const width = Math.max(...DIGIT_NAMES.map((w) => w.length)) + 1;
  const n = labels.size;
  const out = new Int32Array(n * width).fill(padId);
  for (let i = 0; i < n; i++) {
    const label = labels.data[i];
    if (!Number.isInteger(label) || label < 0 || label > 9) {
      throw new ValueError(`spellDigitNames: label ${label} (row ${i}) is not a digit 0–9`);
    }
    const ids = vocab.encode(DIGIT_NAMES[label]);
    out.set(ids, i * width);
    out[i * width + ids.length] = eosId;
  }
  return { target: new Tensor(out, [n, width]), vocab, width };
}

export interface SpaceRestorationOptions {
  /** Letters per training window (default 48). */
  window?: number;
  /** The share of the letters, from the end, kept apart for testing (default 0.1). */
  testFraction?: number;
  /** At most this many training windows, the first ones (default: all). */
  maxTrain?: number;
  /** At most this many test windows, the first ones (default: all). */
  maxTest?: number;
}

/** Word segmentation as per-letter tagging. */
export interface SpaceRestorationTask {
  /** int32 `[n, window]` letter ids and `[n, window]` tags: 1 where a word starts, 0 elsewhere. */
  train: { x: Tensor; y: Tensor };
  test: { x: Tensor; y: Tensor };
  /** The 26 letters a–z, ids 0–25 (no special tokens). */
  vocab: CharVocab;
  /** The share of test letters that start a word: always answering 0 scores 1 minus this. */
  testStartRate: number;
}

/** The text's words, lower-cased and reduced to the letters a–z (digits and punctuation dropped). */
export function lettersOnlyWords(text: string): string[] {
  return text.toLowerCase().match(/[a-z]+/g) ?? [];
}

/**
 * Restoring spaces: the text is lower-cased and reduced to its letters ("It is a truth" → "itisatruth"), and
 * every letter is tagged 1 if a word starts there, else 0 — a tagger that learns it puts the spaces back. The
 * letters are cut into consecutive windows; the first part of the text trains, the last `testFraction` tests
 * (text the model never read).
 *
 * ```ts
 * const task = makeSpaceRestorationTask(text, { window: 48 });
 * const tagger = new models.SequenceTagger({ vocabSize: 26, embedDim: 16, hiddenSize: 64, numTags: 2 });
 * ```
 */
export function makeSpaceRestorationTask(
  text: string,
  options: SpaceRestorationOptions = {},
): SpaceRestorationTask {
  const where = 'makeSpaceRestorationTask';
  const { window = 48, testFraction = 0.1 } = options;
  if (!Number.isInteger(window) || window < 2)
    throw new ValueError(`${where}: window must be an integer ≥ 2, got ${window}`);
  if (!(testFraction > 0 && testFraction < 1))
    throw new ValueError(`${where}: testFraction must be in (0, 1), got ${testFraction}`);
  const words = lettersOnlyWords(text);
  const vocab = new CharVocab('abcdefghijklmnopqrstuvwxyz');
  const letters = vocab.encode(words.join(''));
  const starts = new Int32Array(letters.length);
  for (let i = 0, at = 0; i < words.length; at += words[i].length, i++) starts[at] = 1;
  const split = Math.floor((1 - testFraction) * letters.length);
  const windows = (from: number, to: number, max = Number.POSITIVE_INFINITY) => {
    const n = Math.min(max, Math.floor((to - from) / window));
    return {
      x: new Tensor(letters.slice(from, from + n * window), [n, window]),
      y: new Tensor(starts.slice(from, from + n * window), [n, window]),
    };
  };
  const train = windows(0, split, options.maxTrain);
  const test = windows(split, letters.length, options.maxTest);
  if (train.x.shape[0] === 0 || test.x.shape[0] === 0) {
    throw new ValueError(
      `${where}: the text has ${letters.length} letters, too few for one training and one test window of ${window}`,
    );
  }
  let startsInTest = 0;
  for (const v of test.y.data) startsInTest += v;
  return { train, test, vocab, testStartRate: startsInTest / test.y.size };
}

/**
 * Writes letters back as text with a space before every letter tagged 1 (except the first):
 * `restoreSpaces('itisatruth', [1,0,1,0,1,1,0,0,0,0])` → `'it is a truth'`.
 */
export function restoreSpaces(letters: string, tags: ArrayLike<number>): string {
  const chars = [...letters];
  if (tags.length < chars.length) {
    throw new ValueError(`restoreSpaces: ${chars.length} letters but only ${tags.length} tags`);
  }
  return chars.map((ch, i) => (i > 0 && tags[i] === 1 ? ` ${ch}` : ch)).join('');
}
