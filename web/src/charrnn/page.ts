/**
 * A character-level RNN on text: an LSTM (or GRU, or plain RNN) learns to predict the next character of a Jane
 * Austen novel, or of the reader's own text file, in a worker. Left to right: the text (its vocabulary, the
 * held-out split, the bigram baseline), what the model writes (a sample refreshed as it learns, with a temperature
 * and a prime), and how training goes (bits per character, train and held-out, against the bigram baseline).
 */
import { Curves } from '../common/chart.js';
import {
  checkpointLoadControl,
  downloadCheckpoint,
  pickCheckpoint,
  readCheckpoint,
} from '../common/checkpoint.js';
import { field, iconButton, numberSelect, seedInput, showPlaying } from '../common/controls.js';
import { fileLabel, fmt, h, select } from '../common/dom.js';
import { FrameScheduler } from '../common/frame.js';
import { explainPanel, type Page, type PageContext } from '../common/page.js';
import {
  CELLS,
  type CharRnnSample,
  type CharRnnSettings,
  type CharRnnState,
  type FromCharRnnWorker,
  NOVELS,
  type Novel,
  type SampleSettings,
  type TextInfo,
  type TextSource,
  type ToCharRnnWorker,
} from './protocol.js';
import {
  BATCH_SIZES,
  BUDGETS,
  clampTemperature,
  HIDDEN_SIZES,
  LAYERS,
  LEARNING_RATES,
  NOVEL_TITLES,
  paramsOf,
  SAMPLE_EVERY,
  SEQ_LENGTHS,
  settingsFromParams,
  TEMPERATURE_RANGE,
  textOfFile,
} from './settings.js';

const CELL_LABELS: Record<CharRnnSettings['cell'], string> = {
  lstm: 'LSTM',
  gru: 'GRU',
  rnn: 'RNN (tanh)',
};

const EXPLANATION = `A character-level language model reads a text one character at a time and gives, at every
position, a probability to each character that could come next; the recurrent network's hidden state carries what it
has read, so the guess can depend on far more than the last character. It is scored in bits per character on held-out
text (the last tenth, never trained on): the average of −log₂ of the probability it gave the true next character —
log₂ of the vocabulary size for a uniform guess, 0 for perfect foresight. The bigram baseline only counts which
character follows which; the network has to beat it. To write, the model draws a character from its prediction, reads
it back and repeats; the temperature divides its scores before the softmax, so low values keep to the likeliest
characters (safe, repetitive) and high ones flatten the choice (inventive, then garbled).`;

/** Characters the reader cannot see, shown as signs in the vocabulary and the excerpt. */
function visible(c: string): string {
  if (c === '\n') return '⏎';
  if (c === ' ') return '␣';
  if (c === '\t') return '⇥';
  return c;
}

export class CharRnnPage implements Page {
  readonly element: HTMLElement;
  private settings: CharRnnSettings;
  private sampling: SampleSettings;
  /** The reader's own text and its file name, while the page trains on it. */
  private userText: { name: string; text: string } | null = null;
  /** The file name a URL of a run on one's own text names (the text itself is not in the URL). */
  private urlFile: string | null;
  private worker: Worker;
  private running = false;
  private text: TextInfo | null = null;
  private latest: CharRnnState | null = null;
  private painted: CharRnnState | null = null;
  private paintedSample: CharRnnSample | null = null;
  private repaint = new FrameScheduler(() => this.paint());

  private playButton = h('button', { id: 'play', class: 'play', 'aria-label': 'play' });
  private stepEl = h('span', { id: 'step-count', class: 'value' }, '0');
  private speedEl = h('span', { id: 'speed', class: 'small' }, '');
  private message = h('div', { id: 'charrnn-message', class: 'message', role: 'alert' });
  private textMessage = h('div', { id: 'text-message', class: 'message', role: 'alert' });
  private primeMessage = h('div', { id: 'prime-message', class: 'message', role: 'alert' });
  private controlsBar = h('div', { class: 'controls' });
  private dataColumn = h('div', { class: 'col data charrnn-data' });
  private textStats = h('table', { class: 'kv', id: 'text-stats' });
  private vocabEl = h('div', { class: 'vocab', id: 'vocab', 'aria-label': 'the vocabulary' });
  private excerptEl = h('pre', { class: 'excerpt', id: 'excerpt', tabindex: '0' });
  private modelEl = h('div', { id: 'model-summary', class: 'small' });
  private sampleEl = h('pre', {
    id: 'sample',
    class: 'sample',
    'aria-live': 'polite',
    'aria-label': 'text the model wrote',
  });
  private sampleInfo = h('div', { id: 'sample-info', class: 'small' });
  private nextEl = h('div', { id: 'next-chars', class: 'next-chars' });
  private temperatureOut = h('output', { id: 'temperature-value' });
  private testBpcEl = h('div', { id: 'test-bpc', class: 'big-number' }, '–');
  private bigramEl = h('div', { id: 'bigram', class: 'big-number muted' }, '–');
  private verdictEl = h('div', { id: 'verdict', class: 'small' });
  private timeEl = h('div', { id: 'time', class: 'small' });
  private curves = new Curves({
    yLabel: 'bits per character',
    xLabel: 'epoch',
    width: 330,
    height: 220,
    testPoints: true,
    reference: { label: 'bigram' },
  });

  constructor(private ctx: PageContext) {
    const fromUrl = settingsFromParams(ctx.params);
    this.settings = fromUrl.settings;
    this.sampling = fromUrl.sample;
    this.urlFile = fromUrl.file;
    this.worker = new Worker(new URL('../worker/charrnn.worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e: MessageEvent<FromCharRnnWorker>) => this.onWorker(e.data);
    this.worker.onerror = (e) => this.showMessage(this.message, `The training worker failed: ${e.message}`);
    this.element = h(
      'section',
      { class: 'page charrnn' },
      explainPanel('A character-level RNN learns to write', EXPLANATION),
      this.controlsBar,
      this.message,
      h(
        'div',
        { class: 'columns charrnn-columns' },
        this.dataColumn,
        h(
          'div',
          { class: 'col' },
          h('h3', {}, 'Model'),
          this.modelEl,
          h('h3', { class: 'spaced' }, 'What it writes'),
          this.sampleControls(),
          this.primeMessage,
          h(
            'div',
            { class: 'sample-row' },
            this.sampleEl,
            h(
              'div',
              { class: 'next-box' },
              h('div', { class: 'small' }, 'Next character after the prime'),
              this.nextEl,
              h('div', { class: 'small legend' }, h('i', { class: 'key-t' }), ' at this temperature'),
              h('div', { class: 'small legend' }, h('i', { class: 'key-1' }), ' at temperature 1'),
            ),
          ),
          this.sampleInfo,
        ),
        h(
          'div',
          { class: 'col' },
          h('h3', {}, 'How training goes'),
          h(
            'div',
            { class: 'bpc-stats' },
            h('span', { class: 'small' }, 'Held-out bits/char'),
            h('span', { class: 'small' }, 'Bigram baseline'),
            this.testBpcEl,
            this.bigramEl,
          ),
          this.verdictEl,
          this.curves.element,
          this.timeEl,
        ),
      ),
    );
    this.renderControls();
    this.renderDataColumn();
    this.setupDrop();
    this.setPlaying(false);
    this.writeUrl();
    if (this.urlFile !== null) {
      // a URL cannot carry the reader's file: say so, and train on the default novel until it is chosen again
      this.settings = { ...this.settings, corpus: 'pride-and-prejudice' };
      this.showMessage(
        this.textMessage,
        `This link was made with a text file of your own${this.urlFile ? ` (${this.urlFile})` : ''}, which a URL cannot carry: drop it here again to train on it. Until then the page uses Pride and Prejudice.`,
      );
      this.writeUrl();
      this.reset(false);
    } else {
      this.reset();
    }
  }

  // -- state and URL -----------------------------------------------------------------------------------------

  private writeUrl(): void {
    this.ctx.setParams(paramsOf(this.settings, this.sampling, this.userText?.name ?? this.urlFile));
  }

  private update(patch: Partial<CharRnnSettings>): void {
    this.settings = { ...this.settings, ...patch };
    this.writeUrl();
    this.reset();
  }

  private send(msg: ToCharRnnWorker): void {
    this.worker.postMessage(msg);
  }

  private source(): TextSource {
    if (this.settings.corpus === 'file' && this.userText) {
      return { kind: 'file', name: this.userText.name, text: this.userText.text };
    }
    const name = this.settings.corpus === 'file' ? 'pride-and-prejudice' : this.settings.corpus;
    return {
      kind: 'novel',
      name,
      url: new URL(`data/text/austen/${name}.txt.gz`, location.href).href,
    };
  }

  private reset(clearTextMessage = true): void {
    this.setPlaying(false);
    this.curves.clear();
    this.curves.render();
    this.latest = null;
    this.painted = null;
    this.stepEl.textContent = '0';
    this.testBpcEl.textContent = '–';
    this.testBpcEl.removeAttribute('data-value');
    this.verdictEl.textContent = '';
    this.message.textContent = '';
    if (clearTextMessage && this.settings.corpus !== 'file') this.textMessage.textContent = '';
    this.send({ type: 'setup', settings: this.settings, source: this.source(), sample: this.sampling });
  }

  private setPlaying(on: boolean): void {
    this.running = on;
    showPlaying(this.playButton, on);
  }

  // -- controls ----------------------------------------------------------------------------------------------

  private renderControls(): void {
    const s = this.settings;
    const reset = iconButton('reset', 'reset', 'reset the model', () => this.reset());
    const step = iconButton('step', 'step', 'train one step', () => {
      this.setPlaying(false);
      this.send({ type: 'step' });
    });
    this.playButton.onclick = () => {
      if (!this.running && this.latest?.done) return;
      this.setPlaying(!this.running);
      this.send({ type: this.running ? 'play' : 'pause' });
    };
    const seed = seedInput(s.seed, (seed) => this.update({ seed }));
    this.controlsBar.replaceChildren(
      h('div', { class: 'transport' }, reset, this.playButton, step),
      h(
        'div',
        { class: 'stat' },
        h('span', { class: 'small' }, `Step (of ${s.steps})`),
        this.stepEl,
        this.speedEl,
      ),
      field(
        'Cell',
        select(
          'cell',
          CELLS.map((c) => [c, CELL_LABELS[c]] as const),
          s.cell,
          (v) => this.update({ cell: v as CharRnnSettings['cell'] }),
        ),
      ),
      field(
        'Hidden units',
        numberSelect('hidden', HIDDEN_SIZES, s.hiddenSize, (v) => this.update({ hiddenSize: v })),
      ),
      field(
        'Layers',
        numberSelect('layers', LAYERS, s.layers, (v) => this.update({ layers: v })),
      ),
      field(
        'Sequence length',
        numberSelect(
          'seq-length',
          SEQ_LENGTHS,
          s.seqLength,
          (v) => this.update({ seqLength: v }),
          (v) => `${v} chars`,
        ),
      ),
      field(
        'Streams',
        numberSelect('batch-size', BATCH_SIZES, s.batchSize, (v) => this.update({ batchSize: v })),
      ),
      field(
        'Learning rate',
        numberSelect('lr', LEARNING_RATES, s.lr, (v) => this.update({ lr: v })),
      ),
      field(
        'Budget',
        numberSelect(
          'steps',
          BUDGETS,
          s.steps,
          (v) => this.update({ steps: v }),
          (v) => `${v} steps`,
        ),
      ),
      field('Seed', seed),
      h(
        'div',
        { class: 'ckpt' },
        h(
          'button',
          {
            id: 'save',
            title:
              'download checkpoint.json and its weights file (the CLI format: neurite sample <folder> writes with it)',
            onclick: () => this.send({ type: 'save' }),
          },
          'Save checkpoint',
        ),
        this.loadControl(),
      ),
    );
  }

  private loadControl(): HTMLElement {
    return checkpointLoadControl(
      'Load checkpoint…',
      {
        title:
          'choose checkpoint.json and its weights-….safetensors (saved here, or a run of neurite train charrnn)',
      },
      (files) => void this.loadCheckpoint(files),
    );
  }

  /** checkpoint.json and its weights file, chosen together in the file dialog. */
  private async loadCheckpoint(files: File[]): Promise<void> {
    const picked = pickCheckpoint(files);
    if (typeof picked === 'string') {
      this.showMessage(this.message, picked);
      return;
    }
    this.setPlaying(false);
    this.send({
      type: 'load',
      ...(await readCheckpoint(picked)),
      settings: this.settings,
      sample: this.sampling,
      novels: new URL('data/text/austen/', location.href).href,
      userText: this.userText,
    });
  }

  private sampleControls(): HTMLElement {
    const { min, max, step } = TEMPERATURE_RANGE;
    const slider = h('input', {
      id: 'temperature',
      type: 'range',
      min,
      max,
      step,
      value: String(this.sampling.temperature),
      'aria-label': 'temperature',
    });
    this.temperatureOut.textContent = this.sampling.temperature.toFixed(1);
    slider.addEventListener('input', () => {
      this.temperatureOut.textContent = Number(slider.value).toFixed(1);
    });
    slider.addEventListener('change', () =>
      this.resample({ temperature: clampTemperature(Number(slider.value)) }),
    );
    const prime = h('input', {
      id: 'prime',
      type: 'text',
      value: this.sampling.prime,
      maxlength: 200,
      placeholder: '(a line break)',
      'aria-label': 'prime text',
    });
    prime.addEventListener('change', () => this.resample({ prime: prime.value }));
    const every = select(
      'sample-every',
      SAMPLE_EVERY.map((n) => [String(n), `${n} steps`] as const),
      String(this.sampling.every),
      (v) => this.resample({ every: Number(v) }),
    );
    return h(
      'div',
      { class: 'sample-controls' },
      h('label', { class: 'field slider' }, h('span', {}, 'Temperature ', this.temperatureOut), slider),
      h('label', { class: 'field prime' }, h('span', {}, 'Prime (read before writing)'), prime),
      h('label', { class: 'field' }, h('span', {}, 'New sample every'), every),
      h(
        'button',
        { id: 'resample', title: 'write a new sample now', onclick: () => this.resample({}) },
        'Write now',
      ),
    );
  }

  private resample(patch: Partial<SampleSettings>): void {
    this.sampling = { ...this.sampling, ...patch };
    this.writeUrl();
    this.send({ type: 'sample', sample: this.sampling });
  }

  // -- the data column ---------------------------------------------------------------------------------------

  private renderDataColumn(): void {
    const fileInput = h('input', {
      type: 'file',
      id: 'text-file',
      class: 'visually-hidden',
      accept: '.txt,.md,text/*',
    });
    fileInput.addEventListener('change', () => {
      const file = fileInput.files?.[0];
      if (file) void this.loadFile(file);
      fileInput.value = '';
    });
    const options: [string, string][] = NOVELS.map((n) => [n, NOVEL_TITLES[n]]);
    if (this.userText) options.push(['file', `${this.userText.name} (your file)`]);
    const corpus = select('corpus', options, this.settings.corpus, (v) => {
      this.update({ corpus: v as Novel | 'file' });
    });
    this.dataColumn.replaceChildren(
      h('h3', {}, 'Data: the text'),
      h('label', { class: 'field' }, h('span', {}, 'Text (Jane Austen, or yours)'), corpus),
      h(
        'div',
        { class: 'drop', id: 'text-drop' },
        h('span', {}, 'Drop a text file here (UTF-8, 1,000 characters or more) — or '),
        fileLabel(fileInput, 'open one', { class: 'link' }),
        fileInput,
      ),
      this.textMessage,
      this.textStats,
      h('div', { class: 'small' }, 'Vocabulary (⏎ line break, ␣ space)'),
      this.vocabEl,
      h('div', { class: 'small' }, 'The text begins'),
      this.excerptEl,
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
      if (file) void this.loadFile(file);
    });
  }

  private async loadFile(file: File): Promise<void> {
    let text: string;
    try {
      text = textOfFile(file.name, new Uint8Array(await file.arrayBuffer()));
    } catch (e) {
      this.showMessage(this.textMessage, (e as Error).message);
      return;
    }
    this.userText = { name: file.name, text };
    this.urlFile = null;
    this.settings = { ...this.settings, corpus: 'file' };
    this.renderDataColumn();
    this.showMessage(
      this.textMessage,
      `Training on ${file.name}: ${[...text].length.toLocaleString('en')} characters (${file.size.toLocaleString('en')} bytes).`,
      false,
    );
    this.writeUrl();
    this.reset(false);
  }

  private paintText(t: TextInfo): void {
    const title = (NOVEL_TITLES as Record<string, string>)[t.title] ?? t.title;
    const row = (k: string, v: string, id?: string) => h('tr', {}, h('th', {}, k), h('td', { id }, v));
    const n = (v: number) => v.toLocaleString('en');
    this.textStats.replaceChildren(
      row('text', title, 'text-title'),
      row('characters', n(t.characters), 'text-characters'),
      row('vocabulary', `${t.vocab.length} symbols`, 'text-vocab-size'),
      row('training', `${n(t.trainCharacters)} chars, ${t.streams} streams`),
      row('held out', `${n(t.heldOutCharacters)} chars (${n(t.evalCharacters)} scored)`),
      row('one epoch', `${n(t.stepsPerEpoch)} steps`),
      row('uniform guess', `${fmt(t.uniform)} bits/char`),
      row('bigram', `${fmt(t.bigram)} bits/char`),
    );
    this.vocabEl.dataset.size = String(t.vocab.length);
    this.vocabEl.replaceChildren(
      ...t.vocab.map((c) => h('span', { class: c.length === 1 && c.trim() ? '' : 'ws' }, visible(c))),
    );
    this.excerptEl.textContent = t.excerpt;
    this.modelEl.replaceChildren(
      h('span', { class: 'arch' }, t.architecture),
      ` — ${t.parameters.toLocaleString('en')} parameters; Adam, gradient norm clipped at 1; the state runs on from chunk to chunk`,
    );
    this.bigramEl.textContent = t.bigram.toFixed(3);
    this.bigramEl.dataset.value = String(t.bigram);
    this.curves.setReference(t.bigram);
    this.curves.render();
  }

  // -- worker and painting -----------------------------------------------------------------------------------

  private showMessage(el: HTMLElement, text: string, isError = true): void {
    el.textContent = text;
    el.classList.toggle('error', isError);
  }

  private onWorker(msg: FromCharRnnWorker): void {
    switch (msg.type) {
      case 'ready':
        this.ctx.backendBadge.textContent = `backend: ${msg.backend}`;
        this.ctx.backendBadge.dataset.backend = msg.backend;
        break;
      case 'text':
        this.text = msg;
        this.paintText(msg);
        break;
      case 'state':
        for (const r of msg.records) this.curves.push(r.epoch, r.train, r.test);
        if (!msg.running && this.running && msg.done) this.setPlaying(false);
        this.latest = msg;
        this.repaint.request();
        break;
      case 'saved':
        downloadCheckpoint(msg);
        this.showMessage(
          this.message,
          `Saved checkpoint.json and ${msg.weightsName}: put both in one folder, then \`neurite sample <folder> --prime "…"\` writes with the model and PyTorch loads the weights by key.`,
          false,
        );
        break;
      case 'loaded':
        this.settings = msg.settings;
        this.writeUrl();
        this.renderControls();
        this.renderDataColumn();
        this.setPlaying(false);
        this.curves.clear();
        this.latest = null;
        this.painted = null;
        this.showMessage(
          this.message,
          `Loaded ${msg.description}. It writes in the sample panel; press play to train it further.`,
          false,
        );
        this.message.dataset.loaded = 'true';
        break;
      case 'load-error':
        this.showMessage(this.message, msg.message);
        break;
      case 'text-error':
        this.showMessage(this.textMessage, msg.message);
        break;
      case 'error':
        this.setPlaying(false);
        this.showMessage(this.message, msg.message);
        break;
    }
  }

  private paint(): void {
    const s = this.latest;
    if (!s || s === this.painted) return;
    this.painted = s;
    this.stepEl.textContent = s.step.toLocaleString('en');
    this.stepEl.dataset.step = String(s.step);
    this.stepEl.dataset.running = String(s.running);
    this.stepEl.dataset.done = String(s.done);
    this.speedEl.textContent = s.running
      ? `${fmt(s.stepsPerSecond)} steps/s · ${Math.round(s.charactersPerSecond).toLocaleString('en')} chars/s`
      : s.done
        ? `budget of ${this.settings.steps} steps reached`
        : '';
    const perStep = s.step > 0 ? s.seconds / s.step : 0;
    this.timeEl.textContent =
      s.step > 0
        ? `${s.seconds.toFixed(1)} s training (${(perStep * 1000).toFixed(0)} ms per step, ${s.epoch.toFixed(2)} epochs, ${s.characters.toLocaleString('en')} characters)`
        : '';
    this.timeEl.dataset.seconds = String(s.seconds);
    this.curves.render();
    const t = this.text;
    if (s.test) {
      this.testBpcEl.textContent = s.test.bits.toFixed(3);
      this.testBpcEl.dataset.value = String(s.test.bits);
      this.testBpcEl.dataset.step = String(s.test.step);
      if (t) {
        const below = s.test.bits < t.bigram;
        this.verdictEl.textContent =
          s.test.step === 0
            ? `Untrained, the model is near a uniform guess (${fmt(t.uniform)} bits/char).`
            : below
              ? `${fmt(t.bigram - s.test.bits)} bits/char better than the bigram baseline at step ${s.test.step}.`
              : `Still ${fmt(s.test.bits - t.bigram)} bits/char above the bigram baseline at step ${s.test.step}.`;
        this.testBpcEl.classList.toggle('good', below);
      }
    }
    if (s.sample && s.sample !== this.paintedSample) this.paintSample(s.sample);
  }

  private paintSample(sample: CharRnnSample): void {
    this.paintedSample = sample;
    this.sampleEl.replaceChildren(h('b', { class: 'prime' }, sample.prime), sample.text);
    this.sampleEl.dataset.step = String(sample.step);
    this.sampleEl.dataset.temperature = String(sample.temperature);
    this.sampleInfo.textContent = `Written at step ${sample.step}, temperature ${sample.temperature.toFixed(1)}, sampling seed ${sample.seed} (after saving: neurite sample <folder> --seed ${sample.seed} --temperature ${sample.temperature} --length ${sample.text.length}${sample.prime === '\n' ? '' : ` --prime "${sample.prime}"`}).`;
    this.nextEl.dataset.top = String(sample.next[0]?.pT ?? '');
    this.nextEl.replaceChildren(
      ...sample.next.map((n) =>
        h(
          'div',
          { class: 'next', title: `${(n.p * 100).toFixed(1)} % at temperature 1` },
          h('span', { class: 'char' }, visible(n.char)),
          h(
            'span',
            { class: 'bars' },
            h('i', { class: 'pt', style: `width:${(n.pT * 100).toFixed(1)}%` }),
            h('i', { class: 'p1', style: `left:${(n.p * 100).toFixed(1)}%` }),
          ),
          h('span', { class: 'small' }, `${(n.pT * 100).toFixed(0)} %`),
        ),
      ),
    );
    if (sample.unknown.length > 0) {
      this.showMessage(
        this.primeMessage,
        `The prime holds ${sample.unknown.map((c) => `"${visible(c)}"`).join(', ')}, which the text never uses: the model cannot read ${sample.unknown.length === 1 ? 'it' : 'them'}, so it starts from ${sample.prime === '\n' ? 'a line break' : `"${visible(sample.prime)}"`}.`,
      );
    } else {
      this.primeMessage.textContent = '';
    }
  }

  destroy(): void {
    this.curves.destroy();
    this.repaint.cancel();
    this.worker.terminate();
  }
}
