import { expect } from 'vitest';
import * as nt from '../../src/index.js';
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

/**
 * Trains `model` on a reversal task (Adam at lr 0.02, 30 epochs of batches of 32, cross-entropy that ignores the
 * padding), asserts that greedy decoding of the task's sources gets more than 95 % of the tokens right, and returns
 * the decoded rows.
 */
export async function expectLearnsReversal(
  model: Seq2Seq,
  task: { src: Tensor; tgtOut: Tensor },
): Promise<Tensor> {
  const { seq } = nt.models;
  const optimizer = new nt.optim.Adam(model.parameters(), { lr: 0.02 });
  await nt.train.fit(
    model,
    { x: task.src, y: task.tgtOut },
    {
      epochs: 30,
      batchSize: 32,
      optimizer,
      forward: (m, x, y) => m.forward(x, y!),
      loss: (o, t) => seq.sequenceCrossEntropy(o, t, { ignoreIndex: 0 }),
      verbose: 'silent',
    },
  );
  const out = model.generate(task.src);
  const acc = new seq.TokenAccuracy({ ignoreIndex: 0 });
  acc.update(out, task.tgtOut);
  expect(acc.compute()).toBeGreaterThan(0.95);
  return out;
}
