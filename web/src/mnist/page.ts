/**
 * Page 2, a CNN on MNIST: LeNet-5 learns the digits that ship with neurite, in a worker. Left to right: the
 * data (test digits to inspect, a drawing pad), what the model learned (first-layer filters, feature maps), and
 * how training goes (curves, confusion matrix, misclassified digits).
 */
import { sizeCanvas } from '../common/canvas.js';
import { Curves } from '../common/chart.js';
import {
  checkpointLoadControl,
  downloadCheckpoint,
  fetchRunCheckpoint,
  pickCheckpoint,
  readCheckpoint,
} from '../common/checkpoint.js';
import { diverging, viridis } from '../common/colors.js';
import { epochsLabel, field, iconButton, numberSelect, seedInput, showPlaying } from '../common/controls.js';
import { fmt, h, select } from '../common/dom.js';
import { FrameScheduler } from '../common/frame.js';
import { explainPanel, type Page, type PageContext } from '../common/page.js';
import { oneOf, seedParam } from '../common/params.js';
import { DrawingPad } from './pad.js';
import {
  type FeatureMaps,
  type FromMnistWorker,
  MNIST_MODELS,
  type MnistSettings,
  type MnistState,
  type ToMnistWorker,
} from './protocol.js';

const PIXELS = 784;
const MODEL_LABELS: Record<MnistSettings['model'], string> = {
  'lenet5-relu': 'LeNet-5 (ReLU, max pooling)',
  lenet5: 'LeNet-5 (tanh, average pooling — the paper)',
  mlp: 'MLP 784-100-10 (no convolutions)',
};
const LEARNING_RATES = [0.0003, 0.001, 0.003, 0.01, 0.03];
const BATCH_SIZES = [16, 32, 64, 128];
const BUDGETS = [1, 2, 3, 5, 10];

/**
 * LeNet-5 with ReLU and max pooling, Adam at 0.003, two epochs: 96.9 % on the 2,000 test digits (the paper's tanh and
 * average pooling reach 94.9 % in the same budget; it is one click away).
 */
export const MNIST_DEFAULTS: MnistSettings = {
  model: 'lenet5-relu',
  lr: 0.003,
  batchSize: 32,
  epochs: 2,
  seed: 0,
};

const EXPLANATION = `A convolutional network reads an image the way the lecture draws it: small filters slide over the
picture, each looking for one local pattern (an edge, a stroke end, a curve) wherever it appears, and pooling layers
shrink the maps so later filters see larger parts of the digit. LeNet-5 (LeCun et al., 1998) does this twice and then
classifies with a few dense layers — 61,706 weights, far fewer than a dense network with the same accuracy needs. Press
play: the first layer's 5×5 filters turn from noise into stroke detectors, the feature maps of the chosen digit show
what each filter found, and the confusion matrix shows which digits it still mixes up. Draw your own digit on the pad.`;

export function mnistSettingsFromParams(p: URLSearchParams): MnistSettings {
  const d = MNIST_DEFAULTS;
  return {
    model: oneOf(p.get('model'), MNIST_MODELS, d.model, (s) => s as MnistSettings['model']),
    lr: oneOf(p.get('lr'), LEARNING_RATES, d.lr, Number),
    batchSize: oneOf(p.get('batchSize'), BATCH_SIZES, d.batchSize, Number),
    epochs: oneOf(p.get('epochs'), BUDGETS, d.epochs, Number),
    seed: seedParam(p, d.seed),
  };
}

/** Draws a 28×28 digit (bytes 0–255, ink bright) as crisp pixels: ink dark on the page's paper. */
export function drawDigit(
  canvas: HTMLCanvasElement,
  bytes: Uint8Array | Float32Array,
  offset: number,
  size: number,
  scale = 255,
): void {
  const ctx = sizeCanvas(canvas, size, size);
  const img = new ImageData(28, 28);
  for (let i = 0; i < PIXELS; i++) {
    const v = 255 - Math.round((bytes[offset + i] / scale) * 255);
    img.data[4 * i] = v;
    img.data[4 * i + 1] = v;
    img.data[4 * i + 2] = v;
    img.data[4 * i + 3] = 255;
  }
  const tmp = document.createElement('canvas');
  tmp.width = 28;
  tmp.height = 28;
  tmp.getContext('2d')!.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tmp, 0, 0, size, size);
}

/** Paints a small grid of values as crisp cells with a colour function. */
function paintCells(
  canvas: HTMLCanvasElement,
  rows: number,
  cols: number,
  size: number,
  color: (i: number) => readonly [number, number, number],
): void {
  const ctx = sizeCanvas(canvas, (size * cols) / Math.max(rows, cols), (size * rows) / Math.max(rows, cols));
  const img = new ImageData(cols, rows);
  for (let i = 0; i < rows * cols; i++) {
    const [r, g, b] = color(i);
    img.data[4 * i] = r;
    img.data[4 * i + 1] = g;
    img.data[4 * i + 2] = b;
    img.data[4 * i + 3] = 255;
  }
  const tmp = document.createElement('canvas');
  tmp.width = cols;
  tmp.height = rows;
  tmp.getContext('2d')!.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tmp, 0, 0, (size * cols) / Math.max(rows, cols), (size * rows) / Math.max(rows, cols));
}

export class MnistPage implements Page {
  readonly element: HTMLElement;
  private settings: MnistSettings;
  private worker: Worker;
  private testImages: Uint8Array | null = null;
  private testLabels: Uint8Array | null = null;
  private inspected: number;
  private running = false;
  private latest: MnistState | null = null;
  private painted: MnistState | null = null;
  private repaint = new FrameScheduler(() => this.paint());
  private lastEvaluation: MnistState['evaluation'] = null;
  private predictionId = 0;

  private playButton = h('button', { id: 'play', class: 'play', 'aria-label': 'play' });
  private epochEl = h('span', { id: 'epoch', class: 'value' }, '0.00');
  private speedEl = h('span', { id: 'speed', class: 'small' }, '');
  private statusEl = h('div', { id: 'status', class: 'small' }, 'Loading the digits…');
  private message = h('div', { id: 'mnist-message', class: 'message', role: 'alert' });
  private controlsBar = h('div', { class: 'controls' });
  private digitStrip = h('div', {
    class: 'digit-strip',
    role: 'group',
    'aria-label': 'test digits to inspect',
  });
  private inspectedCanvas = h('canvas', { id: 'inspected-digit' });
  private inspectedInfo = h('div', { id: 'inspected-info', class: 'small' });
  private probabilities = h('div', { class: 'probs', id: 'inspected-probs' });
  private filters = h('div', { class: 'filters', id: 'filters' });
  private maps = h('div', { class: 'maps', id: 'maps' });
  private confusion = h('canvas', { id: 'confusion' });
  private accuracyEl = h('div', { id: 'test-accuracy', class: 'big-number' }, '–');
  private wrongEl = h('div', { class: 'wrong', id: 'wrong' });
  private lossCurves = new Curves({
    yLabel: 'cross-entropy',
    width: 330,
    height: 160,
    logSwitch: true,
    testPoints: true,
  });
  private accCurves = new Curves({
    yLabel: 'accuracy (%)',
    width: 330,
    height: 140,
    yRange: [0, 100],
    testPoints: true,
  });
  private pad: DrawingPad;
  private padProbs = h('div', { class: 'probs', id: 'pad-probs' });

  constructor(private ctx: PageContext) {
    this.settings = mnistSettingsFromParams(ctx.params);
    this.inspected = Math.max(0, Math.min(1999, Math.floor(Number(ctx.params.get('digit')) || 0)));
    this.pad = new DrawingPad((pixels) => this.predict(pixels));
    this.worker = new Worker(new URL('../worker/mnist.worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e: MessageEvent<FromMnistWorker>) => this.onWorker(e.data);
    this.worker.onerror = (e) => this.showMessage(`The training worker failed: ${e.message}`);
    this.element = h(
      'section',
      { class: 'page mnist' },
      explainPanel('A convolutional network on MNIST', EXPLANATION),
      this.controlsBar,
      this.message,
      h(
        'div',
        { class: 'columns mnist-columns' },
        h(
          'div',
          { class: 'col' },
          h('h3', {}, 'Data: test digits'),
          this.digitStrip,
          h(
            'div',
            { class: 'row top' },
            this.inspectedCanvas,
            h('div', { class: 'grow' }, this.inspectedInfo, this.probabilities),
          ),
          h(
            'button',
            {
              id: 'to-pad',
              title: 'draw the chosen test digit on the pad',
              onclick: () => {
                if (this.testImages) {
                  const off = this.inspected * PIXELS;
                  this.pad.show(Array.from(this.testImages.subarray(off, off + PIXELS), (v) => v / 255));
                }
              },
            },
            'Copy it to the pad ↓',
          ),
          h('h3', { class: 'spaced' }, 'Draw a digit'),
          h('div', { class: 'row top' }, this.pad.element, this.padProbs),
        ),
        h(
          'div',
          { class: 'col' },
          h('h3', {}, 'What it learned: first-layer filters'),
          this.filters,
          h('h3', { class: 'spaced' }, 'Feature maps of the chosen digit'),
          this.maps,
        ),
        h(
          'div',
          { class: 'col' },
          h('h3', {}, 'How training goes'),
          h(
            'div',
            { class: 'row' },
            h('span', { class: 'small' }, 'Test accuracy'),
            this.accuracyEl,
            this.statusEl,
          ),
          this.lossCurves.element,
          this.accCurves.element,
          h('h3', { class: 'spaced' }, 'Confusion matrix (rows: true digit)'),
          this.confusion,
          h('h3', { class: 'spaced' }, 'Misclassified test digits'),
          this.wrongEl,
        ),
      ),
    );
    this.renderControls();
    this.setPlaying(false);
    this.writeUrl();
    this.reset();
    this.loadedRun = ctx.params.get('checkpoint');
    if (this.loadedRun) {
      this.writeUrl();
      void this.loadRun(this.loadedRun);
    }
    this.paintProbabilities(this.padProbs, null);
  }

  private writeUrl(): void {
    const p = new URLSearchParams();
    p.set('model', this.settings.model);
    p.set('lr', String(this.settings.lr));
    p.set('batchSize', String(this.settings.batchSize));
    p.set('epochs', String(this.settings.epochs));
    p.set('seed', String(this.settings.seed));
    p.set('digit', String(this.inspected));
    // a run folder's checkpoint stays in the URL until the model is reset or changed, so the link reopens it
    if (this.loadedRun) p.set('checkpoint', this.loadedRun);
    this.ctx.setParams(p);
  }

  /** The run whose checkpoint the page shows (from the dashboard), or null. */
  private loadedRun: string | null = null;

  private update(patch: Partial<MnistSettings>): void {
    this.loadedRun = null;
    this.settings = { ...this.settings, ...patch };
    this.writeUrl();
    this.reset();
  }

  private send(msg: ToMnistWorker): void {
    this.worker.postMessage(msg);
  }

  private reset(): void {
    this.setPlaying(false);
    this.lossCurves.clear();
    this.accCurves.clear();
    this.lossCurves.render();
    this.accCurves.render();
    this.lastEvaluation = null;
    this.accuracyEl.textContent = '–';
    this.accuracyEl.removeAttribute('data-value');
    this.wrongEl.replaceChildren(h('span', { class: 'small' }, 'Evaluated every half epoch.'));
    this.message.textContent = '';
    this.send({
      type: 'setup',
      settings: this.settings,
      dataUrl: new URL('data/mnist/', location.href).href,
    });
    this.send({ type: 'inspect', index: this.inspected });
  }

  private setPlaying(on: boolean): void {
    this.running = on;
    showPlaying(this.playButton, on);
  }

  private renderControls(): void {
    const s = this.settings;
    const reset = iconButton('reset', 'reset', 'reset the model', () => {
      this.loadedRun = null;
      this.writeUrl();
      this.reset();
    });
    const step = iconButton('step', 'step', 'train one batch', () => {
      this.setPlaying(false);
      this.send({ type: 'step' });
    });
    this.playButton.onclick = () => {
      this.setPlaying(!this.running);
      this.send({ type: this.running ? 'play' : 'pause' });
    };
    const seed = seedInput(s.seed, (seed) => this.update({ seed }));
    this.controlsBar.replaceChildren(
      h('div', { class: 'transport' }, reset, this.playButton, step),
      h('div', { class: 'stat' }, h('span', { class: 'small' }, 'Epoch'), this.epochEl, this.speedEl),
      field(
        'Model',
        select(
          'model',
          MNIST_MODELS.map((m) => [m, MODEL_LABELS[m]] as const),
          s.model,
          (v) => this.update({ model: v as MnistSettings['model'] }),
        ),
      ),
      field('Optimiser', h('span', { class: 'value-text' }, 'Adam')),
      field(
        'Learning rate',
        numberSelect('lr', LEARNING_RATES, s.lr, (v) => this.update({ lr: v })),
      ),
      field(
        'Batch size',
        numberSelect('batch-size', BATCH_SIZES, s.batchSize, (v) => this.update({ batchSize: v })),
      ),
      field(
        'Budget',
        numberSelect('epochs', BUDGETS, s.epochs, (v) => this.update({ epochs: v }), epochsLabel),
      ),
      field('Seed', seed),
      h('div', { class: 'ckpt' }, this.saveButton(), this.loadControl()),
    );
  }

  private saveButton(): HTMLElement {
    return h(
      'button',
      {
        id: 'save',
        title:
          'download checkpoint.json and its weights file (the CLI format: neurite eval <folder> runs it)',
        onclick: () => this.send({ type: 'save' }),
      },
      'Save checkpoint',
    );
  }

  private loadControl(): HTMLElement {
    return checkpointLoadControl(
      'Load checkpoint…',
      { title: 'choose checkpoint.json and its weights-….safetensors' },
      (files) => void this.loadFiles(files),
    );
  }

  /** checkpoint.json and its weights file, chosen together in the file dialog. */
  private async loadFiles(files: File[]): Promise<void> {
    const picked = pickCheckpoint(files);
    if (typeof picked === 'string') {
      this.showMessage(picked);
      return;
    }
    this.send({ type: 'load', ...(await readCheckpoint(picked)) });
  }

  /** A run folder the studio serves (from the dashboard's "open in this page"). */
  private async loadRun(name: string): Promise<void> {
    try {
      this.send({ type: 'load', ...(await fetchRunCheckpoint(name)) });
    } catch (e) {
      this.showMessage((e as Error).message);
    }
  }

  private showMessage(text: string, isError = true): void {
    this.message.textContent = text;
    this.message.classList.toggle('error', isError);
  }

  private predict(pixels: Float32Array): void {
    this.send({ type: 'predict', pixels, id: ++this.predictionId });
  }

  private onWorker(msg: FromMnistWorker): void {
    switch (msg.type) {
      case 'ready':
        this.ctx.backendBadge.textContent = `backend: ${msg.backend}`;
        this.ctx.backendBadge.dataset.backend = msg.backend;
        break;
      case 'data':
        this.testImages = msg.testImages;
        this.testLabels = msg.testLabels;
        this.renderDigitStrip();
        break;
      case 'state':
        for (const r of msg.records) {
          if (r.trainLoss !== null) this.lossCurves.push(r.epoch, r.trainLoss, null);
          if (r.testLoss !== null) this.lossCurves.push(r.epoch, null, r.testLoss);
          if (r.trainAccuracy !== null) this.accCurves.push(r.epoch, r.trainAccuracy * 100, null);
          if (r.testAccuracy !== null) this.accCurves.push(r.epoch, null, r.testAccuracy * 100);
        }
        if (msg.evaluation) this.lastEvaluation = msg.evaluation;
        if (!msg.running && this.running && msg.done) this.setPlaying(false);
        this.latest = msg;
        this.repaint.request();
        break;
      case 'saved':
        downloadCheckpoint(msg);
        this.showMessage(
          `Saved checkpoint.json and ${msg.weightsName}: put both in one folder, then \`neurite eval <folder>\` evaluates it and PyTorch loads the weights by key.`,
          false,
        );
        break;
      case 'loaded':
        this.settings = msg.settings;
        this.writeUrl();
        this.renderControls();
        this.setPlaying(false);
        this.lossCurves.clear();
        this.accCurves.clear();
        this.showMessage(
          `Loaded ${msg.description}. Draw on the pad, or press play to train it further.`,
          false,
        );
        this.message.dataset.loaded = 'true';
        break;
      case 'load-error':
        this.showMessage(msg.message);
        break;
      case 'prediction':
        if (msg.id === this.predictionId) this.paintProbabilities(this.padProbs, msg.probabilities);
        break;
      case 'error':
        this.setPlaying(false);
        this.showMessage(msg.message);
        break;
    }
  }

  private paint(): void {
    const s = this.latest;
    if (!s || s === this.painted) return;
    this.painted = s;
    this.epochEl.textContent = s.epoch.toFixed(2);
    this.epochEl.dataset.epoch = String(s.epoch);
    this.epochEl.dataset.running = String(s.running);
    this.epochEl.dataset.done = String(s.done);
    this.speedEl.textContent = s.running
      ? `${fmt(s.samplesPerSecond / 8000)} epochs/s · ${Math.round(s.samplesPerSecond).toLocaleString('en')} samples/s`
      : s.done
        ? `budget of ${this.settings.epochs} epoch${this.settings.epochs === 1 ? '' : 's'} reached`
        : '';
    this.statusEl.textContent = `${s.samples.toLocaleString('en')} digits seen`;
    this.lossCurves.render();
    this.accCurves.render();
    this.paintFilters(s.filters);
    this.paintMaps(s.maps);
    this.paintInspected(s);
    const ev = this.lastEvaluation;
    if (ev) {
      this.accuracyEl.textContent = `${(ev.accuracy * 100).toFixed(2)} %`;
      this.accuracyEl.dataset.value = String(ev.accuracy);
      this.paintConfusion(ev.confusion);
      this.paintWrong(ev.wrong);
      this.lastEvaluation = null;
    }
  }

  private renderDigitStrip(): void {
    const imgs = this.testImages;
    if (!imgs) return;
    const buttons = Array.from({ length: 24 }, (_, i) => {
      const c = h('canvas');
      drawDigit(c, imgs, i * PIXELS, 28);
      return h(
        'button',
        {
          class: `digit${i === this.inspected ? ' on' : ''}`,
          id: `digit-${i}`,
          'aria-label': `inspect test digit ${i} (a ${this.testLabels![i]})`,
          onclick: () => this.inspect(i),
        },
        c,
      );
    });
    this.digitStrip.replaceChildren(...buttons);
  }

  private inspect(index: number): void {
    this.inspected = index;
    this.writeUrl();
    this.renderDigitStrip();
    this.send({ type: 'inspect', index });
  }

  private paintInspected(s: MnistState): void {
    if (!this.testImages) return;
    drawDigit(this.inspectedCanvas, this.testImages, s.inspected.index * PIXELS, 84);
    this.inspectedInfo.textContent = `test digit #${s.inspected.index}: a ${s.inspected.label}, the model says ${s.inspected.predicted}`;
    this.paintProbabilities(this.probabilities, s.inspected.probabilities);
  }

  private paintProbabilities(host: HTMLElement, p: Float32Array | null): void {
    let best = -1;
    if (p) for (let c = 0; c < 10; c++) if (best < 0 || p[c] > p[best]) best = c;
    host.dataset.predicted = p ? String(best) : '';
    host.replaceChildren(
      ...Array.from({ length: 10 }, (_, c) => {
        const v = p ? p[c] : 0;
        return h(
          'div',
          { class: `prob${c === best ? ' best' : ''}` },
          h('span', {}, String(c)),
          h('i', { style: `width:${(v * 100).toFixed(1)}%` }),
          h('span', { class: 'small' }, p ? `${(v * 100).toFixed(0)} %` : ''),
        );
      }),
    );
  }

  private paintFilters(f: MnistState['filters']): void {
    if (!f) {
      this.filters.replaceChildren(
        h(
          'span',
          { class: 'small' },
          'An MLP has no convolution filters: each of its first-layer units sees the whole image.',
        ),
      );
      return;
    }
    let peak = 1e-6;
    for (const v of f.data) peak = Math.max(peak, Math.abs(v));
    const area = f.size * f.size;
    if (
      this.filters.children.length !== f.count ||
      !(this.filters.firstElementChild instanceof HTMLCanvasElement)
    ) {
      this.filters.replaceChildren(
        ...Array.from({ length: f.count }, () => h('canvas', { class: 'filter' })),
      );
    }
    Array.from(this.filters.children).forEach((c, k) => {
      paintCells(c as HTMLCanvasElement, f.size, f.size, 56, (i) => diverging(f.data[k * area + i] / peak));
    });
  }

  private paintMaps(maps: FeatureMaps[]): void {
    if (maps.length === 0) {
      this.maps.replaceChildren(
        h('span', { class: 'small' }, 'No feature maps: this model has no convolution layers.'),
      );
      return;
    }
    const rows = maps.map((m) => {
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const v of m.data) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      const span = hi - lo || 1;
      const plane = m.height * m.width;
      const size = m.channels > 6 ? 26 : 40;
      return h(
        'div',
        { class: 'map-row' },
        h('div', { class: 'small' }, `${m.name} — ${m.channels}@${m.height}×${m.width}`),
        h(
          'div',
          { class: 'map-cells' },
          ...Array.from({ length: m.channels }, (_, c) => {
            const canvas = h('canvas', { class: 'fmap' });
            paintCells(canvas, m.height, m.width, size, (i) => viridis((m.data[c * plane + i] - lo) / span));
            return canvas;
          }),
        ),
      );
    });
    this.maps.replaceChildren(...rows);
  }

  private paintConfusion(conf: Int32Array): void {
    const cell = 26;
    const pad = 18;
    const size = pad + cell * 10;
    const ctx = sizeCanvas(this.confusion, size, size);
    const fg = getComputedStyle(document.documentElement).getPropertyValue('--fg').trim() || '#222';
    ctx.clearRect(0, 0, size, size);
    ctx.font = '10px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    for (let t = 0; t < 10; t++) {
      let row = 0;
      for (let p = 0; p < 10; p++) row += conf[t * 10 + p];
      ctx.fillStyle = fg;
      ctx.fillText(String(t), pad / 2, pad + t * cell + cell / 2);
      ctx.fillText(String(t), pad + t * cell + cell / 2, pad / 2);
      for (let p = 0; p < 10; p++) {
        const n = conf[t * 10 + p];
        const frac = row ? n / row : 0;
        const [r, g, b] = viridis(Math.sqrt(frac));
        ctx.fillStyle = `rgb(${r | 0},${g | 0},${b | 0})`;
        ctx.fillRect(pad + p * cell, pad + t * cell, cell - 1, cell - 1);
        if (n > 0) {
          ctx.fillStyle = Math.sqrt(frac) > 0.6 ? '#000' : '#fff';
          ctx.fillText(String(n), pad + p * cell + cell / 2, pad + t * cell + cell / 2);
        }
      }
    }
  }

  private paintWrong(wrong: { index: number; label: number; predicted: number }[]): void {
    if (!this.testImages) return;
    const shown = wrong.slice(0, 36);
    this.wrongEl.replaceChildren(
      h(
        'div',
        { class: 'small' },
        `${wrong.length} of 2,000 wrong${wrong.length > shown.length ? ` (first ${shown.length} shown)` : ''}; label → prediction`,
      ),
      ...shown.map((w) => {
        const c = h('canvas');
        drawDigit(c, this.testImages!, w.index * PIXELS, 28);
        return h(
          'button',
          {
            class: 'digit wrong-digit',
            title: `test #${w.index}: a ${w.label}, predicted ${w.predicted}`,
            onclick: () => this.inspect(w.index),
          },
          c,
          h('span', {}, `${w.label}→${w.predicted}`),
        );
      }),
    );
  }

  destroy(): void {
    this.lossCurves.destroy();
    this.accCurves.destroy();
    this.repaint.cancel();
    this.worker.terminate();
  }
}
