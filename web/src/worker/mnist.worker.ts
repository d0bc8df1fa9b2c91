/**
 * The MNIST page's training worker: loads the 10,000 digits that ship with neurite (served by `neurite studio`
 * from the package's data/mnist), trains LeNet-5 (or a variant, or an MLP) batch after batch, evaluates on the
 * 2,000 test digits every half epoch, and posts the latest state — curves, first-layer filters, feature maps of
 * one digit, confusion matrix, misclassified digits — at most a few times a second.
 */
import * as nt from 'neurite/browser';
import type {
  FeatureMaps,
  FromMnistWorker,
  MnistRecord,
  MnistSettings,
  MnistState,
  ToMnistWorker,
} from '../mnist/protocol.js';
import { decodeCheckpointFiles, encodeModelCheckpoint } from './checkpoint.js';
import {
  IMAGES,
  imageBatch,
  labelBatch,
  loadMnistData,
  MEAN,
  type MnistData,
  PIXELS,
  STD,
  shuffledTrainOrder,
  TRAIN,
} from './mnist-data.js';
import { serve } from './serve.js';

const POST_MS = 150;
const EVAL_BATCH = 250;

/** A model that maps a batch of images to logits. */
type Net = nt.nn.Module & { forward(x: nt.Tensor): nt.Tensor };

const post = (msg: FromMnistWorker, transfer: Transferable[] = []) =>
  (self as unknown as Worker).postMessage(msg, transfer);

type Data = MnistData;

interface Run {
  settings: MnistSettings;
  model: Net;
  optimizer: nt.optim.Optimizer;
  shuffle: nt.Generator;
  order: Int32Array;
  /** Position in the current epoch's order. */
  cursor: number;
  samples: number;
  lossSum: number;
  rightSum: number;
  seenSinceRecord: number;
  records: MnistRecord[];
  evaluation: MnistState['evaluation'];
  nextEval: number;
}

let data: Data | null = null;
let run: Run | null = null;
let running = false;
let inspected = 0;
let loopActive = false;
let rate = 0;

function isConv(settings: MnistSettings): boolean {
  return settings.model !== 'mlp';
}

function buildModel(settings: MnistSettings): Net {
  const generator = new nt.Generator(settings.seed);
  switch (settings.model) {
    case 'lenet5':
      return new nt.models.LeNet5({ generator });
    case 'lenet5-relu':
      return new nt.models.LeNet5({ activation: 'relu', pooling: 'max', generator });
    case 'mlp':
      return new nt.models.MLP({ sizes: [PIXELS, 100, 10], generator }) as unknown as Net;
  }
}

const shuffled = shuffledTrainOrder;

function setup(settings: MnistSettings): Run {
  const model = buildModel(settings);
  const shuffle = new nt.Generator(settings.seed + 1);
  return {
    settings,
    model,
    optimizer: new nt.optim.Adam(model.parameters(), { lr: settings.lr }),
    shuffle,
    order: shuffled(shuffle),
    cursor: 0,
    samples: 0,
    lossSum: 0,
    rightSum: 0,
    seenSinceRecord: 0,
    records: [],
    evaluation: null,
    nextEval: TRAIN / 2,
  };
}

/** Images [n, 1, 28, 28] (or [n, 784] for an MLP) from dataset indices. */
function batchOf(r: Run, indices: ArrayLike<number>): nt.Tensor {
  return imageBatch(data!, indices, !isConv(r.settings));
}

function labelsOf(indices: ArrayLike<number>): nt.Tensor {
  return labelBatch(data!, indices);
}

function trainBatch(r: Run): void {
  const b = r.settings.batchSize;
  const idx = r.order.subarray(r.cursor, Math.min(TRAIN, r.cursor + b));
  r.model.train();
  const logits = r.model.forward(batchOf(r, idx));
  const y = labelsOf(idx);
  const loss = nt.crossEntropy(logits, y);
  r.optimizer.zeroGrad();
  loss.backward();
  r.optimizer.step();
  const value = loss.item();
  if (!Number.isFinite(value)) {
    throw new Error(
      `the training loss became ${value} after ${r.samples} digits: the learning rate (${r.settings.lr}) is too high; lower it and reset`,
    );
  }
  const pred = logits.argmax(1).data;
  let right = 0;
  for (let i = 0; i < idx.length; i++) if (pred[i] === y.data[i]) right++;
  r.lossSum += value * idx.length;
  r.rightSum += right;
  r.seenSinceRecord += idx.length;
  r.samples += idx.length;
  r.cursor += idx.length;
  if (r.cursor >= TRAIN) {
    r.cursor = 0;
    r.order = shuffled(r.shuffle);
  }
  if (r.seenSinceRecord >= 320) flushTrainRecord(r);
  if (r.samples >= r.nextEval) {
    evaluateTest(r);
    r.nextEval += TRAIN / 2;
  }
}

function flushTrainRecord(r: Run): void {
  if (r.seenSinceRecord === 0) return;
  r.records.push({
    epoch: r.samples / TRAIN,
    trainLoss: r.lossSum / r.seenSinceRecord,
    trainAccuracy: r.rightSum / r.seenSinceRecord,
    testLoss: null,
    testAccuracy: null,
  });
  r.lossSum = 0;
  r.rightSum = 0;
  r.seenSinceRecord = 0;
}

/** The whole test set: accuracy, loss, confusion matrix and the misclassified digits. */
function evaluateTest(r: Run): void {
  r.model.eval();
  const confusion = new Int32Array(100);
  const wrong: { index: number; label: number; predicted: number }[] = [];
  let lossSum = 0;
  nt.noGrad(() => {
    for (let start = TRAIN; start < IMAGES; start += EVAL_BATCH) {
      const idx = Int32Array.from({ length: Math.min(EVAL_BATCH, IMAGES - start) }, (_, i) => start + i);
      const logits = r.model.forward(batchOf(r, idx));
      const y = labelsOf(idx);
      lossSum += nt.crossEntropy(logits, y).item() * idx.length;
      const pred = logits.argmax(1).data;
      for (let i = 0; i < idx.length; i++) {
        const t = y.data[i];
        const p = pred[i];
        confusion[t * 10 + p]++;
        if (t !== p) wrong.push({ index: idx[i] - TRAIN, label: t, predicted: p });
      }
    }
  });
  const n = IMAGES - TRAIN;
  let right = 0;
  for (let c = 0; c < 10; c++) right += confusion[c * 11];
  const accuracy = right / n;
  r.evaluation = { epoch: r.samples / TRAIN, accuracy, confusion, wrong };
  flushTrainRecord(r);
  r.records.push({
    epoch: r.samples / TRAIN,
    trainLoss: null,
    trainAccuracy: null,
    testLoss: lossSum / n,
    testAccuracy: accuracy,
  });
}

/** Feature maps of one test digit through LeNet-5's conv and pool layers, and its class probabilities. */
function inspect(
  r: Run,
  index: number,
): { maps: FeatureMaps[]; probabilities: Float32Array; predicted: number } {
  r.model.eval();
  return nt.noGrad(() => {
    const x = batchOf(r, [TRAIN + index]);
    const probabilities = Float32Array.from(r.model.forward(x).softmax(1).data as Float32Array);
    let predicted = 0;
    for (let c = 1; c < 10; c++) if (probabilities[c] > probabilities[predicted]) predicted = c;
    const maps: FeatureMaps[] = [];
    const m = r.model;
    if (m instanceof nt.models.LeNet5) {
      const act = (t: nt.Tensor) => (m.activation === 'tanh' ? t.tanh() : t.relu());
      const add = (name: string, t: nt.Tensor) => {
        const [, c, hgt, w] = t.shape;
        maps.push({
          name,
          channels: c,
          height: hgt,
          width: w,
          data: Float32Array.from(t.data as Float32Array),
        });
      };
      const c1 = act(m.c1.forward(nt.pad(x, [2, 2, 2, 2])));
      add('C1 · conv 5×5', c1);
      const s2 = m.s2.forward(c1);
      add(`S2 · ${m.pooling} pool`, s2);
      const c3 = act(m.c3.forward(s2));
      add('C3 · conv 5×5', c3);
      add(`S4 · ${m.pooling} pool`, m.s4.forward(c3));
    }
    return { maps, probabilities, predicted };
  });
}

function firstFilters(r: Run): MnistState['filters'] {
  const m = r.model;
  if (!(m instanceof nt.models.LeNet5)) return null;
  const w = m.c1.weight;
  return { count: w.shape[0], size: w.shape[2], data: Float32Array.from(w.data as Float32Array) };
}

function postState(r: Run): void {
  const view = inspect(r, inspected);
  const state: MnistState = {
    type: 'state',
    running,
    done: r.samples >= r.settings.epochs * TRAIN,
    epoch: r.samples / TRAIN,
    samples: r.samples,
    samplesPerSecond: running ? rate : 0,
    records: r.records,
    filters: firstFilters(r),
    maps: view.maps,
    inspected: {
      index: inspected,
      label: data!.labels[TRAIN + inspected],
      predicted: view.predicted,
      probabilities: view.probabilities,
    },
    evaluation: r.evaluation,
  };
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
    while (running && run) {
      const r = run;
      if (r.samples >= r.settings.epochs * TRAIN) {
        running = false;
        flushTrainRecord(r);
        postState(r);
        break;
      }
      trainBatch(r);
      const now = performance.now();
      if (now - last >= POST_MS) {
        const current = (r.samples - samplesAtLast) / ((now - last) / 1000);
        rate = rate === 0 ? current : 0.7 * rate + 0.3 * current;
        last = now;
        samplesAtLast = r.samples;
        postState(r);
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
// checkpoints: the page's models as the CLI's cnn-mnist and dnn-mnist presets build them

const LENET_VARIANTS: Record<
  'lenet5' | 'lenet5-relu',
  { activation: 'tanh' | 'relu'; pooling: 'avg' | 'max' }
> = {
  lenet5: { activation: 'tanh', pooling: 'avg' },
  'lenet5-relu': { activation: 'relu', pooling: 'max' },
};
const MLP_SIZES = [PIXELS, 100, 10];

/** The architecture record and the `neurite train` recipe of a page model, so `neurite eval` can rebuild it. */
function describe(settings: MnistSettings, epochs: number) {
  const training = { epochs, batchSize: settings.batchSize, lr: settings.lr, seed: settings.seed };
  const recipe = (preset: string, options: Record<string, unknown>) => ({
    kind: 'neurite-cli-run',
    version: 1,
    preset,
    options,
    config: null,
    configFile: null,
    baseDir: null,
    training,
    neurite: __NEURITE_VERSION__,
    trainedIn: 'neurite studio',
  });
  const input = (shape: number[]) => ({
    description:
      'MNIST digits: 784 pixels 0–255 per sample (0 = background), as [N, 784], [N, 28, 28] or [N, 1, 28, 28]',
    steps: [
      { type: 'normalize', divide: 255, mean: MEAN, std: STD },
      { type: 'reshape', shape },
    ],
  });
  if (settings.model === 'mlp') {
    return {
      architecture: { type: 'MLP', options: { sizes: MLP_SIZES } },
      recipe: recipe('dnn-mnist', {
        depth: 1,
        width: 100,
        activation: 'relu',
        init: 'default',
        batchNorm: false,
        dropout: 0,
      }),
      input: input([PIXELS]),
    };
  }
  const v = LENET_VARIANTS[settings.model];
  return {
    architecture: { type: 'LeNet5', options: { ...v } },
    recipe: recipe('cnn-mnist', { shift: 0, ...v }),
    input: input([1, 28, 28]),
  };
}

/** Which page model a checkpoint holds, from its architecture record or else its recipe; an Error if none. */
function pageModelOf(ckpt: nt.train.Checkpoint, source: string): MnistSettings['model'] {
  const arch = ckpt.architecture;
  const recipe = ckpt.extra as { preset?: string; options?: Record<string, unknown> } | null;
  let type = arch?.type;
  let options = (arch?.options ?? {}) as Record<string, unknown>;
  if (!arch && recipe?.preset === 'cnn-mnist') {
    type = 'LeNet5';
    options = recipe.options ?? {};
  }
  const fits = (o: unknown, d: unknown) => o === undefined || o === d;
  if (type === 'LeNet5' && fits(options.numClasses, 10) && fits(options.inChannels, 1)) {
    const activation = options.activation ?? 'tanh';
    const pooling = options.pooling ?? 'avg';
    for (const [name, v] of Object.entries(LENET_VARIANTS)) {
      if (v.activation === activation && v.pooling === pooling) return name as MnistSettings['model'];
    }
    throw new Error(
      `${source} holds LeNet-5 with ${String(activation)} and ${String(pooling)} pooling; the page's LeNet-5s use ReLU with max pooling or tanh with average pooling`,
    );
  }
  if (
    type === 'MLP' &&
    JSON.stringify(options.sizes) === JSON.stringify(MLP_SIZES) &&
    !options.batchNorm &&
    !options.dropout
  ) {
    return 'mlp';
  }
  const what = type
    ? `a ${type}${recipe?.preset ? ` (neurite train ${recipe.preset})` : ''}`
    : 'a model the page cannot identify (no architecture recorded)';
  throw new Error(
    `${source} holds ${what}; the MNIST page runs LeNet-5 (ReLU + max or tanh + average pooling) and the MLP 784-100-10`,
  );
}

async function save(r: Run): Promise<void> {
  const epochs = Math.floor(r.samples / TRAIN);
  const d = describe(r.settings, epochs);
  const files = await encodeModelCheckpoint({
    model: r.model,
    epoch: epochs,
    architecture: d.architecture,
    preprocessing: { input: d.input },
    extra: d.recipe,
  });
  post({ type: 'saved', ...files }, [files.weights.buffer]);
}

async function load(msg: Extract<ToMnistWorker, { type: 'load' }>): Promise<void> {
  const ckpt = await decodeCheckpointFiles(msg.manifestText, new Uint8Array(msg.weights), msg.source);
  const model = pageModelOf(ckpt, msg.source);
  const training = (ckpt.extra as { training?: Partial<MnistSettings> } | null)?.training ?? {};
  const settings: MnistSettings = {
    ...(run?.settings ?? { model, lr: 0.003, batchSize: 32, epochs: 2, seed: 0 }),
    model,
  };
  const next = setup(settings);
  try {
    next.model.loadStateDict(ckpt.model);
  } catch (e) {
    throw new Error(`${msg.source}: the weights do not fit the model: ${(e as Error).message}`);
  }
  running = false;
  run = next;
  run.samples = ckpt.epoch * TRAIN;
  run.nextEval = run.samples + TRAIN / 2;
  evaluateTest(run);
  const trained = ckpt.epoch > 0 ? `, trained ${ckpt.epoch} epoch${ckpt.epoch === 1 ? '' : 's'}` : '';
  const lr = typeof training.lr === 'number' ? ` at learning rate ${training.lr}` : '';
  post({
    type: 'loaded',
    settings,
    description: `${msg.source}: ${model === 'mlp' ? 'MLP 784-100-10' : `LeNet-5 (${LENET_VARIANTS[model].activation}, ${LENET_VARIANTS[model].pooling} pooling)`}${trained}${lr}`,
  });
  postState(run);
}

let pendingData: Promise<Data> | null = null;
let dataUrl = '';

async function handle(msg: ToMnistWorker): Promise<void> {
  switch (msg.type) {
    case 'setup': {
      running = false;
      dataUrl = msg.dataUrl;
      if (!data) {
        pendingData ??= loadMnistData(dataUrl);
        data = await pendingData;
        const testImages = data.bytes.slice(TRAIN * PIXELS);
        const testLabels = data.labels.slice(TRAIN);
        post({ type: 'data', testImages, testLabels, trainCount: TRAIN }, [
          testImages.buffer,
          testLabels.buffer,
        ]);
      }
      run = setup(msg.settings);
      rate = 0;
      postState(run);
      break;
    }
    case 'play':
      if (!run) return;
      running = true;
      void loop();
      break;
    case 'pause':
      running = false;
      if (run) {
        flushTrainRecord(run);
        postState(run);
      }
      break;
    case 'step':
      if (!run) return;
      running = false;
      trainBatch(run);
      postState(run);
      break;
    case 'inspect':
      inspected = Math.max(0, Math.min(IMAGES - TRAIN - 1, Math.floor(msg.index)));
      if (run && !running) postState(run);
      break;
    case 'save':
      if (run) await save(run);
      break;
    case 'load':
      if (!data) {
        post({ type: 'load-error', message: 'The digits are still loading; try again in a moment.' });
        break;
      }
      try {
        await load(msg);
      } catch (e) {
        post({ type: 'load-error', message: (e as Error).message });
      }
      break;
    case 'predict': {
      if (!run) return;
      const r = run;
      r.model.eval();
      const probabilities = nt.noGrad(() => {
        const x = new nt.Tensor(
          new Float32Array(msg.pixels.map((v) => (v - MEAN) / STD)),
          isConv(r.settings) ? [1, 1, 28, 28] : [1, PIXELS],
        );
        return Float32Array.from(r.model.forward(x).softmax(1).data as Float32Array);
      });
      post({ type: 'prediction', id: msg.id, probabilities }, [probabilities.buffer]);
      break;
    }
  }
}

// the backend is chosen first; then messages are handled one at a time, in order (setup awaits the data)
serve(post, handle, (message) => {
  running = false;
  post({ type: 'error', message });
});
