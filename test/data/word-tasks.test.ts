/** The digit-name and space-restoration tasks: their layout, their vocabularies and their errors. */
import { describe, expect, it } from 'vitest';
import * as nt from '../../src/index.js';
import { ShapeError, ValueError } from '../../src/index.js';

const { data } = nt;

describe('spellDigitNames', () => {
  it('spells each label, then <eos>, then padding', () => {
    const { target, vocab, width } = data.spellDigitNames(nt.tensor(Int32Array.from([7, 1, 0]), [3]));
    expect(width).toBe(6);
    expect(target.shape).toEqual([3, 6]);
    expect(vocab.size).toBe(3 + new Set('zeroonetwothreefourfivesixseveneightnine').size);
    const rows = target.toArray() as number[][];
    expect(rows.map((r) => vocab.decode(r))).toEqual(['seven', 'one', 'zero']);
    expect(rows[1]).toEqual([...vocab.encode('one'), vocab.id(data.EOS), 0, 0]);
    expect(rows[0][5]).toBe(vocab.id(data.EOS));
  });

  it('refuses labels that are not digits', () => {
    expect(() => data.spellDigitNames(nt.tensor(Int32Array.from([3, 10]), [2]))).toThrow(
      /label 10 \(row 1\)/,
    );
    expect(() => data.spellDigitNames(nt.zeros([2, 2], { dtype: 'int32' }))).toThrow(ShapeError);
  });
});

describe('makeSpaceRestorationTask', () => {
  const text =
    'It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife. '.repeat(
      8,
    );

  it('tags the first letter of every word, in windows, the end of the text held out', () => {
    const task = data.makeSpaceRestorationTask(text, { window: 10, testFraction: 0.25 });
    const letters = data.lettersOnlyWords(text).join('');
    expect(task.train.x.shape[1]).toBe(10);
    expect(task.train.x.shape[0]).toBe(Math.floor((0.75 * letters.length) / 10));
    const first = task.vocab.decode(task.train.x.data.subarray(0, 10));
    expect(first).toBe('itisatruth');
    expect(Array.from(task.train.y.data.subarray(0, 10))).toEqual([1, 0, 1, 0, 1, 1, 0, 0, 0, 0]);
    expect(data.restoreSpaces(first, task.train.y.data.subarray(0, 10))).toBe('it is a truth');
    // the test windows start where training stops
    const split = Math.floor(0.75 * letters.length);
    expect(task.vocab.decode(task.test.x.data.subarray(0, 10))).toBe(letters.slice(split, split + 10));
    let starts = 0;
    for (const v of task.test.y.data) starts += v;
    expect(task.testStartRate).toBeCloseTo(starts / task.test.y.size, 10);
  });

  it('limits the windows and explains what is wrong', () => {
    const task = data.makeSpaceRestorationTask(text, { window: 8, maxTrain: 5, maxTest: 2 });
    expect(task.train.x.shape).toEqual([5, 8]);
    expect(task.test.y.shape).toEqual([2, 8]);
    expect(() => data.makeSpaceRestorationTask('a few words', { window: 48 })).toThrow(/too few/);
    expect(() => data.makeSpaceRestorationTask(text, { window: 1 })).toThrow(ValueError);
    expect(() => data.restoreSpaces('abc', [1])).toThrow(/3 letters but only 1 tags/);
  });
});
