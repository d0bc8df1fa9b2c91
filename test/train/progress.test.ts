import { afterEach, describe, expect, it, vi } from 'vitest';
import * as nt from '../../src/index.js';
import { nn, train } from '../../src/index.js';
import { nodeReporter, TerminalProgress } from '../../src/train/node.js';

function data(n = 8) {
  nt.manualSeed(2);
  return { x: nt.randn([n, 2]), y: nt.tensor(Int32Array.from({ length: n }, (_, i) => i % 2)) };
}

/** A stream that records what is written; `isTTY` makes it look like a terminal. */
function captured(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, columns: 160, write: (s: string) => void chunks.push(s) } };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('progress output', () => {
  it('formats the epoch line', () => {
    const log: train.EpochLog = {
      epoch: 3,
      loss: 0.21434,
      metrics: { accuracy: 0.93812 },
      valLoss: 0.25,
      valMetrics: { accuracy: 0.91 },
      lr: 0.001,
      seconds: 12.34,
    };
    expect(train.formatEpochLine(log, 10)).toBe(
      'epoch 3/10  loss 0.2143  accuracy 0.9381  val_loss 0.2500  val_accuracy 0.9100  12.3 s',
    );
    expect(train.formatValue(0.00001234)).toBe('1.234e-5');
    expect(train.formatValue(Number.NaN)).toBe('NaN');
    expect(train.formatSeconds(125)).toBe('2 min 05 s');
    expect(train.formatSeconds(119.6)).toBe('2 min 00 s');
    expect(train.formatSeconds(59.97)).toBe('1 min 00 s');
  });

  it('prints one plain line per epoch when the output is not a terminal', async () => {
    const { chunks, stream } = captured(false);
    const reporter = nodeReporter('auto', stream);
    expect(reporter).toBeInstanceOf(train.LineProgress);
    await train.fit(new nn.Linear(2, 2), data(), {
      epochs: 3,
      batchSize: 4,
      metrics: ['accuracy'],
      validationData: data(4),
      reporter,
    });
    const lines = chunks.join('').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(3);
    lines.forEach((line, i) => {
      expect(line).toMatch(
        new RegExp(
          `^epoch ${i + 1}/3  loss \\d\\.\\d{4}  accuracy \\d\\.\\d{4}  val_loss \\d\\.\\d{4}  val_accuracy \\d\\.\\d{4}  \\d+\\.\\d s$`,
        ),
      );
    });
  });

  it('draws a live bar on a terminal, ending each epoch with its line', async () => {
    const { chunks, stream } = captured(true);
    const reporter = nodeReporter('auto', stream);
    expect(reporter).toBeInstanceOf(TerminalProgress);
    await train.fit(new nn.Linear(2, 2), data(), {
      epochs: 2,
      batchSize: 2,
      metrics: ['accuracy'],
      reporter,
    });
    const text = chunks.join('');
    expect(text).toContain('epoch 1/2 ');
    expect(text).toContain('█');
    // the bar as it stands after each epoch
    const finals = text.split('\n').filter((l) => /4\/4/.test(l));
    expect(finals.length).toBeGreaterThanOrEqual(2);
    expect(finals.at(-1)).toMatch(/epoch 2\/2 █+ 4\/4 {2}loss \d\.\d{4} {2}accuracy \d\.\d{4} {2}\d+\.\d s/);
  });

  it('shows running values, throughput and the time left while an epoch runs', () => {
    const { chunks, stream } = captured(true);
    const bar = new TerminalProgress({ stream });
    const ctx = { epochs: 5, batchesPerEpoch: 10 } as train.TrainingContext;
    bar.onEpochBegin(2, ctx);
    bar.onBatchEnd(4, {
      batch: 4,
      batches: 10,
      size: 32,
      samples: 128,
      loss: 0.5,
      meanLoss: 0.61,
      metrics: () => ({ accuracy: 0.75 }),
      seconds: 2,
    });
    bar.onTrainAbort();
    const text = chunks.join('');
    expect(text).toMatch(
      /epoch 2\/5 █+░+ 4\/10 {2}loss 0\.6100 {2}accuracy 0\.7500 {2}64 samples\/s {2}ETA 3\.0 s/,
    );
  });

  it("prints nothing with verbose 'silent'", async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const write = vi.spyOn(process.stdout, 'write');
    await train.fit(new nn.Linear(2, 2), data(), { epochs: 2, verbose: 'silent' });
    expect(log).not.toHaveBeenCalled();
    expect(write).not.toHaveBeenCalled();
    expect(train.createReporter('silent')).toBeNull();
  });

  it('falls back to lines through console.log where the host registers no reporter (browsers)', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    train.setTrainPlatform({ createReporter: undefined });
    try {
      expect(train.createReporter('auto')).toBeInstanceOf(train.LineProgress);
      await train.fit(new nn.Linear(2, 2), data(), { epochs: 2, verbose: 'bar' });
    } finally {
      train.setTrainPlatform({ createReporter: (v) => nodeReporter(v) });
    }
    expect(log).toHaveBeenCalledTimes(2);
    expect(log.mock.calls[1][0]).toMatch(/^epoch 2\/2 {2}loss /);
  });
});
