/**
 * Page 5, recurrent networks in their structures: the lecture's four structures, each a live task that trains
 * in a worker; the network unrolled over time for a chosen example (input, hidden state, cell state and gates
 * per step); and RNN, LSTM and GRU compared on the same task. Left to right: the data (structures, task, test
 * examples), the model (unrolled), how training goes (curves, the cell comparison).
 */

import { Curves } from '../common/chart.js';
import {
  checkpointLoadControl,
  downloadCheckpoint,
  pickCheckpoint,
  readCheckpoint,
} from '../common/checkpoint.js';
import { epochsLabel, field, iconButton, numberSelect, seedInput, showPlaying } from '../common/controls.js';
import { fmt, h, select } from '../common/dom.js';
import { FrameScheduler } from '../common/frame.js';
import { explainPanel, type Page, type PageContext } from '../common/page.js';
import { drawDigit } from '../mnist/page.js';
import { unsavableReason } from './checkpoint.js';
import { CompareChart } from './compare.js';
import {
  CELLS,
  type CellName,
  type ExampleView,
  type FromRnnWorker,
  RNN_TASKS,
  type RnnSettings,
  type RnnState,
  type RnnTaskName,
  STRUCTURE_OF,
  type ToRnnWorker,
  type UnrolledView,
} from './protocol.js';
import {
  BATCH_SIZES,
  BUDGETS,
  CELL_LABELS,
  HIDDEN_SIZES,
  LEARNING_RATES,
  rnnSettingsFromParams,
  rnnSettingsToParams,
  TASK_DEFAULTS,
  TASK_LABELS,
} from './settings.js';
import { structureRow } from './structures.js';
import { drawColorBar, drawUnrolled } from './unrolled.js';

const EXPLANATION = `A recurrent network reads a sequence one step at a time and carries a hidden state from step to step, so
one small set of weights handles sequences of any length. Wiring inputs and outputs differently gives the lecture's four
structures: one input, many outputs (an image → a word); many inputs, one output (an image's rows → its class); an encoder
that reads everything before a decoder writes (reverse a string); one output per input (a tag per letter). Press play and
watch the network unrolled: each column is a time step, each row of a strip one hidden unit. A plain RNN overwrites its
state at every step; the LSTM's forget gate and the GRU's update gate learn when to keep it — train all three on the same
task and compare.`;

const LINK_CHARRNN = '#/charrnn';

export class RnnPage implements Page {
  readonly element: HTMLElement;
  private settings: RnnSettings;
  private worker: Worker;
  private example: number;
  private running = false;
  private latest: RnnState | null = null;
  private painted: RnnState | null = null;
  private repaint = new FrameScheduler(() => this.paint());
  private lastView: UnrolledView | null = null;
  private lastExamples: ExampleView[] | null = null;
  private lastEvaluation: RnnState['evaluation'] = null;
  private direction: 0 | 1 = 0;
  private trainSize = 1;
  private parameters = 0;
  /** Seconds of training of the current run (for the comparison table). */
  private trainedMs = 0;
  private playStarted = 0;
  /** Cells still to train in a "compare" sequence. */
  private compareQueue: CellName[] = [];
  /** What the comparison's runs share (all settings but the cell): a change starts a new comparison. */
  private compareKey = '';

  private playButton = h('button', { id: 'play', class: 'play', 'aria-label': 'play' });
  private epochEl = h('span', { id: 'epoch', class: 'value' }, '0.00');
  private speedEl = h('span', { id: 'speed', class: 'small' }, '');
  private message = h('div', { id: 'rnn-message', class: 'message', role: 'alert' });
  private controlsBar = h('div', { class: 'controls' });
  private structures = h('div');
  private taskInfo = h('div', { id: 'task-info', class: 'small' }, 'Loading…');
  private examplesEl = h('div', {
    id: 'examples',
    class: 'examples',
    role: 'group',
    'aria-label': 'test examples to unroll',
  });
  private unrolledCanvas = h('canvas', { id: 'unrolled' });
  private unrolledBox = h('div', { class: 'unrolled-box' }, this.unrolledCanvas);
  private verdict = h('div', { id: 'verdict', class: 'verdict' });
  private conditionEl = h('div', { id: 'condition', class: 'row' });
  private directionEl = h('div', { class: 'row small', id: 'direction' });
  private accuracyEl = h('div', { id: 'test-accuracy', class: 'big-number' }, '–');
  private accuracyDetail = h('div', { id: 'test-detail', class: 'small' }, '');
  private lossCurves = new Curves({
    yLabel: 'cross-entropy',
    width: 330,
    height: 150,
    logSwitch: true,
    testPoints: true,
  });
  private accCurves = new Curves({
    yLabel: 'accuracy (%)',
    width: 330,
    height: 130,
    yRange: [0, 100],
    testPoints: true,
  });
  private compare = new CompareChart(330, 170, 'test accuracy (%)');
  private compareButton = h(
    'button',
    { id: 'compare-cells', title: 'train RNN, LSTM and GRU one after another with these settings' },
    'Train RNN · LSTM · GRU',
  );

  private themeQuery = matchMedia('(prefers-color-scheme: dark)');
  /** The canvas's text takes the theme's colours when drawn: redraw when the system theme changes. */
  private onTheme = () => {
    if (this.shownView) this.paintUnrolled(this.shownView);
  };
  private shownView: UnrolledView | null = null;

  /** The unrolled view fills its column: redraw it when the column's width changes. */
  private resizeObserver = new ResizeObserver(() => {
    const w = this.unrolledBox.clientWidth;
    if (this.shownView && w !== this.drawnWidth) this.paintUnrolled(this.shownView);
  });
  private drawnWidth = 0;

  constructor(private ctx: PageContext) {
    this.themeQuery.addEventListener('change', this.onTheme);
    this.resizeObserver.observe(this.unrolledBox);
    this.settings = rnnSettingsFromParams(ctx.params);
    this.example = Math.max(0, Math.min(11, Math.floor(Number(ctx.params.get('example')) || 0)));
    this.worker = new Worker(new URL('../worker/rnn.worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e: MessageEvent<FromRnnWorker>) => this.onWorker(e.data);
    this.worker.onerror = (e) => this.showMessage(`The training worker failed: ${e.message}`);
    this.compareButton.onclick = () => this.startComparison();
    const legend = h(
      'div',
      { class: 'row small legend-bars' },
      h('span', {}, 'h, c, candidates: −1 ', this.colorBar('diverging'), ' +1'),
      h('span', {}, 'gates: 0 ', this.colorBar('viridis'), ' 1'),
    );
    this.element = h(
      'section',
      { class: 'page rnn' },
      explainPanel('Recurrent networks in their structures', EXPLANATION),
      this.controlsBar,
      this.message,
      this.structures,
      h(
        'div',
        { class: 'columns rnn-columns' },
        h(
          'div',
          { class: 'col' },
          h('h3', {}, 'Data: the task'),
          this.taskInfo,
          h('h3', { class: 'spaced' }, 'Test examples (click to unroll)'),
          this.examplesEl,
          h(
            'p',
            { class: 'small' },
            'The character-level language model, also synced many-to-many, has its own page: ',
            h('a', { href: LINK_CHARRNN, id: 'to-charrnn' }, 'char-RNN on Jane Austen →'),
          ),
        ),
        h(
          'div',
          { class: 'col' },
          h('h3', {}, 'The network unrolled over time'),
          this.conditionEl,
          this.verdict,
          this.directionEl,
          this.unrolledBox,
          legend,
        ),
        h(
          'div',
          { class: 'col' },
          h('h3', {}, 'How training goes'),
          h('div', { class: 'row' }, h('span', { class: 'small' }, 'Test'), this.accuracyEl),
          this.accuracyDetail,
          this.lossCurves.element,
          this.accCurves.element,
          h('h3', { class: 'spaced' }, 'RNN vs LSTM vs GRU on this task'),
          this.compareButton,
          this.compare.element,
        ),
      ),
    );
    this.renderControls();
    this.renderStructures();
    this.setPlaying(false);
    this.writeUrl();
    this.reset();
  }

  private colorBar(map: 'diverging' | 'viridis'): HTMLCanvasElement {
    const c = h('canvas', { class: 'color-bar' });
    drawColorBar(c, map);
    return c;
  }

  private writeUrl(): void {
    this.ctx.setParams(rnnSettingsToParams(this.settings, this.example));
  }

  private send(msg: ToRnnWorker): void {
    this.worker.postMessage(msg);
  }

  /** Everything but the cell: runs that share it are comparable. */
  private keyOf(s: RnnSettings): string {
    return JSON.stringify({ ...s, cell: undefined });
  }

  private update(patch: Partial<RnnSettings>, keepQueue = false): void {
    if (!keepQueue) this.compareQueue = [];
    if (patch.task && patch.task !== this.settings.task) {
      // a new task starts from its own defaults, keeping the seed
      this.settings = { ...TASK_DEFAULTS[patch.task], seed: this.settings.seed, ...patch };
      this.example = 0;
      this.direction = 0;
    } else {
      this.settings = { ...this.settings, ...patch };
    }
    this.writeUrl();
    this.renderControls();
    this.renderStructures();
    this.reset();
  }

  private reset(): void {
    this.clearRun();
    this.send({ type: 'setup', settings: this.settings, baseUrl: location.href });
    this.send({ type: 'inspect', index: this.example });
  }

  /** Fresh curves and figures for a new model (the worker sends its state next). */
  private clearRun(): void {
    this.setPlaying(false);
    this.lossCurves.clear();
    this.accCurves.clear();
    this.lossCurves.render();
    this.accCurves.render();
    this.lastEvaluation = null;
    this.trainedMs = 0;
    this.accuracyEl.textContent = '–';
    this.accuracyEl.removeAttribute('data-value');
    this.accuracyDetail.textContent = 'Measured four times an epoch on held-out data.';
    this.message.textContent = '';
    this.message.classList.remove('error');
    delete this.message.dataset.loaded;
    this.epochEl.dataset.ready = 'false';
    const key = this.keyOf(this.settings);
    if (key !== this.compareKey) {
      this.compare.clear();
      this.compareKey = key;
    }
  }

  private setPlaying(on: boolean): void {
    if (on && !this.running) this.playStarted = performance.now();
    if (!on && this.running) this.trainedMs += performance.now() - this.playStarted;
    this.running = on;
    showPlaying(this.playButton, on);
  }

  private seconds(): number {
    return (this.trainedMs + (this.running ? performance.now() - this.playStarted : 0)) / 1000;
  }

  /** Trains the two other cell types, then the chosen one again, each on the same settings and budget. */
  private startComparison(): void {
    const mine = this.settings.cell;
    const [first, ...rest] = [...CELLS.filter((c) => c !== mine), mine];
    this.compare.clear();
    this.compareKey = this.keyOf(this.settings);
    this.compareQueue = rest;
    this.update({ cell: first }, true);
    this.play();
  }

  private play(): void {
    this.setPlaying(true);
    this.send({ type: 'play' });
  }

  private renderStructures(): void {
    this.structures.replaceChildren(
      structureRow(STRUCTURE_OF[this.settings.task], (task) => {
        if (STRUCTURE_OF[task] !== STRUCTURE_OF[this.settings.task]) this.update({ task });
      }),
    );
  }

  private renderControls(): void {
    const s = this.settings;
    const reset = iconButton('reset', 'reset', 'reset the model', () => {
      this.compareQueue = [];
      this.reset();
    });
    const step = iconButton('step', 'step', 'train one batch', () => {
      this.compareQueue = [];
      this.setPlaying(false);
      this.send({ type: 'step' });
    });
    this.playButton.onclick = () => {
      if (this.running) {
        this.compareQueue = [];
        this.setPlaying(false);
        this.send({ type: 'pause' });
      } else this.play();
    };
    const group = (title: string, ...children: HTMLElement[]) =>
      h('div', { class: 'group', role: 'group', 'aria-label': title }, ...children);
    const seed = seedInput(s.seed, (seed) => this.update({ seed }));
    const taskExtras: HTMLElement[] = [];
    if (s.task === 'speller') {
      taskExtras.push(
        field(
          'Input',
          select(
            'condition-kind',
            [
              ['image', 'the digit’s image'],
              ['class', 'only its class'],
            ],
            s.fromImage ? 'image' : 'class',
            (v) => this.update({ fromImage: v === 'image' }),
          ),
        ),
      );
    }
    if (s.task === 'spaces') {
      const both = h('input', { type: 'checkbox', id: 'bidirectional' });
      both.checked = s.bidirectional;
      both.addEventListener('change', () => this.update({ bidirectional: both.checked }));
      taskExtras.push(
        h(
          'label',
          { class: 'field' },
          h('span', {}, 'Reading'),
          h('span', { class: 'check' }, both, ' both ways'),
        ),
      );
    }
    this.controlsBar.replaceChildren(
      h('div', { class: 'transport' }, reset, this.playButton, step),
      h('div', { class: 'stat' }, h('span', { class: 'small' }, 'Epoch'), this.epochEl, this.speedEl),
      group(
        'data',
        field(
          'Task',
          select(
            'task',
            RNN_TASKS.map((t) => [t, TASK_LABELS[t]] as const),
            s.task,
            (v) => this.update({ task: v as RnnTaskName }),
          ),
        ),
        ...taskExtras,
      ),
      group(
        'model',
        field(
          'Cell',
          select(
            'cell',
            CELLS.map((c) => [c, CELL_LABELS[c]] as const),
            s.cell,
            (v) => this.update({ cell: v as CellName }),
          ),
        ),
        field(
          'Hidden units',
          select(
            'hidden',
            (HIDDEN_SIZES.includes(s.hidden)
              ? HIDDEN_SIZES
              : [...HIDDEN_SIZES, s.hidden].sort((a, b) => a - b)
            ).map((n) => [String(n), String(n)] as const),
            String(s.hidden),
            (v) => this.update({ hidden: Number(v) }),
          ),
        ),
      ),
      group(
        'training',
        field(
          'Learning rate',
          numberSelect('lr', LEARNING_RATES, s.lr, (v) => this.update({ lr: v })),
        ),
        field(
          'Batch',
          numberSelect('batch', BATCH_SIZES, s.batchSize, (v) => this.update({ batchSize: v })),
        ),
        field(
          'Budget',
          numberSelect('epochs', BUDGETS, s.epochs, (v) => this.update({ epochs: v }), epochsLabel),
        ),
        field('Seed', seed),
      ),
      h('div', { class: 'ckpt' }, this.saveControl(), this.loadControl()),
    );
  }

  /** Save, or, for a model no neurite train preset builds, a disabled button whose tooltip says why. */
  private saveControl(): HTMLElement {
    const reason = unsavableReason(this.settings);
    const preset = this.settings.task === 'rows' ? `${this.settings.cell}-seqmnist` : 'seq2seq-reverse';
    const button = h(
      'button',
      {
        id: 'save',
        title: reason
          ? ''
          : `download checkpoint.json and its weights file (the CLI's format: neurite eval or neurite predict <folder> runs it as neurite train ${preset} would have built it)`,
        onclick: () => this.send({ type: 'save' }),
      },
      'Save checkpoint',
    );
    if (!reason) return button;
    button.disabled = true;
    // a disabled button shows no tooltip: its wrapper carries it (and a screen reader reads it)
    button.setAttribute('aria-describedby', 'save-why');
    return h(
      'span',
      { title: `Cannot save: ${reason}` },
      button,
      h('span', { id: 'save-why', class: 'visually-hidden' }, reason),
    );
  }

  private loadControl(): HTMLElement {
    return checkpointLoadControl(
      'Load checkpoint…',
      {
        id: 'load',
        title:
          'choose checkpoint.json and its weights-….safetensors, saved here or by neurite train lstm-seqmnist, gru-seqmnist or seq2seq-reverse: the page opens its task, cell and sizes',
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
    this.compareQueue = [];
    this.setPlaying(false);
    this.send({ type: 'load', ...(await readCheckpoint(picked)) });
  }

  private showMessage(text: string, isError = true): void {
    this.message.textContent = text;
    this.message.classList.toggle('error', isError);
  }

  private onWorker(msg: FromRnnWorker): void {
    switch (msg.type) {
      case 'ready':
        this.ctx.backendBadge.textContent = `backend: ${msg.backend}`;
        this.ctx.backendBadge.dataset.backend = msg.backend;
        break;
      case 'task':
        this.trainSize = msg.trainSize;
        this.parameters = msg.parameters;
        this.taskInfo.replaceChildren(
          h('div', {}, msg.description),
          h('div', {}, `${msg.parameters.toLocaleString('en')} parameters · score: ${msg.metric}`),
          h('div', {}, `Baseline: ${msg.baseline}`),
        );
        this.compare.start(this.settings.cell, msg.parameters);
        this.epochEl.dataset.ready = 'true';
        break;
      case 'state': {
        for (const r of msg.records) {
          if (r.trainLoss !== null) this.lossCurves.push(r.epoch, r.trainLoss, null);
          if (r.testLoss !== null) this.lossCurves.push(r.epoch, null, r.testLoss);
          if (r.trainAccuracy !== null) this.accCurves.push(r.epoch, r.trainAccuracy * 100, null);
          if (r.testAccuracy !== null) {
            this.accCurves.push(r.epoch, null, r.testAccuracy * 100);
            this.compare.add(this.settings.cell, r.epoch, r.testAccuracy, this.seconds(), msg.done);
          }
        }
        if (msg.evaluation) this.lastEvaluation = msg.evaluation;
        if (msg.unrolled) this.lastView = msg.unrolled;
        if (msg.examples) this.lastExamples = msg.examples;
        if (!msg.running && this.running && msg.done) {
          this.setPlaying(false);
          this.compare.finish(this.settings.cell, this.seconds());
          const next = this.compareQueue.shift();
          if (next) {
            // the comparison goes on with the next cell type on the same settings
            this.update({ cell: next }, true);
            this.play();
          }
        }
        this.latest = msg;
        this.repaint.request();
        break;
      }
      case 'saved':
        downloadCheckpoint(msg);
        this.showMessage(
          `Saved checkpoint.json and ${msg.weightsName}: put both in one folder, then \`neurite eval <folder>\`${this.settings.task === 'rows' ? '' : ' or `neurite predict <folder> \'["3141"]\'`'} runs it as a run of neurite train ${msg.preset}, and PyTorch loads the weights by key.`,
          false,
        );
        break;
      case 'loaded':
        this.settings = msg.settings;
        this.compareQueue = [];
        this.writeUrl();
        this.renderControls();
        this.renderStructures();
        this.clearRun();
        this.showMessage(
          `Loaded ${msg.description}. Press play to train it ${msg.settings.epochs} more epoch${msg.settings.epochs === 1 ? '' : 's'}.`,
          false,
        );
        this.message.dataset.loaded = 'true';
        break;
      case 'checkpoint-error':
        this.showMessage(msg.message);
        break;
      case 'error':
        this.setPlaying(false);
        this.compareQueue = [];
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
      ? `${fmt(s.samplesPerSecond / this.trainSize)} epochs/s · ${Math.round(s.samplesPerSecond).toLocaleString('en')} examples/s`
      : s.done
        ? `budget of ${this.settings.epochs} epoch${this.settings.epochs === 1 ? '' : 's'} reached`
        : `${s.samples.toLocaleString('en')} examples seen`;
    this.lossCurves.render();
    this.accCurves.render();
    this.compare.render();
    const ev = this.lastEvaluation;
    if (ev) {
      this.accuracyEl.textContent = `${(ev.accuracy * 100).toFixed(1)} %`;
      this.accuracyEl.dataset.value = String(ev.accuracy);
      this.accuracyEl.dataset.epoch = String(ev.epoch);
      this.accuracyDetail.textContent = ev.detail;
      this.lastEvaluation = null;
    }
    if (this.lastExamples) {
      this.paintExamples(this.lastExamples);
      this.lastExamples = null;
    }
    if (this.lastView) {
      this.paintUnrolled(this.lastView);
      this.lastView = null;
    }
  }

  private paintExamples(examples: ExampleView[]): void {
    this.examplesEl.replaceChildren(
      ...examples.map((e) => {
        const content: (Node | string)[] = [];
        if (e.pixels) {
          const c = h('canvas');
          drawDigit(c, e.pixels, 0, 28, 1);
          content.push(c);
        } else content.push(h('span', { class: 'ex-input' }, e.input));
        content.push(h('span', { class: `ex-output${e.correct ? '' : ' wrong'}` }, `→ ${e.output || '…'}`));
        return h(
          'button',
          {
            class: `example${e.index === this.example ? ' on' : ''}`,
            id: `example-${e.index}`,
            'aria-pressed': e.index === this.example ? 'true' : 'false',
            'aria-label': `unroll test example ${e.index} (expected ${e.target}, the model says ${e.output})`,
            title: `expected: ${e.target}`,
            'data-correct': String(e.correct),
            onclick: () => this.inspect(e.index),
          },
          ...content,
        );
      }),
    );
  }

  private inspect(index: number): void {
    this.example = index;
    this.writeUrl();
    for (const b of this.examplesEl.querySelectorAll('button.example')) {
      const on = b.id === `example-${index}`;
      b.classList.toggle('on', on);
      b.setAttribute('aria-pressed', String(on));
    }
    this.send({ type: 'inspect', index });
  }

  private paintUnrolled(view: UnrolledView): void {
    this.shownView = view;
    const bidirectional = view.strips.some((s) => s.direction === 1);
    if (!bidirectional) this.direction = 0;
    this.directionEl.replaceChildren(
      ...(bidirectional
        ? [
            'Show the direction: ',
            ...([0, 1] as const).map((d) =>
              h(
                'button',
                {
                  class: `toggle${this.direction === d ? ' on' : ''}`,
                  id: `direction-${d}`,
                  'aria-pressed': String(this.direction === d),
                  onclick: () => {
                    this.direction = d;
                    this.paintUnrolled(view);
                  },
                },
                d === 0 ? 'forward →' : '← backward',
              ),
            ),
          ]
        : []),
    );
    this.drawnWidth = this.unrolledBox.clientWidth;
    const width = Math.max(260, this.drawnWidth || 560);
    drawUnrolled(this.unrolledCanvas, view, width, this.direction);
    this.unrolledCanvas.dataset.kind = view.kind;
    this.unrolledCanvas.dataset.steps = String(view.steps.length);
    this.unrolledCanvas.dataset.strips = view.strips
      .filter((s) => s.direction === this.direction)
      .map((s) => s.name)
      .join(',');
    this.unrolledCanvas.dataset.example = String(view.index);
    this.verdict.textContent = `${view.kind} ${view.hidden}: ${view.verdict}`;
    this.verdict.classList.toggle('wrong', !view.correct);
    if (view.picture) {
      const parts: (Node | string)[] = [];
      if (view.picture.pixels) {
        const c = h('canvas', { class: 'condition-digit' });
        drawDigit(c, view.picture.pixels, 0, 56, 1);
        parts.push(c);
      }
      parts.push(h('span', { class: 'small' }, view.picture.caption));
      this.conditionEl.replaceChildren(...parts);
    } else this.conditionEl.replaceChildren();
  }

  destroy(): void {
    this.themeQuery.removeEventListener('change', this.onTheme);
    this.resizeObserver.disconnect();
    this.lossCurves.destroy();
    this.accCurves.destroy();
    this.compare.destroy();
    this.repaint.cancel();
    this.worker.terminate();
  }
}
