// `neurite train seq2seq-reverse --attention luong|bahdanau`: the checkpoint keeps the option (predict rebuilds the
// model with its attention and loads the weights strictly), and a wrong value is refused naming the flag.

import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lastJson, removeTempDirs, runCli, tempDir } from './helpers.js';

afterAll(removeTempDirs);

describe('seq2seq-reverse --attention', () => {
  it('trains with Bahdanau attention, then predicts from the checkpoint', async () => {
    const run = join(tempDir(), 'bahdanau');
    const t = await runCli([
      'train',
      'seq2seq-reverse',
      '--attention',
      'bahdanau',
      '--limit',
      '64',
      '--epochs',
      '1',
      '--hidden-size',
      '16',
      '--out',
      run,
      '--json',
    ]);
    expect(t.code, t.stderr).toBe(0);
    const p = lastJson(await runCli(['predict', run, '["12345", "907"]', '--json']));
    const preds = p.predictions as { prediction: string }[];
    expect(preds).toHaveLength(2);
    for (const r of preds) expect(r.prediction).toMatch(/^[0-9]*$/);
  }, 60_000);

  it('refuses an unknown attention, naming the flag and the choices', async () => {
    const r = await runCli(['train', 'seq2seq-reverse', '--attention', 'dot', '--epochs', '1']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--attention: must be one of "none", "luong", "bahdanau", got "dot"/);
  });
});
