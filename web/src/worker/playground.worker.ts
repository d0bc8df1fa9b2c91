/**
 * The playground's training worker: builds the network the page describes, trains it epoch after epoch while
 * playing, and posts the latest state (curves, decision boundary, every unit's map, the weights) at most ~30
 * times a second, so the page never waits on training and never drowns in messages.
 */
import * as nt from 'neurite/browser';
import type { Point } from '../playground/datasets.js';
import { DOMAIN } from '../playground/datasets.js';
import type { EpochRecord, FromWorker, ToWorker } from '../playground/protocol.js';
import type { FeatureName, PlaygroundSettings } from '../playground/settings.js';
import { featureValue, isRegression } from '../playground/settings.js';
import { decodeCheckpointFiles, encodeCheckpointFiles } from './checkpoint.js';
import { serve } from './serve.js';

const GRID = 80;
const THUMB = 20;
const FRAME_MS = 33;

const post = (msg: FromWorker, transfer: Transferable[] = []) =>
  (self as unknown as Worker).postMessage(msg, transfer);

function featurize(
  features: readonly FeatureName[],
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
): Float32Array {
  const n = xs.length;
  const out = new Float32Array(n * features.length);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < features.length; f++)
      out[i * features.length + f] = featureValue(features[f], xs[i], ys[i]);
  }
  return out;
}

/** Grid coordinates, row-major from the top-left corner (x = −6, y = +6), cell centres. */
function gridPoints(size: number): { xs: Float32Array; ys: Float32Array } {
  const xs = new Float32Array(size * size);
  const ys = new Float32Array(size * size);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      xs[r * size + c] = -DOMAIN + ((c + 0.5) * 2 * DOMAIN) / size;
      ys[r * size + c] = DOMAIN - ((r + 0.5) * 2 * DOMAIN) / size;
    }
  }
  return { xs, ys };
}

interface Run {
  settings: PlaygroundSettings;
  regression: boolean;
  classes: number;
  model: nt.nn.Sequential;
  linears: nt.nn.Linear[];
  optimizer: nt.optim.Optimizer;
  shuffle: nt.Generator;
  trainX: Float32Array;
  trainY: Float32Array | Int32Array;
  testX: Float32Array;
  testY: Float32Array | Int32Array;
  gridX: nt.Tensor;
  thumbX: nt.Tensor;
  epoch: number;
  pending: EpochRecord[];
}

let run: Run | null = null;
let running = false;
let loopActive = false;

function activationModule(name: PlaygroundSettings['activation']): nt.nn.Module | null {
  switch (name) {
    case 'relu':
      return new nt.nn.ReLU();
    case 'tanh':
      return new nt.nn.Tanh();
    case 'sigmoid':
      return new nt.nn.Sigmoid();
    case 'linear':
      return null;
  }
}

function labels(points: readonly Point[], regression: boolean): Float32Array | Int32Array {
  return regression ? Float32Array.from(points, (p) => p.label) : Int32Array.from(points, (p) => p.label);
}

function setup(settings: PlaygroundSettings, train: Point[], test: Point[], classes: number): Run {
  const regression = isRegression(settings);
  const features = settings.features;
  const init = new nt.Generator(settings.seed + 1);
  const widths = [features.length, ...settings.hidden, regression ? 1 : classes];
  const layers: nt.nn.Module[] = [];
  const linears: nt.nn.Linear[] = [];
  for (let i = 0; i + 1 < widths.length; i++) {
    const linear = new nt.nn.Linear(widths[i], widths[i + 1], { generator: init });
    linears.push(linear);
    layers.push(linear);
    if (i + 2 < widths.length) {
      const act = activationModule(settings.activation);
      if (act) layers.push(act);
    }
  }
  const model = new nt.nn.Sequential(...layers);
  const params = model.parameters();
  const optimizer =
    settings.optimizer === 'adam'
      ? new nt.optim.Adam(params, { lr: settings.lr })
      : new nt.optim.SGD(params, { lr: settings.lr, momentum: settings.optimizer === 'momentum' ? 0.9 : 0 });
  const grid = gridPoints(GRID);
  const thumb = gridPoints(THUMB);
  return {
    settings,
    regression,
    classes,
    model,
    linears,
    optimizer,
    shuffle: new nt.Generator(settings.seed + 2),
    trainX: featurize(
      features,
      train.map((p) => p.x),
      train.map((p) => p.y),
    ),
    trainY: labels(train, regression),
    testX: featurize(
      features,
      test.map((p) => p.x),
      test.map((p) => p.y),
    ),
    testY: labels(test, regression),
    gridX: new nt.Tensor(featurize(features, grid.xs, grid.ys), [GRID * GRID, features.length]),
    thumbX: new nt.Tensor(featurize(features, thumb.xs, thumb.ys), [THUMB * THUMB, features.length]),
    epoch: 0,
    pending: [],
  };
}

function dataLoss(r: Run, out: nt.Tensor, y: nt.Tensor): nt.Tensor {
  return r.regression ? nt.mseLoss(out.reshape([-1]), y) : nt.crossEntropy(out, y);
}

function penalty(r: Run): nt.Tensor | null {
  const { regularization, regRate } = r.settings;
  if (regularization === 'none' || regRate === 0) return null;
  let total: nt.Tensor | null = null;
  for (const l of r.linears) {
    const term = regularization === 'l1' ? l.weight.abs().sum() : l.weight.square().sum().mul(0.5);
    total = total ? total.add(term) : term;
  }
  return total ? total.mul(regRate) : null;
}

function rows(x: Float32Array, y: Float32Array | Int32Array, idx: Int32Array, width: number) {
  const bx = new Float32Array(idx.length * width);
  const by = y instanceof Int32Array ? new Int32Array(idx.length) : new Float32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    bx.set(x.subarray(idx[i] * width, (idx[i] + 1) * width), i * width);
    by[i] = y[idx[i]];
  }
  return { x: new nt.Tensor(bx, [idx.length, width]), y: new nt.Tensor(by, [idx.length]) };
}

function evaluate(
  r: Run,
  x: Float32Array,
  y: Float32Array | Int32Array,
): { loss: number; accuracy: number | null } {
  const n = y.length;
  if (n === 0) return { loss: Number.NaN, accuracy: null };
  const width = r.settings.features.length;
  return nt.noGrad(() => {
    const out = r.model.forward(new nt.Tensor(x, [n, width]));
    const target = new nt.Tensor(y, [n]);
    const loss = dataLoss(r, out, target).item();
    if (r.regression) return { loss, accuracy: null };
    const pred = out.argmax(1).data;
    let right = 0;
    for (let i = 0; i < n; i++) if (pred[i] === y[i]) right++;
    return { loss, accuracy: right / n };
  });
}

function trainEpoch(r: Run): void {
  const n = r.trainY.length;
  const width = r.settings.features.length;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = r.shuffle.int(0, i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  const b = Math.max(1, r.settings.batchSize);
  for (let start = 0; start < n; start += b) {
    const batch = rows(r.trainX, r.trainY, order.subarray(start, Math.min(n, start + b)), width);
    let loss = dataLoss(r, r.model.forward(batch.x), batch.y);
    const reg = penalty(r);
    if (reg) loss = loss.add(reg);
    r.optimizer.zeroGrad();
    loss.backward();
    r.optimizer.step();
  }
  r.epoch++;
  const train = evaluate(r, r.trainX, r.trainY);
  const test = evaluate(r, r.testX, r.testY);
  if (!Number.isFinite(train.loss)) {
    throw new Error(
      `the training loss became ${train.loss} at epoch ${r.epoch}: the learning rate (${r.settings.lr}) is too high for this network; lower it and reset`,
    );
  }
  r.pending.push({
    epoch: r.epoch,
    trainLoss: train.loss,
    testLoss: test.loss,
    trainAccuracy: train.accuracy,
    testAccuracy: test.accuracy,
  });
}

/** Runs the network over inputs, keeping every hidden layer's activations. */
function forwardAll(r: Run, x: nt.Tensor): { hidden: nt.Tensor[]; out: nt.Tensor } {
  return nt.noGrad(() => {
    const hidden: nt.Tensor[] = [];
    let h = x;
    const act = r.settings.activation;
    r.linears.forEach((l, i) => {
      h = l.forward(h);
      if (i + 1 < r.linears.length) {
        h = act === 'relu' ? h.relu() : act === 'tanh' ? h.tanh() : act === 'sigmoid' ? h.sigmoid() : h;
        hidden.push(h);
      }
    });
    return { hidden, out: h };
  });
}

/** Splits [points, units] into one row-major map per unit. */
function perUnit(t: nt.Tensor): Float32Array[] {
  const [n, units] = t.shape;
  const data = t.data as Float32Array;
  return Array.from({ length: units }, (_, u) => {
    const m = new Float32Array(n);
    for (let i = 0; i < n; i++) m[i] = data[i * units + u];
    return m;
  });
}

function postState(r: Run, epochsPerSecond: number): void {
  const main = forwardAll(r, r.gridX);
  const output = nt.noGrad(() => (r.regression ? main.out.reshape([-1]) : main.out.softmax(1)))
    .data as Float32Array;
  const neurons = forwardAll(r, r.thumbX).hidden.map(perUnit);
  const weights = r.linears.map((l) => Float32Array.from(l.weight.data as Float32Array));
  const out = Float32Array.from(output);
  const transfer: Transferable[] = [out.buffer, ...weights.map((w) => w.buffer)];
  for (const layer of neurons) for (const m of layer) transfer.push(m.buffer);
  post(
    {
      type: 'state',
      running,
      epoch: r.epoch,
      records: r.pending,
      grid: GRID,
      output: out,
      neurons,
      thumb: THUMB,
      weights,
      epochsPerSecond,
      samplesPerSecond: epochsPerSecond * r.trainY.length,
    },
    transfer,
  );
  r.pending = [];
}

// ---------------------------------------------------------------------------------------------------------------
// checkpoints: the CLI's format, with the playground's settings (data, features, network) in `extra`

const KIND = 'neurite-studio-playground';

async function save(r: Run, points: Point[]): Promise<void> {
  const { settings } = r;
  const sizes = [settings.features.length, ...settings.hidden, r.regression ? 1 : r.classes];
  // the network is neurite's MLP (same layers, same state-dict keys) unless its hidden units are linear
  const architecture =
    settings.activation === 'linear' && settings.hidden.length > 0
      ? null
      : { type: 'MLP', options: { sizes, activation: settings.activation } };
  const rawInputs = settings.features.join() === 'x1,x2';
  const checkpoint = nt.train.createCheckpoint({
    model: r.model,
    epoch: r.epoch,
    optimizer: r.optimizer as nt.optim.AnyOptimizer,
    architecture,
    preprocessing: rawInputs
      ? { input: { description: 'points (x₁, x₂) of the playground, in [−6, 6]², as [N, 2]', steps: [] } }
      : undefined,
    extra: {
      kind: KIND,
      version: 1,
      settings,
      classes: r.classes,
      features: `the inputs are ${settings.features.join(', ')} of the point (x1, x2), in this order`,
      points: settings.dataset === 'custom' ? points : undefined,
      neurite: __NEURITE_VERSION__,
    },
    rng: null,
  });
  const files = await encodeCheckpointFiles(checkpoint);
  post({ type: 'saved', ...files }, [files.weights.buffer]);
}

let pendingCheckpoint: nt.train.Checkpoint | null = null;

async function load(manifestText: string, weights: ArrayBuffer, source: string): Promise<void> {
  const ckpt = await decodeCheckpointFiles(manifestText, new Uint8Array(weights), source);
  const extra = ckpt.extra as {
    kind?: string;
    settings?: PlaygroundSettings;
    points?: Point[];
    classes?: number;
  } | null;
  if (extra?.kind !== KIND || !extra.settings) {
    const preset = (extra as { preset?: string } | null)?.preset;
    const arch = ckpt.architecture?.type;
    throw new Error(
      `${source} was not saved by the playground (it holds ${arch ? `a ${arch}` : 'a model'}${preset ? ` from neurite train ${preset}` : ''}); MNIST checkpoints open in the MNIST page`,
    );
  }
  pendingCheckpoint = ckpt;
  post({
    type: 'loaded',
    settings: extra.settings,
    points: extra.points ?? [],
    description: `${source}: ${extra.settings.hidden.length ? `${extra.settings.hidden.join('-')} hidden units` : 'no hidden layer'}, trained ${ckpt.epoch} epochs`,
  });
}

function restore(r: Run): void {
  const ckpt = pendingCheckpoint;
  pendingCheckpoint = null;
  if (!ckpt) return;
  r.model.loadStateDict(ckpt.model);
  r.epoch = ckpt.epoch;
  const tr = evaluate(r, r.trainX, r.trainY);
  const te = evaluate(r, r.testX, r.testY);
  r.pending = [
    {
      epoch: r.epoch,
      trainLoss: tr.loss,
      testLoss: te.loss,
      trainAccuracy: tr.accuracy,
      testAccuracy: te.accuracy,
    },
  ];
  postState(r, 0);
}

function fail(e: unknown, where: 'setup' | 'train' | 'load'): void {
  running = false;
  post({ type: 'error', message: (e as Error)?.message ?? String(e), where });
}

async function loop(): Promise<void> {
  if (loopActive) return;
  loopActive = true;
  let rate = 0;
  // drawing the maps costs a forward pass over 6,400 grid points, which for a large network takes longer than
  // an epoch: train at least three times as long as the last drawing took, so training keeps ≥ 75 % of the time
  let drawMs = 0;
  // the rate shown is wall-clock over the last two seconds: training, drawing and messages included
  const recent: { t: number; epoch: number }[] = [{ t: performance.now(), epoch: run?.epoch ?? 0 }];
  try {
    while (running && run) {
      const r = run;
      const t0 = performance.now();
      do {
        trainEpoch(r);
      } while (performance.now() - t0 < Math.max(FRAME_MS, 3 * drawMs));
      const now = performance.now();
      recent.push({ t: now, epoch: r.epoch });
      while (recent.length > 2 && now - recent[1].t > 2000) recent.shift();
      rate = (r.epoch - recent[0].epoch) / ((now - recent[0].t) / 1000);
      postState(r, rate);
      drawMs = performance.now() - now;
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  } catch (e) {
    fail(e, 'train');
    if (run) postState(run, 0);
  } finally {
    loopActive = false;
  }
}

function handle(msg: ToWorker): void {
  try {
    switch (msg.type) {
      case 'setup':
        running = false;
        run = setup(msg.settings, msg.train, msg.test, msg.classes);
        run.pending.push({
          epoch: 0,
          ...(() => {
            const tr = evaluate(run, run.trainX, run.trainY);
            const te = evaluate(run, run.testX, run.testY);
            return {
              trainLoss: tr.loss,
              testLoss: te.loss,
              trainAccuracy: tr.accuracy,
              testAccuracy: te.accuracy,
            };
          })(),
        });
        postState(run, 0);
        break;
      case 'play':
        if (!run) return;
        running = true;
        void loop();
        break;
      case 'pause':
        running = false;
        if (run) postState(run, 0);
        break;
      case 'step':
        if (!run) return;
        running = false;
        trainEpoch(run);
        postState(run, 0);
        break;
      case 'save':
        if (run) save(run, msg.points).catch((e) => fail(e, 'load'));
        break;
      case 'load':
        running = false;
        load(msg.manifestText, msg.weights, msg.source).catch((e) => fail(e, 'load'));
        break;
      case 'restore':
        if (run) restore(run);
        break;
    }
  } catch (e) {
    fail(e, msg.type === 'setup' ? 'setup' : 'train');
  }
}

// the backend is chosen first; then messages are handled in order (handle reports its own errors)
serve(post, handle, (message) => fail(new Error(message), 'train'));
