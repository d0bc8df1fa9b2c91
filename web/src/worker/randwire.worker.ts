/**
 * The RandWire page's training worker: builds the randomly wired network the settings describe (its graphs come
 * from neurite's generators), trains it on the digits neurite ships, evaluates on the 2,000 test digits every half
 * epoch, and posts the latest state — curves, and σ(w) of every edge — every 150 ms. It also runs the comparison:
 * the same budget for ER, BA and WS, one after the other, and saves and loads the network as a checkpoint of the
 * CLI's randwire-mnist preset.
 */
import * as nt from 'neurite/browser';
import { describeForCheckpoint, describeNetwork, settingsFromCheckpoint } from '../randwire/checkpoint.js';
import { buildNet, countMacs, edgeWeights, parameterCount, stageInfos } from '../randwire/network.js';
import type {
  CompareRow,
  FromRandwireWorker,
  GraphType,
  RandwireRecord,
  RandwireSettings,
  RandwireState,
  ToRandwireWorker,
} from '../randwire/protocol.js';
import { decodeCheckpointFiles, encodeModelCheckpoint } from './checkpoint.js';
import {
  IMAGES,
  imageBatch,
  labelBatch,
  loadMnistData,
  type MnistData,
  shuffledTrainOrder,
  TRAIN,
} from './mnist-data.js';
import { serve } from './serve.js';

const POST_MS = 150;
const EVAL_BATCH = 250;
/** The order in which the comparison trains the generators (the paper's Table 2 order). */
const COMPARE_ORDER: GraphType[] = ['er', 'ba', 'ws'];

const post = (msg: FromRandwireWorker, transfer: Transferable[] = []) =>
  (self as unknown as Worker).postMessage(msg, transfer);

/** One network in training: the page's, or one of the comparison's. */
interface Run {
  settings: RandwireSettings;
  net: nt.models.RandWireNet;
  optimizer: nt.optim.Adam;
  schedule: nt.optim.CosineAnnealingLR;
  shuffle: nt.Generator;
  order: Int32Array;
  cursor: number;
  samples: number;
  budget: number;
  lossSum: number;
  rightSum: number;
  seenSinceRecord: number;
  records: RandwireRecord[];
  testAccuracy: number | null;
  nextEval: number;
  /** Training accuracy over the last epoch's batches (the comparison's table shows it). */
  epochRight: number;
  epochSeen: number;
  lastEpochAccuracy: number | null;
  seconds: number;
}

let data: MnistData | null = null;
let pendingData: Promise<MnistData> | null = null;
let run: Run | null = null;
let running = false;
let loopActive = false;
let rate = 0;
let compare: { index: number; run: Run; rows: CompareRow[] } | null = null;

function newRun(settings: RandwireSettings, type: GraphType = settings.graph): Run {
  const net = buildNet(settings, type);
  const budget = settings.epochs * TRAIN;
  const optimizer = new nt.optim.Adam(net.parameters(), { lr: settings.lr });
  const shuffle = new nt.Generator(settings.seed + 1);
  return {
    settings,
    net,
    optimizer,
    // the rate falls along a cosine to 0 at the end of the budget, as the CLI's randwire-mnist preset does
    schedule: new nt.optim.CosineAnnealingLR(optimizer, Math.ceil(budget / settings.batchSize)),
    shuffle,
    order: shuffledTrainOrder(shuffle),
    cursor: 0,
    samples: 0,
    budget,
    lossSum: 0,
    rightSum: 0,
    seenSinceRecord: 0,
    records: [],
    testAccuracy: null,
    nextEval: TRAIN / 2,
    epochRight: 0,
    epochSeen: 0,
    lastEpochAccuracy: null,
    seconds: 0,
  };
}

function trainBatch(r: Run, recordCurves: boolean): void {
  const t0 = performance.now();
  const idx = r.order.subarray(r.cursor, Math.min(TRAIN, r.cursor + r.settings.batchSize));
  r.net.train();
  const logits = r.net.forward(imageBatch(data!, idx));
  const y = labelBatch(data!, idx);
  const loss = nt.crossEntropy(logits, y);
  r.optimizer.zeroGrad();
  loss.backward();
  r.optimizer.step();
  r.schedule.step();
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
  r.epochRight += right;
  r.epochSeen += idx.length;
  r.seenSinceRecord += idx.length;
  r.samples += idx.length;
  r.cursor += idx.length;
  if (r.cursor >= TRAIN) {
    r.cursor = 0;
    r.order = shuffledTrainOrder(r.shuffle);
    r.lastEpochAccuracy = r.epochRight / r.epochSeen;
    r.epochRight = 0;
    r.epochSeen = 0;
  }
  if (recordCurves) {
    if (r.seenSinceRecord >= 320) flushTrainRecord(r);
    if (r.samples >= r.nextEval || r.samples >= r.budget) {
      evaluate(r);
      r.nextEval += TRAIN / 2;
    }
  }
  r.seconds += (performance.now() - t0) / 1000;
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

/** Loss and accuracy on the 2,000 test digits; with `record`, a point on the test curves too. */
function evaluate(r: Run, record = true): void {
  r.net.eval();
  let right = 0;
  let lossSum = 0;
  nt.noGrad(() => {
    for (let start = TRAIN; start < IMAGES; start += EVAL_BATCH) {
      const idx = Int32Array.from({ length: Math.min(EVAL_BATCH, IMAGES - start) }, (_, i) => start + i);
      const logits = r.net.forward(imageBatch(data!, idx));
      const y = labelBatch(data!, idx);
      lossSum += nt.crossEntropy(logits, y).item() * idx.length;
      const pred = logits.argmax(1).data;
      for (let i = 0; i < idx.length; i++) if (pred[i] === y.data[i]) right++;
    }
  });
  const n = IMAGES - TRAIN;
  r.testAccuracy = right / n;
  if (!record) return;
  flushTrainRecord(r);
  r.records.push({
    epoch: r.samples / TRAIN,
    trainLoss: null,
    trainAccuracy: null,
    testLoss: lossSum / n,
    testAccuracy: right / n,
  });
}

function postState(r: Run): void {
  const state: RandwireState = {
    type: 'state',
    running,
    done: r.samples >= r.budget,
    epoch: r.samples / TRAIN,
    samples: r.samples,
    samplesPerSecond: running ? rate : 0,
    records: r.records,
    testAccuracy: r.testAccuracy,
    weights: edgeWeights(r.net),
    seconds: r.seconds,
  };
  post(state);
  r.records = [];
}

function compareRow(r: Run, type: GraphType): CompareRow {
  const s = r.settings;
  const label = type === 'ws' ? `WS(${s.k}, ${s.wsP})` : type === 'er' ? `ER(${s.erP})` : `BA(${s.m})`;
  return {
    graph: type,
    label,
    edges: r.net.graphs().map((g) => g.edges.length),
    params: parameterCount(r.net),
    macs: countMacs(r.net).macs,
    testAccuracy: r.samples >= r.budget ? r.testAccuracy : null,
    trainAccuracy: r.lastEpochAccuracy,
    seconds: r.seconds,
    epoch: r.samples / TRAIN,
  };
}

/** The next batch of whatever is going on: the page's network, or the comparison. Returns false when idle. */
function work(): boolean {
  if (compare) {
    const c = compare;
    const type = COMPARE_ORDER[c.index];
    if (c.run.samples >= c.run.budget) {
      evaluate(c.run, false);
      c.rows[c.index] = compareRow(c.run, type);
      const finished = c.index === COMPARE_ORDER.length - 1;
      post({ type: 'compare-row', index: c.index, row: c.rows[c.index], finished });
      if (finished) {
        compare = null;
        return false;
      }
      c.index++;
      c.run = newRun(c.run.settings, COMPARE_ORDER[c.index]);
      return true;
    }
    trainBatch(c.run, false);
    return true;
  }
  if (!running || !run) return false;
  if (run.samples >= run.budget) {
    running = false;
    flushTrainRecord(run);
    postState(run);
    return false;
  }
  trainBatch(run, true);
  return true;
}

async function loop(): Promise<void> {
  if (loopActive) return;
  loopActive = true;
  try {
    let last = performance.now();
    let samplesAtLast = run?.samples ?? 0;
    while (work()) {
      const now = performance.now();
      if (now - last >= POST_MS) {
        if (compare) {
          const c = compare;
          post({
            type: 'compare-row',
            index: c.index,
            row: compareRow(c.run, COMPARE_ORDER[c.index]),
            finished: false,
          });
        } else if (run) {
          const current = (run.samples - samplesAtLast) / ((now - last) / 1000);
          rate = rate === 0 ? current : 0.7 * rate + 0.3 * current;
          samplesAtLast = run.samples;
          postState(run);
        }
        last = now;
        // let the page's messages (pause, new settings) in
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    }
  } catch (e) {
    running = false;
    compare = null;
    post({ type: 'error', message: (e as Error)?.message ?? String(e) });
  } finally {
    loopActive = false;
  }
}

/** The field of the page a generator's or the network's error is about, from neurite's message. */
function fieldOf(message: string): string {
  if (/\bK must\b/.test(message)) return 'k';
  if (/\bM must\b/.test(message)) return 'm';
  if (/\bP must\b/.test(message)) return message.startsWith('ER') ? 'erp' : 'wsp';
  if (/node count/.test(message)) return 'nodes';
  return 'graph';
}

/** The settings of the last setup (a checkpoint's network keeps the training settings it does not record). */
let lastSettings: RandwireSettings | null = null;

function setup(settings: RandwireSettings): void {
  lastSettings = settings;
  running = false;
  compare = null;
  let next: Run;
  try {
    next = newRun(settings);
  } catch (e) {
    run = null;
    const message = (e as Error).message;
    post({ type: 'settings-error', field: fieldOf(message), message });
    return;
  }
  run = next;
  rate = 0;
  postNetwork(run);
  postState(run);
}

function postNetwork(r: Run): void {
  const { macs, stageSizes } = countMacs(r.net);
  post({ type: 'network', stages: stageInfos(r.net, stageSizes), params: parameterCount(r.net), macs });
}

// ---------------------------------------------------------------------------------------------------------------
// checkpoints in the CLI's format: the network as `neurite train randwire-mnist` with the page's flags builds it

async function save(r: Run): Promise<void> {
  const epochs = Math.floor(r.samples / TRAIN);
  const d = describeForCheckpoint(r.settings, epochs);
  const files = await encodeModelCheckpoint({
    model: r.net,
    epoch: epochs,
    architecture: d.architecture,
    preprocessing: { input: d.input },
    extra: d.recipe,
  });
  post({ type: 'saved', ...files }, [files.weights.buffer]);
}

async function load(msg: Extract<ToRandwireWorker, { type: 'load' }>): Promise<void> {
  const ckpt = await decodeCheckpointFiles(msg.manifestText, new Uint8Array(msg.weights), msg.source);
  if (!lastSettings) throw new Error('The page is still starting; try again in a moment.');
  const settings = settingsFromCheckpoint(ckpt, lastSettings, msg.source);
  let next: Run;
  try {
    next = newRun(settings);
  } catch (e) {
    throw new Error(`${msg.source}: its network cannot be built: ${(e as Error).message}`);
  }
  try {
    next.net.loadStateDict(ckpt.model);
  } catch (e) {
    throw new Error(`${msg.source}: the weights do not fit the network: ${(e as Error).message}`);
  }
  running = false;
  compare = null;
  lastSettings = settings;
  // it has trained ckpt.epoch epochs; play trains it for the page's budget more, along a fresh cosine schedule
  next.samples = ckpt.epoch * TRAIN;
  next.budget = next.samples + settings.epochs * TRAIN;
  next.nextEval = next.samples + TRAIN / 2;
  run = next;
  rate = 0;
  evaluate(run);
  const trained = ckpt.epoch > 0 ? `, trained ${ckpt.epoch} epoch${ckpt.epoch === 1 ? '' : 's'}` : '';
  post({ type: 'loaded', settings, description: `${msg.source}: ${describeNetwork(settings)}${trained}` });
  postNetwork(run);
  postState(run);
}

async function handle(msg: ToRandwireWorker): Promise<void> {
  switch (msg.type) {
    case 'setup':
      // the graphs are drawn at once; the digits are only needed to train
      setup(msg.settings);
      if (!data) {
        pendingData ??= loadMnistData(msg.dataUrl);
        data = await pendingData;
        post({ type: 'data-loaded' });
      }
      break;
    case 'play':
      if (!run || !data) return;
      compare = null;
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
      if (!run || !data || compare) return;
      running = false;
      if (run.samples < run.budget) trainBatch(run, true);
      postState(run);
      break;
    case 'compare': {
      if (!run || !data) return;
      running = false;
      postState(run);
      compare = { index: 0, run: newRun(run.settings, COMPARE_ORDER[0]), rows: [] };
      void loop();
      break;
    }
    case 'stop-compare':
      compare = null;
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
  }
}

// the backend is chosen first; then messages are handled one at a time, in order (setup awaits the digits)
serve(post, handle, (message) => {
  running = false;
  post({ type: 'error', message });
});
