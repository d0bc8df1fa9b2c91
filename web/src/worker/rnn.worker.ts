/**
 * The RNN page's training worker: loads what the chosen task needs (the MNIST digits, or a novel's text, from
 * the data `neurite studio` serves), builds the task's recurrent model, trains it batch after batch with Adam,
 * evaluates on held-out data four times an epoch, and posts the latest state — curves, the test examples with
 * the model's answers, and the network unrolled over the chosen example — at most every 150 ms.
 */
import * as nt from 'neurite/browser';
import { describeForCli, settingsForCheckpoint, unsavableReason } from '../rnn/checkpoint.js';
import type { FromRnnWorker, RnnRecord, RnnSettings, RnnState, ToRnnWorker } from '../rnn/protocol.js';
import { TASK_DEFAULTS } from '../rnn/settings.js';
import { type LiveTask, makeTask, needs } from '../rnn/tasks.js';
import { decodeCheckpointFiles, encodeModelCheckpoint } from './checkpoint.js';
import { loadMnistData, type MnistData } from './mnist-data.js';
import { serve } from './serve.js';

const POST_MS = 150;
/** Test evaluations per epoch (the curves' test points). */
const EVALS_PER_EPOCH = 4;
/** The novel the space-restoration task reads (its end is the test text). */
export const TEXT_FILE = 'data/text/austen/persuasion.txt.gz';

const post = (msg: FromRnnWorker, transfer: Transferable[] = []) =>
  (self as unknown as Worker).postMessage(msg, transfer);

interface Run {
  settings: RnnSettings;
  task: LiveTask;
  optimizer: nt.optim.Optimizer;
  shuffle: nt.Generator;
  order: Int32Array;
  cursor: number;
  samples: number;
  lossSum: number;
  correct: number;
  scored: number;
  batches: number;
  records: RnnRecord[];
  evaluation: RnnState['evaluation'];
  nextEval: number;
  /** The unrolled view and examples are stale (the model changed since they were made). */
  stale: boolean;
  /** Epochs the model had been trained before this run (a loaded checkpoint's). */
  baseEpoch: number;
}

let run: Run | null = null;
let running = false;
let inspected = 0;
let loopActive = false;
let rate = 0;
let mnist: Promise<MnistData> | null = null;
let text: Promise<string> | null = null;

/** The novel's text, gzipped as the package ships it. */
async function loadText(base: string): Promise<string> {
  const url = new URL(TEXT_FILE, base);
  const res = await fetch(url);
  if (!res.ok || !res.body) {
    throw new Error(`cannot load the text ${url.pathname}: the server answered ${res.status}`);
  }
  const unzipped = res.body.pipeThrough(new DecompressionStream('gzip'));
  return new TextDecoder().decode(await new Response(unzipped).arrayBuffer());
}

function shuffled(g: nt.Generator, n: number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = g.int(0, i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

function announce(task: LiveTask): void {
  post({
    type: 'task',
    description: task.description,
    parameters: task.model.numParameters(),
    trainSize: task.trainSize,
    testSize: task.testSize,
    metric: task.metric,
    baseline: task.baseline,
  });
}

async function setup(settings: RnnSettings, base: string, quiet = false): Promise<Run> {
  const need = needs(settings);
  if (need.mnist)
    mnist ??= loadMnistData(new URL('data/mnist/', base).href).catch((e) => {
      mnist = null;
      throw e;
    });
  if (need.text)
    text ??= loadText(base).catch((e) => {
      text = null;
      throw e;
    });
  const task = makeTask(settings, {
    mnist: need.mnist ? await mnist! : undefined,
    text: need.text ? await text! : undefined,
  });
  const shuffle = new nt.Generator(settings.seed + 1);
  if (!quiet) announce(task);
  return {
    settings,
    task,
    optimizer: new nt.optim.Adam(task.model.parameters(), { lr: settings.lr }),
    shuffle,
    order: shuffled(shuffle, task.trainSize),
    cursor: 0,
    samples: 0,
    lossSum: 0,
    correct: 0,
    scored: 0,
    batches: 0,
    records: [],
    evaluation: null,
    nextEval: task.trainSize / EVALS_PER_EPOCH,
    stale: true,
    baseEpoch: 0,
  };
}

function budget(r: Run): number {
  return r.settings.epochs * r.task.trainSize;
}

function trainBatch(r: Run): void {
  const n = r.task.trainSize;
  const idx = r.order.subarray(r.cursor, Math.min(n, r.cursor + r.settings.batchSize));
  const res = r.task.trainBatch(idx, r.optimizer);
  r.lossSum += res.loss;
  r.batches++;
  r.correct += res.correct;
  r.scored += res.scored;
  r.samples += idx.length;
  r.cursor += idx.length;
  r.stale = true;
  if (r.cursor >= n) {
    r.cursor = 0;
    r.order = shuffled(r.shuffle, n);
  }
  if (r.batches >= 8) flushTrainRecord(r);
  if (r.samples >= r.nextEval || r.samples >= budget(r)) {
    evaluate(r);
    r.nextEval += n / EVALS_PER_EPOCH;
  }
}

function flushTrainRecord(r: Run): void {
  if (r.batches === 0) return;
  r.records.push({
    epoch: r.samples / r.task.trainSize,
    trainLoss: r.lossSum / r.batches,
    trainAccuracy: r.scored ? r.correct / r.scored : null,
    testLoss: null,
    testAccuracy: null,
  });
  r.lossSum = 0;
  r.batches = 0;
  r.correct = 0;
  r.scored = 0;
}

function evaluate(r: Run): void {
  flushTrainRecord(r);
  const ev = r.task.evaluate();
  const epoch = r.samples / r.task.trainSize;
  r.evaluation = { epoch, accuracy: ev.accuracy, detail: ev.detail };
  r.records.push({
    epoch,
    trainLoss: null,
    trainAccuracy: null,
    testLoss: ev.loss,
    testAccuracy: ev.accuracy,
  });
}

function postState(r: Run, withViews: boolean): void {
  const views = withViews && r.stale;
  const state: RnnState = {
    type: 'state',
    running,
    done: r.samples >= budget(r),
    epoch: r.samples / r.task.trainSize,
    samples: r.samples,
    samplesPerSecond: running ? rate : 0,
    trainSize: r.task.trainSize,
    records: r.records,
    evaluation: r.evaluation,
    unrolled: views ? r.task.unroll(inspected) : null,
    examples: views ? r.task.examples() : null,
  };
  if (views) r.stale = false;
  post(state);
  r.records = [];
  r.evaluation = null;
}

async function loop(): Promise<void> {
  if (loopActive) return;
  loopActive = true;
  try {
    let last = performance.now();
    let samplesAtLast = run?.samples ?? 0;
    let lastViews = 0;
    while (running && run) {
      const r = run;
      if (r.samples >= budget(r)) {
        running = false;
        flushTrainRecord(r);
        postState(r, true);
        break;
      }
      trainBatch(r);
      const now = performance.now();
      if (now - last >= POST_MS) {
        const current = (r.samples - samplesAtLast) / ((now - last) / 1000);
        rate = rate === 0 ? current : 0.7 * rate + 0.3 * current;
        last = now;
        samplesAtLast = r.samples;
        // the unrolled view and the examples cost a few forward passes: refresh them about once a second
        const views = now - lastViews >= 1000;
        if (views) lastViews = now;
        postState(r, views);
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    }
  } catch (e) {
    running = false;
    post({ type: 'error', message: (e as Error)?.message ?? String(e) });
  } finally {
    loopActive = false;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// checkpoints in the CLI's format: the rows task as lstm-/gru-seqmnist, reverse and sort as seq2seq-reverse

let baseUrl = '';

async function save(r: Run): Promise<void> {
  const reason = unsavableReason(r.settings);
  if (reason) throw new Error(reason);
  const epoch = r.baseEpoch + Math.floor(r.samples / r.task.trainSize);
  // the digits' vocabulary as seq2seq-reverse records it (fixed by the task: <pad>, <bos>, <eos>, 0–9)
  const vocab = nt.data.makeReverseTask({ n: 1, length: 1, seed: 0 }).vocab.toJSON();
  const d = describeForCli(r.settings, epoch, vocab, __NEURITE_VERSION__);
  const files = await encodeModelCheckpoint({
    model: r.task.model,
    epoch,
    architecture: d.architecture,
    preprocessing: d.preprocessing,
    extra: d.recipe,
  });
  post({ type: 'saved', ...files, preset: String(d.recipe.preset) }, [files.weights.buffer]);
}

async function load(msg: Extract<ToRnnWorker, { type: 'load' }>): Promise<void> {
  const ckpt = await decodeCheckpointFiles(msg.manifestText, new Uint8Array(msg.weights), msg.source);
  const current = run?.settings;
  const settings = settingsForCheckpoint(ckpt, msg.source, current ?? TASK_DEFAULTS.rows);
  const next = await setup(settings, baseUrl, true);
  try {
    next.task.model.loadStateDict(ckpt.model);
  } catch (e) {
    throw new Error(`${msg.source}: the weights do not fit the model: ${(e as Error).message}`);
  }
  running = false;
  rate = 0;
  run = next;
  run.baseEpoch = ckpt.epoch;
  inspected = Math.min(inspected, run.task.testSize - 1);
  const preset = (ckpt.extra as { preset?: unknown } | null)?.preset;
  const model =
    settings.task === 'rows'
      ? `${settings.cell.toUpperCase()} ${settings.hidden} over MNIST rows`
      : `${settings.cell.toUpperCase()} encoder–decoder, hidden ${settings.hidden}, embedding ${settings.embed}, ${settings.task} task`;
  const trained = ckpt.epoch > 0 ? `, trained ${ckpt.epoch} epoch${ckpt.epoch === 1 ? '' : 's'}` : '';
  post({
    type: 'loaded',
    settings,
    description: `${msg.source}: ${model}${trained}${typeof preset === 'string' ? ` (neurite train ${preset})` : ''}`,
  });
  announce(run.task);
  // the figure, not a point on the curves: they are the page's training, which starts here
  const ev = run.task.evaluate();
  run.evaluation = { epoch: 0, accuracy: ev.accuracy, detail: ev.detail };
  postState(run, true);
}

async function handle(msg: ToRnnWorker): Promise<void> {
  switch (msg.type) {
    case 'save':
    case 'load':
      try {
        if (msg.type === 'save') {
          if (run) await save(run);
        } else await load(msg);
      } catch (e) {
        post({ type: 'checkpoint-error', message: (e as Error)?.message ?? String(e) });
      }
      break;
    case 'setup':
      baseUrl = msg.baseUrl;
      running = false;
      run = null;
      rate = 0;
      run = await setup(msg.settings, msg.baseUrl);
      inspected = Math.min(inspected, run.task.testSize - 1);
      postState(run, true);
      break;
    case 'play':
      if (!run) return;
      running = true;
      void loop();
      break;
    case 'pause':
      running = false;
      if (run) {
        flushTrainRecord(run);
        postState(run, true);
      }
      break;
    case 'step':
      if (!run) return;
      running = false;
      trainBatch(run);
      flushTrainRecord(run);
      postState(run, true);
      break;
    case 'inspect':
      inspected = Math.max(0, Math.floor(msg.index));
      if (run) {
        inspected = Math.min(inspected, run.task.testSize - 1);
        run.stale = true;
        if (!running) postState(run, true);
      }
      break;
  }
}

// the backend is chosen first; then messages are handled one at a time, in order (setup awaits the data)
serve(post, handle, (message) => {
  running = false;
  post({ type: 'error', message });
});
