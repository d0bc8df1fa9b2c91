/**
 * Page 1, the Playground: from logistic regression to deep networks on 2-D data. Laid out as the data flows:
 * data | features and network | output and curves. The page owns the settings and the drawing; a worker trains.
 */
import { drawField, sizeCanvas } from '../common/canvas.js';
import { Curves } from '../common/chart.js';
import {
  checkpointLoadControl,
  downloadCheckpoint,
  pickCheckpoint,
  readCheckpoint,
} from '../common/checkpoint.js';
import { CLASS_COLORS, CLASS_RGB, diverging } from '../common/colors.js';
import { field, iconButton, numberSelect, seedInput, showPlaying } from '../common/controls.js';
import { fileLabel, fmt, h, select } from '../common/dom.js';
import { explainPanel, type Page, type PageContext } from '../common/page.js';
import {
  DOMAIN,
  generate,
  type Point,
  pointsFromCsv,
  pointsFromParam,
  pointsToParam,
  split,
} from './datasets.js';
import { NetworkView } from './network.js';
import type { EpochRecord, FromWorker, StateMessage, ToWorker } from './protocol.js';
import {
  ACTIVATIONS,
  classCount,
  DATASETS,
  type DatasetName,
  isRegression,
  LEARNING_RATES,
  LOGISTIC_PRESET,
  OPTIMIZERS,
  type PlaygroundSettings,
  REG_RATES,
  REGULARIZATIONS,
  settingsFromParams,
  settingsToParams,
} from './settings.js';

const OUTPUT_SIZE = 300;
const DATASET_LABELS: Record<DatasetName, string> = {
  circle: 'Circle',
  xor: 'Exclusive or',
  gaussian: 'Gaussian',
  spiral: 'Spiral',
  blobs: 'Blobs (3–5 classes)',
  plane: 'Plane (regression)',
  multigauss: 'Multi-Gaussian (regression)',
  custom: 'Your own points',
};

const EXPLANATION = `A neural network draws a boundary between classes. With no hidden layer (press "Logistic regression")
it is logistic regression: it can only draw a straight line, so on the exclusive-or data it stays near 50 %, a coin
toss. Give it a crossed feature such as x₁·x₂ and the same straight line in the new feature space separates the
classes. Hand-made crosses do not scale: a polynomial of degree d in the pixels of an N×N image needs the number of
features shown under the inputs — for a 1024×1024 image, more than half a trillion at degree 2. Hidden layers learn
their own features instead: each small map shows what one unit responds to, and the big map is what the network
concluded.`;

/** Number of monomials of degree 1…d in n variables: C(n + d, d) − 1. */
export function polynomialFeatures(n: bigint, d: number): bigint {
  let c = 1n;
  for (let i = 1n; i <= BigInt(d); i++) c = (c * (n + i)) / i;
  return c - 1n;
}

function groupDigits(v: bigint): string {
  return v.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export class PlaygroundPage implements Page {
  readonly element: HTMLElement;
  private settings: PlaygroundSettings;
  private custom: Point[];
  private customClassNames: string[] | null = null;
  private points: Point[] = [];
  private train: Point[] = [];
  private test: Point[] = [];
  private worker: Worker;
  private latest: StateMessage | null = null;
  private painted: StateMessage | null = null;
  private running = false;
  private frame = 0;
  private lastPaint = 0;
  private addClass = 0;

  private network: NetworkView;
  private lossCurves: Curves;
  private accuracyCurves: Curves;
  private output = h('canvas', {
    id: 'output-map',
    tabindex: '0',
    'aria-label': 'decision map; click to add a point',
  });
  private playButton = h('button', { id: 'play', class: 'play', 'aria-label': 'play' });
  private epochEl = h('span', { id: 'epoch', class: 'value' }, '0');
  private speedEl = h('span', { id: 'speed', class: 'small' }, '');
  private backendEl: HTMLElement;
  private readout = h('div', { id: 'readout', class: 'readout' });
  private dataMessage = h('div', { id: 'data-message', class: 'message', role: 'alert' });
  private trainMessage = h('div', { id: 'train-message', class: 'message', role: 'alert' });
  private dataColumn = h('div', { class: 'col data' });
  private controlsBar = h('div', { class: 'controls' });
  private crossCounter = h('div', { class: 'cross-counter' });
  private ckptMessage = h('div', { id: 'ckpt-message', class: 'message', role: 'alert' });

  constructor(private ctx: PageContext) {
    this.settings = settingsFromParams(ctx.params);
    this.custom = pointsFromParam(ctx.params.get('points'));
    this.backendEl = ctx.backendBadge;
    this.network = new NetworkView({
      toggleFeature: (f) => {
        const on = this.settings.features.includes(f);
        const features = on ? this.settings.features.filter((x) => x !== f) : [...this.settings.features, f];
        if (features.length === 0) {
          this.showTrainMessage('Keep at least one input feature.');
          return;
        }
        this.update({ features });
      },
      setHidden: (hidden) => this.update({ hidden }),
    });
    this.lossCurves = new Curves({ yLabel: 'loss', width: 330, height: 170, logSwitch: true });
    this.accuracyCurves = new Curves({ yLabel: 'accuracy (%)', width: 330, height: 150, yRange: [0, 100] });

    this.worker = new Worker(new URL('../worker/playground.worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => this.onWorker(e.data);
    this.worker.onerror = (e) => this.showTrainMessage(`The training worker failed: ${e.message}`);

    this.output.addEventListener('click', (e) => this.addPoint(e));
    window.addEventListener('resize', this.onResize);
    this.setupDrop();

    this.element = h(
      'section',
      { class: 'page playground' },
      explainPanel('Playground: from logistic regression to deep networks', EXPLANATION),
      this.controlsBar,
      this.ckptMessage,
      h(
        'div',
        { class: 'columns' },
        this.dataColumn,
        h('div', { class: 'col net' }, this.network.element, this.crossCounter, this.trainMessage),
        h(
          'div',
          { class: 'col output' },
          h('h3', {}, 'Output'),
          this.readout,
          this.output,
          this.outputOptions(),
          this.lossCurves.element,
          this.accuracyCurves.element,
        ),
      ),
    );
    this.rebuild();
  }

  // -- settings --------------------------------------------------------------------------------------------

  private update(patch: Partial<PlaygroundSettings>): void {
    this.settings = { ...this.settings, ...patch };
    this.rebuild();
  }

  private writeUrl(): void {
    const params = settingsToParams(this.settings);
    if (this.settings.dataset === 'custom' && this.custom.length > 0)
      params.set('points', pointsToParam(this.custom));
    this.ctx.setParams(params);
  }

  /** New data or model: regenerate, relayout, restart the worker's run (paused). */
  private rebuild(): void {
    this.writeUrl();
    this.points = this.settings.dataset === 'custom' ? this.custom : generate(this.settings);
    const parts = split(this.points, this.settings);
    this.train = parts.train;
    this.test = parts.test;
    this.running = false;
    this.setPlaying(false);
    this.latest = null;
    this.painted = null;
    this.history = null;
    this.lossCurves.clear();
    this.accuracyCurves.clear();
    this.trainMessage.textContent = '';
    this.renderControls();
    this.renderData();
    this.network.layout(this.settings, this.outputs());
    this.renderCrossCounter();
    this.accuracyCurves.element.hidden = isRegression(this.settings);
    this.lossCurves.render();
    this.accuracyCurves.render();
    if (this.train.length === 0) {
      this.showDataMessage('Add points (click the map) or drop a CSV file to train on your own data.');
    }
    this.send({
      type: 'setup',
      settings: this.settings,
      train: this.train,
      test: this.test,
      classes: this.classes(),
    });
    this.paintOutput(null);
  }

  private classes(): number {
    const customClasses = this.custom.reduce((m, p) => Math.max(m, p.label + 1), 2);
    return classCount(this.settings, customClasses);
  }

  private outputs(): number {
    return isRegression(this.settings) ? 1 : this.classes();
  }

  private send(msg: ToWorker): void {
    this.worker.postMessage(msg);
  }

  // -- controls ----------------------------------------------------------------------------------------------

  private renderControls(): void {
    const s = this.settings;
    const reset = iconButton('reset', 'reset', 'reset the network', () => this.rebuild());
    this.playButton.onclick = () => this.togglePlay();
    const step = iconButton('step', 'step', 'train one epoch', () => {
      this.setPlaying(false);
      this.send({ type: 'step' });
    });
    const seed = seedInput(s.seed, (seed) => this.update({ seed }));
    this.controlsBar.replaceChildren(
      h('div', { class: 'transport' }, reset, this.playButton, step),
      h('div', { class: 'stat' }, h('span', { class: 'small' }, 'Epoch'), this.epochEl, this.speedEl),
      field(
        'Optimiser',
        select(
          'optimizer',
          OPTIMIZERS.map(
            (o) => [o, o === 'sgd' ? 'SGD' : o === 'momentum' ? 'SGD + momentum' : 'Adam'] as const,
          ),
          s.optimizer,
          (v) => this.update({ optimizer: v as PlaygroundSettings['optimizer'] }),
        ),
      ),
      field(
        'Learning rate',
        numberSelect('lr', LEARNING_RATES, s.lr, (v) => this.update({ lr: v })),
      ),
      field(
        'Activation',
        select(
          'activation',
          ACTIVATIONS.map(
            (a) =>
              [
                a,
                a === 'relu' ? 'ReLU' : a === 'tanh' ? 'Tanh' : a === 'sigmoid' ? 'Sigmoid' : 'Linear',
              ] as const,
          ),
          s.activation,
          (v) => this.update({ activation: v as PlaygroundSettings['activation'] }),
        ),
      ),
      field(
        'Regularisation',
        select(
          'regularization',
          REGULARIZATIONS.map((r) => [r, r === 'none' ? 'None' : r.toUpperCase()] as const),
          s.regularization,
          (v) => this.update({ regularization: v as PlaygroundSettings['regularization'] }),
        ),
      ),
      field(
        'Rate',
        numberSelect('reg-rate', REG_RATES, s.regRate, (v) => this.update({ regRate: v })),
      ),
      field('Seed', seed),
      h(
        'button',
        {
          id: 'preset-logistic',
          class: 'preset',
          title: 'no hidden layer, inputs x₁ and x₂, on the exclusive-or data',
          onclick: () => this.update({ ...LOGISTIC_PRESET }),
        },
        'Logistic regression',
      ),
      h('div', { class: 'ckpt' }, this.saveButton(), this.loadControl()),
    );
  }

  private saveButton(): HTMLElement {
    return h(
      'button',
      {
        id: 'save',
        title: 'download checkpoint.json and its weights file, in the CLI checkpoint format',
        onclick: () =>
          this.send({ type: 'save', points: this.settings.dataset === 'custom' ? this.custom : [] }),
      },
      'Save',
    );
  }

  private loadControl(): HTMLElement {
    return checkpointLoadControl(
      'Load…',
      { title: 'choose checkpoint.json and its weights file' },
      async (files) => {
        const picked = pickCheckpoint(files);
        if (typeof picked === 'string') {
          this.showCkptMessage(picked);
          return;
        }
        this.send({ type: 'load', ...(await readCheckpoint(picked)) });
      },
    );
  }

  private showCkptMessage(text: string, isError = true): void {
    this.ckptMessage.textContent = text;
    this.ckptMessage.classList.toggle('error', isError);
  }

  private togglePlay(): void {
    if (this.train.length === 0) {
      this.showDataMessage(
        'There are no training points yet: click the map to add some, or drop a CSV file.',
      );
      return;
    }
    this.setPlaying(!this.running);
    this.send({ type: this.running ? 'play' : 'pause' });
  }

  private setPlaying(on: boolean): void {
    this.running = on;
    showPlaying(this.playButton, on);
  }

  private slider(
    id: string,
    label: string,
    value: number,
    min: number,
    max: number,
    unit: string,
    apply: (v: number) => void,
  ): HTMLElement {
    const out = h('output', { for: id }, `${value}${unit}`);
    const input = h('input', { id, type: 'range', min, max, step: 1, value: String(value) });
    input.addEventListener('input', () => {
      out.textContent = `${input.value}${unit}`;
    });
    input.addEventListener('change', () => apply(Number(input.value)));
    return h('label', { class: 'field slider' }, h('span', {}, label, ' ', out), input);
  }

  private renderData(): void {
    const s = this.settings;
    const datasetButtons = DATASETS.map((name) => {
      const c = h('canvas');
      const b = h(
        'button',
        {
          class: `dataset${s.dataset === name ? ' on' : ''}`,
          id: `dataset-${name}`,
          title: DATASET_LABELS[name],
          'aria-label': DATASET_LABELS[name],
          'aria-pressed': s.dataset === name ? 'true' : 'false',
          onclick: () => this.update({ dataset: name }),
        },
        c,
      );
      const ctx = sizeCanvas(c, 40, 40);
      const preview = name === 'custom' ? this.custom : generate({ ...s, dataset: name, noise: 0 });
      this.drawPoints(ctx, preview, 40, isRegression({ dataset: name }), 1.2, false);
      return b;
    });
    const classOptions =
      s.dataset === 'blobs' || s.dataset === 'spiral'
        ? h(
            'label',
            { class: 'field' },
            h('span', {}, 'Classes'),
            select(
              'classes',
              [2, 3, 4, 5].map((k) => [String(k), String(k)] as const),
              String(s.classes),
              (v) => this.update({ classes: Number(v) }),
            ),
          )
        : null;
    const adders = isRegression(s)
      ? null
      : h(
          'div',
          { class: 'adders' },
          h('span', { class: 'small' }, 'Click the map to add points of class'),
          ...Array.from({ length: 5 }, (_, k) =>
            h(
              'button',
              {
                class: `swatch${this.addClass === k ? ' on' : ''}`,
                id: `add-class-${k}`,
                'aria-label': `add points of class ${k}`,
                'aria-pressed': this.addClass === k ? 'true' : 'false',
                style: `--swatch:${CLASS_COLORS[k]}`,
                onclick: () => {
                  this.addClass = k;
                  this.renderData();
                },
              },
              String(k),
            ),
          ),
        );
    const fileInput = h('input', {
      type: 'file',
      accept: '.csv,text/csv,text/plain',
      id: 'csv-input',
      class: 'visually-hidden',
    });
    fileInput.addEventListener('change', () => {
      const f = fileInput.files?.[0];
      if (f) void this.loadCsv(f);
    });
    const legend =
      s.dataset === 'custom' && this.customClassNames
        ? h(
            'div',
            { class: 'legend small' },
            ...this.customClassNames.map((name, k) =>
              h('span', {}, h('i', { class: 'dot', style: `background:${CLASS_COLORS[k]}` }), ` ${name} `),
            ),
          )
        : null;
    const children: (Node | null)[] = [
      h('h3', {}, 'Data'),
      h('div', { class: 'datasets', role: 'group', 'aria-label': 'dataset' }, ...datasetButtons),
      h('div', { class: 'small dataset-name' }, DATASET_LABELS[s.dataset]),
      classOptions,
      this.slider('train-ratio', 'Training data', s.trainRatio, 10, 90, ' %', (v) =>
        this.update({ trainRatio: v }),
      ),
      s.dataset === 'custom'
        ? null
        : this.slider('noise', 'Noise', s.noise, 0, 50, ' %', (v) => this.update({ noise: v })),
      this.slider('batch-size', 'Batch size', s.batchSize, 1, 30, '', (v) => this.update({ batchSize: v })),
      h(
        'button',
        { id: 'regenerate', onclick: () => this.update({ seed: this.settings.seed + 1 }) },
        'New data (next seed)',
      ),
      adders,
      h(
        'div',
        { class: 'drop', id: 'csv-drop' },
        h('span', {}, 'Drop a CSV here — x, y, label — or '),
        fileLabel(fileInput, 'open one', { class: 'link' }),
        fileInput,
      ),
      legend,
      s.dataset === 'custom' && this.custom.length > 0
        ? h('button', { id: 'clear-points', onclick: () => this.setCustom([], null) }, 'Clear my points')
        : null,
      this.dataMessage,
    ];
    this.dataColumn.replaceChildren(...children.filter((c): c is Node => c !== null));
  }

  private renderCrossCounter(): void {
    const sideInput = h('input', { id: 'cross-n', type: 'number', min: 1, max: 100000, value: '1024' });
    const degreeInput = h('input', { id: 'cross-d', type: 'number', min: 1, max: 10, value: '2' });
    const result = h('div', { id: 'cross-result', class: 'small' });
    const compute = () => {
      const side = Math.min(100000, Math.max(1, Math.floor(Number(sideInput.value) || 1)));
      const d = Math.min(10, Math.max(1, Math.floor(Number(degreeInput.value) || 1)));
      const pixels = BigInt(side) * BigInt(side);
      const total = polynomialFeatures(pixels, d);
      const crossed = total - pixels * BigInt(d);
      result.replaceChildren(
        h('strong', {}, groupDigits(total)),
        ` features for ${groupDigits(pixels)} pixels, `,
        h('strong', {}, groupDigits(crossed)),
        ' of them crossed (products of different pixels).',
      );
    };
    sideInput.addEventListener('input', compute);
    degreeInput.addEventListener('input', compute);
    compute();
    this.crossCounter.replaceChildren(
      h('h4', {}, 'Crossed features by hand?'),
      h(
        'div',
        { class: 'row' },
        h('label', {}, 'image ', sideInput, ' × same'),
        h('label', {}, 'degree ', degreeInput),
      ),
      result,
    );
  }

  private outputOptions(): HTMLElement {
    const box = (id: string, label: string, checked: boolean, apply: (v: boolean) => void) => {
      const input = h('input', { id, type: 'checkbox', checked });
      input.addEventListener('change', () => {
        apply(input.checked);
        this.writeUrl();
        this.paintOutput(this.painted);
      });
      return h('label', { class: 'small' }, input, ` ${label}`);
    };
    return h(
      'div',
      { class: 'row' },
      box('show-test', 'Show test data', this.settings.showTest, (v) => {
        this.settings = { ...this.settings, showTest: v };
      }),
      box('discretize', 'Discretise output', this.settings.discretize, (v) => {
        this.settings = { ...this.settings, discretize: v };
      }),
    );
  }

  // -- your own data -----------------------------------------------------------------------------------------

  private setCustom(points: Point[], classNames: string[] | null): void {
    this.custom = points;
    this.customClassNames = classNames;
    this.dataMessage.textContent = '';
    this.update({ dataset: 'custom' });
  }

  private addPoint(e: MouseEvent): void {
    if (isRegression(this.settings) && this.settings.dataset !== 'custom') {
      this.showDataMessage('Points of your own are classes: switch to a classification dataset first.');
      return;
    }
    const rect = this.output.getBoundingClientRect();
    const x = ((e.clientX - rect.left) / rect.width) * 2 * DOMAIN - DOMAIN;
    const y = DOMAIN - ((e.clientY - rect.top) / rect.height) * 2 * DOMAIN;
    const base = this.settings.dataset === 'custom' ? this.custom : this.points;
    this.setCustom(
      [...base, { x, y, label: this.addClass }],
      this.settings.dataset === 'custom' ? this.customClassNames : null,
    );
  }

  private setupDrop(): void {
    const zone = this.dataColumn;
    zone.addEventListener('dragover', (e) => {
      e.preventDefault();
      zone.classList.add('dragging');
    });
    zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
    zone.addEventListener('drop', (e) => {
      e.preventDefault();
      zone.classList.remove('dragging');
      const file = e.dataTransfer?.files?.[0];
      if (file) void this.loadCsv(file);
    });
  }

  private async loadCsv(file: File): Promise<void> {
    if (file.size > 20_000_000) {
      this.showDataMessage(
        `${file.name} is ${(file.size / 1e6).toFixed(0)} MB; the playground reads CSVs up to 20 MB.`,
      );
      return;
    }
    try {
      const text = await file.text();
      const { points, classNames } = pointsFromCsv(text, file.name);
      this.setCustom(points, classNames);
      this.showDataMessage(`${file.name}: ${points.length} points, ${classNames.length} classes.`, false);
    } catch (e) {
      this.showDataMessage((e as Error).message);
    }
  }

  private showDataMessage(text: string, isError = true): void {
    this.dataMessage.textContent = text;
    this.dataMessage.classList.toggle('error', isError);
  }

  private showTrainMessage(text: string): void {
    this.trainMessage.textContent = text;
    this.trainMessage.classList.add('error');
  }

  // -- worker and painting ----------------------------------------------------------------------------------

  private onWorker(msg: FromWorker): void {
    switch (msg.type) {
      case 'ready':
        this.backendEl.textContent = `backend: ${msg.backend}`;
        this.backendEl.dataset.backend = msg.backend;
        break;
      case 'state':
        for (const r of msg.records) {
          this.history = r;
          this.lossCurves.push(r.epoch, r.trainLoss, r.testLoss);
          if (r.trainAccuracy !== null)
            this.accuracyCurves.push(
              r.epoch,
              r.trainAccuracy * 100,
              r.testAccuracy === null ? null : r.testAccuracy * 100,
            );
        }
        this.latest = msg;
        this.scheduleFrame();
        break;
      case 'saved':
        downloadCheckpoint(msg);
        this.showCkptMessage(`Saved checkpoint.json and ${msg.weightsName}: keep both in one folder.`, false);
        break;
      case 'loaded':
        this.custom = msg.points;
        this.customClassNames = null;
        this.settings = msg.settings;
        this.rebuild();
        this.send({ type: 'restore' });
        this.showCkptMessage(`Loaded ${msg.description}.`, false);
        this.ckptMessage.dataset.loaded = 'true';
        break;
      case 'error':
        this.setPlaying(false);
        if (msg.where === 'load') this.showCkptMessage(msg.message);
        else this.showTrainMessage(msg.message);
        break;
    }
  }

  /** At most one repaint per animation frame, and at most ~30 a second, from the latest state. */
  private scheduleFrame(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame((t) => {
      this.frame = 0;
      if (t - this.lastPaint < 30) {
        this.scheduleFrame();
        return;
      }
      this.lastPaint = t;
      this.paint();
    });
  }

  /** The last epoch's figures (from every state received, not only the painted ones). */
  private history: EpochRecord | null = null;

  private paint(): void {
    const s = this.latest;
    if (!s || s === this.painted) return;
    this.epochEl.textContent = String(s.epoch).padStart(4, '0');
    this.epochEl.dataset.epoch = String(s.epoch);
    this.epochEl.dataset.running = String(s.running);
    this.speedEl.textContent = s.running
      ? `${fmt(s.epochsPerSecond)} epochs/s · ${Math.round(s.samplesPerSecond).toLocaleString('en')} samples/s`
      : '';
    const r = this.history;
    if (r) {
      const acc = (v: number | null, id: string, label: string) =>
        v === null ? null : h('span', { id, 'data-value': String(v) }, `${label} ${(v * 100).toFixed(1)} %`);
      this.readout.replaceChildren(
        h('span', { id: 'test-loss', 'data-value': String(r.testLoss) }, `Test loss ${fmt(r.testLoss)}`),
        h('span', { id: 'train-loss', 'data-value': String(r.trainLoss) }, `Train loss ${fmt(r.trainLoss)}`),
        acc(r.testAccuracy, 'test-accuracy', 'Test accuracy') ?? '',
        acc(r.trainAccuracy, 'train-accuracy', 'Train accuracy') ?? '',
      );
    }
    this.network.paint(s.neurons, s.thumb, s.weights);
    this.paintOutput(s);
    this.lossCurves.render();
    this.accuracyCurves.render();
    this.painted = s;
  }

  private paintOutput(s: StateMessage | null): void {
    const ctx = sizeCanvas(this.output, OUTPUT_SIZE, OUTPUT_SIZE);
    const regression = isRegression(this.settings);
    const k = this.outputs();
    if (s && s.output.length === s.grid * s.grid * (regression ? 1 : k)) {
      const out = s.output;
      const disc = this.settings.discretize;
      let color: (i: number) => readonly [number, number, number];
      if (regression) {
        color = (i) => diverging(0.6 * (disc ? Math.sign(out[i]) : out[i]));
      } else if (k === 2) {
        color = (i) => {
          const v = out[2 * i + 1] - out[2 * i];
          return diverging(disc ? Math.sign(v) * 0.6 : v * 0.6);
        };
      } else {
        const neutral = [232, 234, 237];
        color = (i) => {
          let best = 0;
          for (let c = 1; c < k; c++) if (out[i * k + c] > out[i * k + best]) best = c;
          const strength = disc ? 0.6 : (0.6 * (out[i * k + best] - 1 / k)) / (1 - 1 / k);
          const rgb = CLASS_RGB[best];
          return [0, 1, 2].map((j) => neutral[j] + (rgb[j] - neutral[j]) * strength) as [
            number,
            number,
            number,
          ];
        };
      }
      drawField(ctx, s.grid, color, 0, 0, OUTPUT_SIZE, OUTPUT_SIZE, !disc);
    } else {
      ctx.fillStyle = getComputedStyle(this.output).getPropertyValue('--map-empty') || '#e8eaed';
      ctx.fillRect(0, 0, OUTPUT_SIZE, OUTPUT_SIZE);
    }
    this.drawPoints(ctx, this.train, OUTPUT_SIZE, regression, 3, true);
    if (this.settings.showTest) this.drawPoints(ctx, this.test, OUTPUT_SIZE, regression, 3, true, true);
    // axes ticks
    ctx.fillStyle = 'rgba(0,0,0,0.55)';
    ctx.font = '10px system-ui, sans-serif';
    for (const v of [-6, -3, 0, 3, 6]) {
      const p = ((v + DOMAIN) / (2 * DOMAIN)) * OUTPUT_SIZE;
      ctx.fillText(String(v), Math.min(OUTPUT_SIZE - 10, Math.max(2, p - 3)), OUTPUT_SIZE - 3);
    }
  }

  private drawPoints(
    ctx: CanvasRenderingContext2D,
    points: readonly Point[],
    size: number,
    regression: boolean,
    radius: number,
    outline: boolean,
    test = false,
  ): void {
    for (const p of points) {
      const x = ((p.x + DOMAIN) / (2 * DOMAIN)) * size;
      const y = ((DOMAIN - p.y) / (2 * DOMAIN)) * size;
      const [r, g, b] = regression ? diverging(p.label) : CLASS_RGB[p.label % CLASS_RGB.length];
      ctx.beginPath();
      ctx.arc(x, y, radius, 0, 2 * Math.PI);
      ctx.fillStyle = `rgb(${r | 0},${g | 0},${b | 0})`;
      ctx.fill();
      if (outline) {
        ctx.lineWidth = 1;
        ctx.strokeStyle = test ? '#000' : '#fff';
        ctx.stroke();
      }
    }
  }

  /** The network column's width follows the window's: lay it out again and repaint the latest state. */
  private onResize = (): void => {
    clearTimeout(this.resizeTimer);
    this.resizeTimer = window.setTimeout(() => {
      this.network.layout(this.settings, this.outputs());
      if (this.painted) this.network.paint(this.painted.neurons, this.painted.thumb, this.painted.weights);
    }, 150);
  };
  private resizeTimer = 0;

  destroy(): void {
    this.lossCurves.destroy();
    this.accuracyCurves.destroy();
    window.removeEventListener('resize', this.onResize);
    clearTimeout(this.resizeTimer);
    if (this.frame) cancelAnimationFrame(this.frame);
    this.worker.terminate();
  }
}
