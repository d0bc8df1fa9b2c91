import { expect } from 'vitest';
import type { Seq2Seq } from '../../src/models/seq/seq2seq.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { expectClose } from './gradcheck.js';

/**
 * Checks that a Seq2Seq's decoding paths agree on a batch: step-by-step decoding that reads the true tokens equals
 * teacher forcing in one call, and reading its own predictions equals greedy generation up to each row's eos.
 * Returns the teacher-forced logits.
 */
export function expectDecodingPathsAgree(m: Seq2Seq, src: Tensor, tgtOut: Tensor): Tensor {
  const forced = m.forward(src, tgtOut);
  // a ratio just below 1 takes the step-by-step path, yet every draw still picks the true token
  const stepwise = m.forward(src, tgtOut, { teacherForcingRatio: 1 - 1e-10 });
  expectClose(stepwise.data, forced.data, {}, 'stepwise vs one call');
  // ratio 0: every step reads the previous prediction, as greedy decoding does, up to each row's eos
  const free = m.forward(src, tgtOut, { teacherForcingRatio: 0 }).argmax(2).toArray() as number[][];
  const greedy = m.generate(src, { maxLength: tgtOut.shape[1] }).toArray() as number[][];
  greedy.forEach((row, i) => {
    const end = row.indexOf(m.eosId);
    const upTo = end < 0 ? row.length : end + 1;
    expect(free[i].slice(0, upTo)).toEqual(row.slice(0, upTo));
  });
  return forced;
}
