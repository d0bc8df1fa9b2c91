/**
 * Page 4, randomly wired networks (Xie, Kirillov, Girshick, He 2019): a random graph generator makes the wiring,
 * the network trains on MNIST in a worker, and the page shows, left to right, the generator's graph, the DAG the
 * network computes with every edge coloured by its learned weight, and how training goes; below, ER, BA and WS
 * trained with the same budget, side by side.
 */
import { Curves } from '../common/chart.js';
import {
  checkpointLoadControl,
  downloadCheckpoint,
  downloadFile,
  fetchRunCheckpoint,
  pickCheckpoint,
  readCheckpoint,
} from '../common/checkpoint.js';
import { epochsLabel, field, iconButton, numberSelect, seedInput, showPlaying } from '../common/controls.js';
import { fmt, h, select } from '../common/dom.js';
import { FrameScheduler } from '../common/frame.js';
import { explainPanel, type Page, type PageContext } from '../common/page.js';
import {
  drawCircle,
  drawDag,
  drawDegrees,
  drawWeightLegend,
  INPUT_COLOR,
  OUTPUT_COLOR,
  weightSpan,
} from './draw.js';
import {
  type CompareRow,
  type FromRandwireWorker,
  GRAPH_TYPES,
  type GraphType,
  type RandwireSettings,
  type RandwireState,
  type StageInfo,
  type ToRandwireWorker,
} from './protocol.js';
import {
  BATCH_SIZES,
  BUDGETS,
  CHANNELS,
  GRAPH_NAMES,
  graphLabel,
  HEAD_CHOICES,
  headValue,
  headWidth,
  LEARNING_RATES,
  NODE_COUNTS,
  randwireParams,
  randwireSettingsFromParams,
  STAGE_COUNTS,
  STEM_CHOICES,
  withValue,
} from './settings.js';

const TRAIN = 8000;

const EXPLANATION = `Most networks are wired by hand. Xie et al. (2019) let a random graph generator wire them instead:
Erdős–Rényi ER(P) joins each pair of nodes with probability P, Barabási–Albert BA(M) attaches each new node to M
well-connected ones, Watts–Strogatz WS(K, P) rewires a ring of neighbours with probability P. Pointing every edge from
the lower node number to the higher makes the graph a DAG; each node sums its inputs weighted by σ(w) (½ at the
start), then applies ReLU, a 3×3 separable convolution and batch norm. On ImageNet such random wirings matched
hand-designed and searched networks, and seeds of one generator scored alike: the generator matters, not the
particular wiring. Press play: blue edges are wires a node leans on more, orange ones it turns down (batch norm leaves
only their ratios to learn, so they move by hundredths; the colour scale stretches to the largest change).`;

/** The resolution the stem hands the first stage: each 3×3 convolution (padding 1) divides by its stride. */
function stemSize(s: RandwireSettings): number {
  return s.stemStrides.reduce((size, stride) => Math.floor((size - 1) / stride) + 1, 28);
}

export class RandwirePage implements Page {
  readonly element: HTMLElement;
  private settings: RandwireSettings;
  private worker: Worker;
  private running = false;
  private dataLoaded = false;
  private stages: StageInfo[] = [];
  private shownStage: number;
  private latest: RandwireState | null = null;
  private painted: RandwireState | null = null;
  private repaint = new FrameScheduler(() => this.paint());
  private comparing = false;
  private compareRows: (CompareRow | null)[] = [null, null, null];

  private playButton = h('button', { id: 'play', class: 'play', 'aria-label': 'play' });
  private epochEl = h('span', { id: 'epoch', class: 'value' }, '0.00');
  private speedEl = h('span', { id: 'speed', class: 'small' }, '');
  private statusEl = h('div', { id: 'status', class: 'small' }, 'Loading the digits…');
  private message = h('div', { id: 'randwire-message', class: 'message', role: 'alert' });
  private graphMessage = h('div', { id: 'graph-message', class: 'message error', role: 'alert' });
  private controlsBar = h('div', { class: 'controls randwire-controls' });
  private circle = h('canvas', { id: 'graph-circle', role: 'img' });
  private degrees = h('canvas', { id: 'degrees', role: 'img', 'aria-label': 'degree distribution' });
  private counts = h('div', { id: 'graph-counts', class: 'small' });
  private stageTabs = h('div', { class: 'stage-tabs', role: 'group', 'aria-label': 'stage to show' });
  private dagHost = h('div', { class: 'dag-host' });
  private dag = h('canvas', { id: 'dag', role: 'img' });
  private legend = h('canvas', { id: 'weight-legend', 'aria-label': 'colour scale of σ(w)' });
  private netSummary = h('div', { id: 'net-summary', class: 'small' });
  private stageTable = h('table', { id: 'stage-table', class: 'rw-table' });
  private accuracyEl = h('div', { id: 'test-accuracy', class: 'big-number' }, '–');
  private compareButton = h('button', { id: 'compare' }, 'Train ER, BA and WS');
  private compareMessage = h('div', { id: 'compare-message', class: 'message', role: 'alert' });
  private compareTable = h('table', { id: 'compare-table', class: 'rw-table' });
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
    height: 150,
    yRange: [0, 100],
    testPoints: true,
  });
  private themeQuery = matchMedia('(prefers-color-scheme: dark)');
  private onTheme = () => this.repaintGraphs();
  private resize = new ResizeObserver(() => this.repaintGraphs());

  constructor(private ctx: PageContext) {
    this.settings = randwireSettingsFromParams(ctx.params);
    this.shownStage = Math.max(0, Math.min(this.settings.stages - 1, Number(ctx.params.get('view')) || 0));
    this.worker = new Worker(new URL('../worker/randwire.worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e: MessageEvent<FromRandwireWorker>) => this.onWorker(e.data);
    this.worker.onerror = (e) => this.showMessage(`The training worker failed: ${e.message}`);
    this.dagHost.append(this.dag);
    this.element = h(
      'section',
      { class: 'page randwire' },
      explainPanel('Randomly wired networks (Xie et al., 2019)', EXPLANATION),
      this.controlsBar,
      this.graphMessage,
      this.message,
      h(
        'div',
        { class: 'columns randwire-columns' },
        h(
          'div',
          { class: 'col' },
          h('h3', {}, 'The generator’s graph'),
          this.circle,
          this.counts,
          h('h3', { class: 'spaced' }, 'Degree distribution'),
          this.degrees,
        ),
        h(
          'div',
          { class: 'col' },
          h(
            'div',
            { class: 'row' },
            h('h3', { class: 'flush' }, 'The DAG the network computes'),
            this.stageTabs,
          ),
          this.dagHost,
          h(
            'div',
            { class: 'row dag-legend' },
            h('span', { class: 'small' }, 'edges: aggregation weight σ(w), by colour and width'),
            this.legend,
          ),
          h(
            'div',
            { class: 'small' },
            h('span', { class: 'node-key', style: `background:${INPUT_COLOR}` }),
            ' input nodes (fed by the stage’s input) ',
            h('span', { class: 'node-key', style: `background:${OUTPUT_COLOR}` }),
            ' output nodes (averaged into the stage’s output; half of each: both); dashed: the plain average',
          ),
          h(
            'div',
            { class: 'row spaced' },
            h('span', { class: 'small' }, 'Export this stage’s graph (neurite’s own format):'),
            h('button', { id: 'export-dot', onclick: () => this.exportGraph('dot') }, 'DOT'),
            h('button', { id: 'export-json', onclick: () => this.exportGraph('json') }, 'JSON'),
          ),
          h('h3', { class: 'spaced' }, 'The network'),
          this.netSummary,
          this.stageTable,
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
        ),
      ),
      h(
        'div',
        { class: 'compare' },
        h('h3', {}, 'Compare the generators: same nodes, channels, stages, budget and seed'),
        h(
          'div',
          { class: 'row' },
          this.compareButton,
          h(
            'span',
            { class: 'small' },
            'trains ER, BA and WS with the parameters above, one after the other (the network above pauses)',
          ),
        ),
        this.compareMessage,
        this.compareTable,
      ),
    );
    this.compareButton.addEventListener('click', () => this.toggleCompare());
    this.renderControls();
    this.setPlaying(false);
    this.writeUrl();
    this.reset();
    this.renderCompareTable();
    this.themeQuery.addEventListener('change', this.onTheme);
    this.resize.observe(this.dagHost);
    this.loadedRun = ctx.params.get('checkpoint');
    if (this.loadedRun) {
      this.writeUrl();
      void this.loadRun(this.loadedRun);
    }
  }

  /** The run whose checkpoint the page shows (from the runs dashboard), or null. */
  private loadedRun: string | null = null;

  private writeUrl(): void {
    const p = randwireParams(this.settings);
    p.set('view', String(this.shownStage));
    // a run folder's checkpoint stays in the URL until the network is reset or changed, so the link reopens it
    if (this.loadedRun) p.set('checkpoint', this.loadedRun);
    this.ctx.setParams(p);
  }

  private update(patch: Partial<RandwireSettings>): void {
    this.loadedRun = null;
    const generatorChanged = patch.graph !== undefined && patch.graph !== this.settings.graph;
    this.settings = { ...this.settings, ...patch };
    if (generatorChanged) {
      // the generator's own parameters replace the previous one's; the focus stays on the generator
      this.renderControls();
      this.controlsBar.querySelector<HTMLSelectElement>('#graph')?.focus();
    }
    this.shownStage = Math.min(this.shownStage, this.settings.stages - 1);
    this.writeUrl();
    this.reset();
  }

  private send(msg: ToRandwireWorker): void {
    this.worker.postMessage(msg);
  }

  private reset(): void {
    this.setPlaying(false);
    this.comparing = false;
    this.compareButton.textContent = 'Train ER, BA and WS';
    this.compareRows = [null, null, null];
    this.renderCompareTable();
    this.lossCurves.clear();
    this.accCurves.clear();
    this.lossCurves.render();
    this.accCurves.render();
    this.latest = null;
    this.painted = null;
    this.accuracyEl.textContent = '–';
    this.accuracyEl.removeAttribute('data-value');
    this.message.textContent = '';
    this.message.classList.remove('error');
    this.graphMessage.textContent = '';
    for (const el of this.controlsBar.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    this.send({
      type: 'setup',
      settings: this.settings,
      dataUrl: new URL('data/mnist/', location.href).href,
    });
  }

  private setPlaying(on: boolean): void {
    this.running = on;
    showPlaying(this.playButton, on);
  }

  private renderControls(): void {
    const s = this.settings;
    const reset = iconButton(
      'reset',
      'reset',
      'reset the network',
      () => {
        this.loadedRun = null;
        this.writeUrl();
        this.reset();
      },
      'reset the network (the same seed: the same graphs and starting weights)',
    );
    const step = iconButton('step', 'step', 'train one batch', () => {
      this.setPlaying(false);
      this.send({ type: 'step' });
    });
    this.playButton.onclick = () => {
      if (this.comparing) this.toggleCompare();
      this.setPlaying(!this.running);
      this.send({ type: this.running ? 'play' : 'pause' });
    };
    const number = (
      id: string,
      value: number,
      step: number,
      min: number,
      max: number,
      key: keyof RandwireSettings,
    ) => {
      const input = h('input', { id, type: 'number', step, min, max, value: String(value) });
      input.addEventListener('change', () => {
        const v = Number(input.value);
        if (input.value.trim() === '' || !Number.isFinite(v)) {
          input.setAttribute('aria-invalid', 'true');
          this.graphMessage.textContent = `${id.toUpperCase()}: "${input.value}" is not a number`;
          return;
        }
        this.update({ [key]: v } as Partial<RandwireSettings>);
      });
      return input;
    };
    const params: HTMLElement[] =
      s.graph === 'ws'
        ? [
            field('K (neighbours)', number('k', s.k, 2, 2, 30, 'k')),
            field('P (rewire)', number('wsp', s.wsP, 0.05, 0, 1, 'wsP')),
          ]
        : s.graph === 'er'
          ? [field('P (edge)', number('erp', s.erP, 0.05, 0, 1, 'erP'))]
          : [field('M (edges per node)', number('m', s.m, 1, 1, 31, 'm'))];
    const seed = seedInput(s.seed, (seed) => this.update({ seed }));
    const group = (title: string, ...children: HTMLElement[]) =>
      h(
        'div',
        { class: 'group', role: 'group', 'aria-label': title },
        h('div', { class: 'group-title' }, title),
        h('div', { class: 'group-body' }, ...children),
      );
    this.controlsBar.replaceChildren(
      h('div', { class: 'transport' }, reset, this.playButton, step),
      h('div', { class: 'stat' }, h('span', { class: 'small' }, 'Epoch'), this.epochEl, this.speedEl),
      group(
        'Graph',
        field(
          'Generator',
          select(
            'graph',
            GRAPH_TYPES.map((g) => [g, GRAPH_NAMES[g]] as const),
            s.graph,
            (v) => this.update({ graph: v as GraphType }),
          ),
        ),
        ...params,
        field(
          'Nodes N',
          select(
            'nodes',
            withValue(NODE_COUNTS, s.nodes).map((n) => [String(n), String(n)] as const),
            String(s.nodes),
            (v) => this.update({ nodes: Number(v) }),
          ),
        ),
        field('Seed', seed),
      ),
      group(
        'Network',
        field(
          'Stages',
          select(
            'stages',
            withValue(STAGE_COUNTS, s.stages).map((n) => [String(n), String(n)] as const),
            String(s.stages),
            (v) => this.update({ stages: Number(v) }),
          ),
        ),
        field(
          'Channels C',
          select(
            'channels',
            withValue(CHANNELS, s.channels).map((n) => [String(n), String(n)] as const),
            String(s.channels),
            (v) => this.update({ channels: Number(v) }),
          ),
        ),
        field(
          'Stem strides',
          select('stem', STEM_CHOICES, s.stemStrides.join(','), (v) =>
            this.update({ stemStrides: v.split(',').map(Number) as [number, number] }),
          ),
        ),
        field(
          'Head',
          select(
            'head',
            (HEAD_CHOICES.includes(headValue(s)) ? HEAD_CHOICES : [...HEAD_CHOICES, headValue(s)]).map(
              (v) => [v, v === '4c' ? '4C' : v] as const,
            ),
            headValue(s),
            (v) => this.update({ headChannels: v === '4c' ? null : Number(v) }),
          ),
        ),
      ),
      group(
        'Training (Adam, cosine)',
        field(
          'Learning rate',
          numberSelect('lr', LEARNING_RATES, s.lr, (v) => this.update({ lr: v })),
        ),
        field(
          'Batch',
          numberSelect('batch-size', BATCH_SIZES, s.batchSize, (v) => this.update({ batchSize: v })),
        ),
        field(
          'Budget',
          numberSelect('epochs', BUDGETS, s.epochs, (v) => this.update({ epochs: v }), epochsLabel),
        ),
      ),
      h('div', { class: 'ckpt' }, this.saveButton(), this.loadControl()),
    );
  }

  private saveButton(): HTMLElement {
    return h(
      'button',
      {
        id: 'save',
        title:
          'download checkpoint.json and its weights file (the CLI format: neurite eval <folder> runs it, as neurite train randwire-mnist would have built it)',
        onclick: () => {
          if (this.stages.length === 0) this.showMessage('No network to save: fix the graph setting above.');
          else this.send({ type: 'save' });
        },
      },
      'Save checkpoint',
    );
  }

  private loadControl(): HTMLElement {
    return checkpointLoadControl(
      'Load checkpoint…',
      {
        title:
          'choose checkpoint.json and its weights-….safetensors (saved here, or a run of neurite train randwire-mnist)',
      },
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

  /** A run folder the studio serves (from the runs dashboard's "open in this page"). */
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

  private toggleCompare(): void {
    if (this.comparing) {
      this.comparing = false;
      this.compareButton.textContent = 'Train ER, BA and WS';
      this.send({ type: 'stop-compare' });
      this.compareMessage.textContent = 'Comparison stopped.';
      return;
    }
    if (!this.dataLoaded) {
      this.compareMessage.textContent = 'The digits are still loading; try again in a moment.';
      return;
    }
    this.setPlaying(false);
    this.comparing = true;
    this.compareButton.textContent = 'Stop the comparison';
    this.compareMessage.textContent = '';
    this.compareMessage.classList.remove('error');
    this.compareRows = [null, null, null];
    this.renderCompareTable();
    this.send({ type: 'compare' });
  }

  private exportGraph(format: 'dot' | 'json'): void {
    const stage = this.stages[this.shownStage];
    if (!stage) return;
    const s = this.settings;
    const name = `randwire-${graphLabel(s)
      .toLowerCase()
      .replace(/[^a-z0-9.]+/g, '-')
      .replace(/-$/, '')}-n${s.nodes}-seed${s.seed}-stage${this.shownStage + 1}`;
    const [text, type] =
      format === 'dot'
        ? [stage.dot, 'text/vnd.graphviz']
        : [`${JSON.stringify(stage.json)}\n`, 'application/json'];
    downloadFile(`${name}.${format}`, text, type);
  }

  private onWorker(msg: FromRandwireWorker): void {
    switch (msg.type) {
      case 'ready':
        this.ctx.backendBadge.textContent = `backend: ${msg.backend}`;
        this.ctx.backendBadge.dataset.backend = msg.backend;
        break;
      case 'data-loaded':
        this.dataLoaded = true;
        this.statusEl.textContent = 'Ready: press play.';
        break;
      case 'network':
        this.stages = msg.stages;
        this.renderStageTabs();
        this.renderNetwork(msg.params, msg.macs);
        this.repaintGraphs();
        break;
      case 'settings-error': {
        this.stages = [];
        this.graphMessage.textContent = msg.message;
        this.controlsBar.querySelector(`#${msg.field}`)?.setAttribute('aria-invalid', 'true');
        this.repaintGraphs();
        this.netSummary.textContent = 'No network: fix the graph setting above.';
        this.stageTable.replaceChildren();
        break;
      }
      case 'state':
        for (const r of msg.records) {
          if (r.trainLoss !== null) this.lossCurves.push(r.epoch, r.trainLoss, null);
          if (r.testLoss !== null) this.lossCurves.push(r.epoch, null, r.testLoss);
          if (r.trainAccuracy !== null) this.accCurves.push(r.epoch, r.trainAccuracy * 100, null);
          if (r.testAccuracy !== null) this.accCurves.push(r.epoch, null, r.testAccuracy * 100);
        }
        if (!msg.running && this.running && msg.done) this.setPlaying(false);
        this.latest = msg;
        this.repaint.request();
        break;
      case 'saved':
        downloadCheckpoint(msg);
        this.showMessage(
          `Saved checkpoint.json and ${msg.weightsName}: put both in one folder, then \`neurite eval <folder>\` evaluates it (as a run of neurite train randwire-mnist) and PyTorch loads the weights by key.`,
          false,
        );
        break;
      case 'loaded':
        this.onLoaded(msg.settings, msg.description);
        break;
      case 'load-error':
        this.showMessage(msg.message);
        break;
      case 'compare-row':
        this.compareRows[msg.index] = msg.row;
        if (msg.finished) {
          this.comparing = false;
          this.compareButton.textContent = 'Train ER, BA and WS';
        }
        this.renderCompareTable();
        break;
      case 'error':
        this.setPlaying(false);
        if (this.comparing) {
          this.comparing = false;
          this.compareButton.textContent = 'Train ER, BA and WS';
          this.compareMessage.textContent = msg.message;
          this.compareMessage.classList.add('error');
        } else {
          this.showMessage(msg.message);
        }
        break;
    }
  }

  /** A checkpoint's network replaced the page's: its settings, fresh curves (the worker sends its graphs next). */
  private onLoaded(settings: RandwireSettings, description: string): void {
    this.settings = settings;
    this.shownStage = Math.min(this.shownStage, settings.stages - 1);
    this.renderControls();
    this.writeUrl();
    this.setPlaying(false);
    this.comparing = false;
    this.compareButton.textContent = 'Train ER, BA and WS';
    this.compareRows = [null, null, null];
    this.renderCompareTable();
    this.lossCurves.clear();
    this.accCurves.clear();
    this.latest = null;
    this.painted = null;
    this.graphMessage.textContent = '';
    this.showMessage(
      `Loaded ${description}. Its graphs and edge weights are drawn below; press play to train it ${settings.epochs} more epoch${settings.epochs === 1 ? '' : 's'}.`,
      false,
    );
    this.message.dataset.loaded = 'true';
  }

  private renderStageTabs(): void {
    if (this.stages.length <= 1) {
      this.stageTabs.replaceChildren();
      return;
    }
    this.stageTabs.replaceChildren(
      ...this.stages.map((_, i) =>
        h(
          'button',
          {
            id: `stage-${i + 1}`,
            class: i === this.shownStage ? 'on' : undefined,
            'aria-pressed': String(i === this.shownStage),
            onclick: () => {
              this.shownStage = i;
              this.writeUrl();
              this.renderStageTabs();
              this.repaintGraphs();
            },
          },
          `stage ${i + 1}`,
        ),
      ),
    );
  }

  private renderNetwork(params: number, macs: number): void {
    this.netSummary.replaceChildren(
      h(
        'span',
        { id: 'net-params', 'data-value': String(params) },
        `${params.toLocaleString('en')} parameters`,
      ),
      ' · ',
      h(
        'span',
        { id: 'net-macs', 'data-value': String(macs) },
        `${(macs / 1e6).toFixed(2)} M multiply–adds (MACs) per 28×28 digit`,
      ),
    );
    const s = this.settings;
    this.stageTable.replaceChildren(
      h(
        'tr',
        {},
        ...['', 'nodes', 'edges', 'inputs', 'outputs', 'channels', 'output size'].map((t) => h('th', {}, t)),
      ),
      h(
        'tr',
        {},
        h('td', {}, 'stem'),
        h('td', {}, '2 convs'),
        h('td', {}, ''),
        h('td', {}, ''),
        h('td', {}, ''),
        h('td', {}, `1 → ${Math.floor(s.channels / 2)} → ${s.channels}`),
        h('td', {}, `${stemSize(s)}×${stemSize(s)}`),
      ),
      ...this.stages.map((st, i) =>
        h(
          'tr',
          {},
          h('td', {}, `stage ${i + 1}`),
          h('td', {}, String(st.json.nodes.length)),
          h('td', {}, String(st.json.edges.length)),
          h('td', {}, String(st.json.inputs.length)),
          h('td', {}, String(st.json.outputs.length)),
          h('td', {}, `${st.channelsIn} → ${st.channelsOut}`),
          h('td', {}, `${st.size}×${st.size}`),
        ),
      ),
      h(
        'tr',
        {},
        h('td', {}, 'head'),
        h('td', {}, '1×1 conv, pool, fc'),
        h('td', {}, ''),
        h('td', {}, ''),
        h('td', {}, ''),
        h('td', {}, `→ ${headWidth(s)} → 10`),
        h('td', {}, '1×1'),
      ),
    );
  }

  /** The graph drawings: on new graphs, a new stage, a theme change, a resize, or new weights. */
  private repaintGraphs(): void {
    const stage = this.stages[this.shownStage];
    const width = Math.max(280, this.dagHost.clientWidth || 400);
    if (!stage) {
      for (const c of [this.circle, this.dag, this.degrees])
        c.getContext('2d')?.clearRect(0, 0, c.width, c.height);
      this.counts.textContent = '';
      return;
    }
    const g = stage.json;
    const n = g.nodes.length;
    drawCircle(this.circle, g, 240);
    this.circle.setAttribute(
      'aria-label',
      `${graphLabel(this.settings)} with ${n} nodes and ${g.edges.length} edges, nodes on a circle`,
    );
    const mean = (2 * g.edges.length) / n;
    this.counts.replaceChildren(
      h('b', {}, `${graphLabel(this.settings)}`),
      ` (stage seed ${stage.json.seed}, drawn from the seed ${this.settings.seed}): `,
      h('span', { id: 'node-count' }, `${n} nodes`),
      ', ',
      h('span', { id: 'edge-count' }, `${g.edges.length} edges`),
      `, mean degree ${fmt(mean)}`,
    );
    drawDegrees(this.degrees, stage.degrees, 240, 120);
    const all = this.latest?.weights ?? [];
    const span = weightSpan(all);
    drawDag(
      this.dag,
      g,
      all[this.shownStage] ?? null,
      span,
      width,
      Math.min(340, Math.max(220, 26 * Math.sqrt(n) * 3)),
    );
    this.dag.setAttribute(
      'aria-label',
      `stage ${this.shownStage + 1} as a DAG: ${g.inputs.length} input nodes, ${g.outputs.length} output nodes, edges coloured by their learned weight`,
    );
    drawWeightLegend(this.legend, 260, span);
  }

  private paint(): void {
    const s = this.latest;
    if (!s || s === this.painted) return;
    this.painted = s;
    this.epochEl.textContent = s.epoch.toFixed(2);
    this.epochEl.dataset.epoch = String(s.epoch);
    this.epochEl.dataset.running = String(s.running);
    this.epochEl.dataset.done = String(s.done);
    const perEpoch = s.epoch > 0 ? s.seconds / s.epoch : 0;
    this.speedEl.textContent = s.running
      ? `${fmt(s.samplesPerSecond / TRAIN)} epochs/s · ${Math.round(s.samplesPerSecond).toLocaleString('en')} samples/s`
      : s.done
        ? `budget reached: ${s.seconds.toFixed(0)} s, ${perEpoch.toFixed(1)} s/epoch`
        : '';
    this.speedEl.dataset.secondsPerEpoch = String(perEpoch);
    if (this.dataLoaded && s.samples > 0)
      this.statusEl.textContent = `${s.samples.toLocaleString('en')} digits seen`;
    this.lossCurves.render();
    this.accCurves.render();
    if (s.testAccuracy !== null) {
      this.accuracyEl.textContent = `${(s.testAccuracy * 100).toFixed(2)} %`;
      this.accuracyEl.dataset.value = String(s.testAccuracy);
    }
    // the edge weights, for the drawing and for whoever reads the page (the tests)
    this.dag.dataset.weights = JSON.stringify(
      s.weights.map((w) => ({
        edges: Array.from(w.edges, (x) => Number(x.toFixed(5))),
        inputs: Array.from(w.inputs, (x) => Number(x.toFixed(5))),
      })),
    );
    this.repaintGraphs();
  }

  private renderCompareTable(): void {
    const rows = this.compareRows;
    const done = rows.filter((r): r is CompareRow => r?.testAccuracy != null);
    const best = done.length ? Math.max(...done.map((r) => r.testAccuracy as number)) : null;
    const order: GraphType[] = ['er', 'ba', 'ws'];
    this.compareTable.replaceChildren(
      h(
        'tr',
        {},
        ...[
          'generator',
          'edges per stage',
          'parameters',
          'MACs per digit',
          'train accuracy (last epoch)',
          'test accuracy',
          'time',
          's/epoch',
        ].map((t) => h('th', {}, t)),
      ),
      ...order.map((type, i) => {
        const r = rows[i];
        if (!r) {
          return h(
            'tr',
            { 'data-graph': type },
            h('td', {}, graphLabel(this.settings, type)),
            h('td', { colspan: 7, class: 'small' }, this.comparing ? 'waiting' : '–'),
          );
        }
        const pending = r.testAccuracy === null;
        return h(
          'tr',
          {
            'data-graph': type,
            'data-test-accuracy': pending ? undefined : String(r.testAccuracy),
            class: !pending && r.testAccuracy === best ? 'best' : undefined,
          },
          h('td', {}, r.label),
          h('td', {}, r.edges.join(' · ')),
          h('td', {}, r.params.toLocaleString('en')),
          h('td', {}, `${(r.macs / 1e6).toFixed(2)} M`),
          h('td', {}, r.trainAccuracy === null ? '–' : `${(r.trainAccuracy * 100).toFixed(2)} %`),
          h(
            'td',
            {},
            pending
              ? `training… epoch ${r.epoch.toFixed(2)} of ${this.settings.epochs}`
              : `${((r.testAccuracy as number) * 100).toFixed(2)} %`,
          ),
          h('td', {}, `${r.seconds.toFixed(0)} s`),
          h('td', {}, r.epoch > 0 ? `${(r.seconds / r.epoch).toFixed(1)}` : '–'),
        );
      }),
    );
  }

  destroy(): void {
    this.lossCurves.destroy();
    this.accCurves.destroy();
    this.themeQuery.removeEventListener('change', this.onTheme);
    this.resize.disconnect();
    this.repaint.cancel();
    this.worker.terminate();
  }
}
