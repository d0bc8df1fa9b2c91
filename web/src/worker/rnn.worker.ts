/**
 * The RNN page's training worker: loads what the chosen task needs (the MNIST digits, or a novel's text, from
 * the data `neurite studio` serves), builds the task's recurrent model, trains it batch after batch with Adam,
 * evaluates on held-out data four times an epoch, and posts the latest state — curves, the test examples with
 * the model's answers, and the network unrolled over the chosen example — at most every 150 ms.
 */
import * as nt from 'neurite/browser';
import type { FromRnnWorker, RnnRecord, RnnSettings, RnnState, ToRnnWorker } from '../rnn/protocol.js';
import { type LiveTask, makeTask, needs } from '../rnn/tasks.js';
import { chooseBackend } from './backend.js';
import { loadMnistData, type MnistData } from './mnist-data.js';

const POST_MS = 150;
/** Test evaluations per epoch (the curves' test points). */
const EVALS_PER_EPOCH = 4;
/** The novel the space-restoration task reads (its end is the test text). */
export const TEXT_FILE = 'data/text/austen/persuasion.txt.gz';

const post = (msg: FromRnnWorker) => (self as unknown as Worker).postMessage(msg);

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

async function setup(settings: RnnSettings, base: string): Promise<Run> {
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
  post({
    type: 'task',
    description: task.description,
    parameters: task.model.numParameters(),
    trainSize: task.trainSize,
    testSize: task.testSize,
    metric: task.metric,
    baseline: task.baseline,
  });
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

async function handle(msg: ToRnnWorker): Promise<void> {
  switch (msg.type) {
    case 'setup':
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

// messages are handled one at a time, in order (setup awaits the data)
let queue: Promise<void> = Promise.resolve();
self.onmessage = (event: MessageEvent<ToRnnWorker>) => {
  queue = queue
    .then(() => handle(event.data))
    .catch((e) => {
      running = false;
      post({ type: 'error', message: (e as Error)?.message ?? String(e) });
    });
};

chooseBackend().then(
  (backend) => post({ type: 'ready', backend }),
  (e) => post({ type: 'error', message: (e as Error).message }),
);
