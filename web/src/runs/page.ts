/**
 * Page 3, the runs dashboard: TensorBoard's scalars for `neurite train`. Lists the run folders the server was
 * given, plots each run's per-epoch metrics from its log.jsonl (several runs overlaid), and follows runs that are
 * still training through the server's event stream — no reload.
 */
import uPlot from 'uplot';
import { h } from '../common/dom.js';
import { explainPanel, type Page, type PageContext } from '../common/page.js';

/** One colour per run (Okabe–Ito, then grey); train solid, validation dashed in the run's colour. */
const RUN_COLORS = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#999999'];

interface RunSummary {
  name: string;
  modified: number;
  logSize: number;
  epochs: number;
  running: boolean;
  result: { metrics?: Record<string, number>; seconds?: number; epochs?: number } | null;
  recipe: {
    preset?: string | null;
    options?: Record<string, unknown>;
    configFile?: string | null;
    training?: Record<string, unknown>;
    neurite?: string;
  } | null;
  checkpoint: boolean;
}

type LogEntry = Record<string, number>;

const EXPLANATION = `Every "neurite train" run leaves a folder: a checkpoint, a log with one line per epoch, and the
final test metrics. This page reads the folder the studio was started with and plots the logs. Tick runs to compare
them on one chart: the training curve is solid, the validation curve dashed, in the run's colour. A run that is still
training updates live. A validation loss that turns up while the training loss keeps falling is overfitting.`;

const NOT_METRICS = new Set(['epoch', 'seconds', 'lr']);
/** Runs whose checkpoints the MNIST page opens (it says so when a variant is not one of its models). */
const MNIST_PRESETS = new Set(['cnn-mnist', 'dnn-mnist']);

function upperFirst(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function describeRecipe(r: RunSummary['recipe']): string {
  if (!r) return 'no recipe (not written by neurite train)';
  const what = r.preset ?? r.configFile ?? 'config';
  const opts = Object.entries(r.options ?? {})
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' ');
  return opts ? `${what} (${opts})` : what;
}

function fmtMetric(k: string, v: number): string {
  return /accuracy/i.test(k) ? `${(v * 100).toFixed(2)} %` : Number(v.toPrecision(4)).toString();
}

export class RunsPage implements Page {
  readonly element: HTMLElement;
  private runs: RunSummary[] = [];
  private logs = new Map<string, { size: number; entries: LogEntry[] }>();
  private selected: Set<string>;
  private metric: string;
  private log: boolean;
  private focused: string | null;
  private events: EventSource | null = null;
  private plot: uPlot | null = null;
  private list = h('div', { class: 'run-list', id: 'run-list' });
  private chartHost = h('div', { class: 'run-chart', id: 'run-chart' });
  private metricBar = h('div', { class: 'row' });
  private details = h('div', { class: 'run-details', id: 'run-details' });
  private status = h('div', { class: 'small', id: 'runs-status' }, 'Connecting…');
  private message = h('div', { class: 'message', role: 'alert', id: 'runs-message' });

  constructor(private ctx: PageContext) {
    const p = ctx.params;
    this.selected = new Set((p.get('runs') ?? '').split(',').filter((s) => s !== ''));
    this.metric = p.get('metric') ?? 'loss';
    this.log = p.get('log') === '1';
    this.focused = p.get('run');
    this.element = h(
      'section',
      { class: 'page runs' },
      explainPanel('Runs of neurite train', EXPLANATION),
      this.message,
      h(
        'div',
        { class: 'columns runs-columns' },
        h('div', { class: 'col' }, h('h3', {}, 'Runs'), this.status, this.list),
        h('div', { class: 'col' }, h('h3', {}, 'Metrics per epoch'), this.metricBar, this.chartHost),
        h('div', { class: 'col' }, h('h3', {}, 'Run'), this.details),
      ),
    );
    this.connect();
    window.addEventListener('resize', this.onResize);
  }

  private onResize = (): void => this.drawChart();

  private writeUrl(): void {
    const p = new URLSearchParams();
    p.set('runs', [...this.selected].join(','));
    p.set('metric', this.metric);
    p.set('log', this.log ? '1' : '0');
    if (this.focused) p.set('run', this.focused);
    this.ctx.setParams(p);
  }

  /** The server's event stream; if it breaks, EventSource retries by itself and we say so. */
  private connect(): void {
    this.events = new EventSource('api/events');
    this.events.addEventListener('runs', (e) => {
      this.message.textContent = '';
      void this.onRuns(JSON.parse((e as MessageEvent<string>).data) as RunSummary[]);
    });
    this.events.onerror = () => {
      this.status.textContent = 'Lost the connection to the studio server; retrying…';
    };
  }

  private async onRuns(runs: RunSummary[]): Promise<void> {
    this.runs = runs;
    const names = new Set(runs.map((r) => r.name));
    // first visit: show the newest run
    if (this.selected.size === 0 && runs.length > 0 && !this.ctx.params.has('runs'))
      this.selected.add(runs[0].name);
    for (const s of [...this.selected]) if (!names.has(s)) this.selected.delete(s);
    if (!this.focused || !names.has(this.focused)) this.focused = runs[0]?.name ?? null;
    const stale = runs.filter((r) => this.selected.has(r.name) && this.logs.get(r.name)?.size !== r.logSize);
    await Promise.all(stale.map((r) => this.fetchLog(r)));
    this.status.textContent =
      runs.length === 0
        ? 'No runs yet. Train one — e.g. neurite train cnn-mnist --out runs/lenet — and it appears here.'
        : `${runs.length} run${runs.length === 1 ? '' : 's'}, ${runs.filter((r) => r.running).length} training`;
    this.writeUrl();
    this.render();
  }

  private async fetchLog(r: RunSummary): Promise<void> {
    try {
      const res = await fetch(`api/runs/${encodeURIComponent(r.name)}/log`);
      if (!res.ok) throw new Error(`the server answered ${res.status}`);
      this.logs.set(r.name, { size: r.logSize, entries: (await res.json()) as LogEntry[] });
    } catch (e) {
      this.message.textContent = `Cannot read the log of ${r.name}: ${(e as Error).message}`;
      this.message.classList.add('error');
    }
  }

  private render(): void {
    this.list.replaceChildren(
      ...this.runs.map((r, i) => {
        const box = h('input', {
          type: 'checkbox',
          id: `run-${i}`,
          'data-run': r.name,
          checked: this.selected.has(r.name),
        });
        box.addEventListener('change', async () => {
          if (box.checked) {
            this.selected.add(r.name);
            if (this.logs.get(r.name)?.size !== r.logSize) await this.fetchLog(r);
          } else {
            this.selected.delete(r.name);
          }
          this.writeUrl();
          this.render();
        });
        const color = this.colorOf(r.name);
        const acc = r.result?.metrics?.accuracy;
        return h(
          'div',
          {
            class: `run${this.focused === r.name ? ' focused' : ''}`,
            'data-run': r.name,
            'data-epochs': String(r.epochs),
          },
          box,
          h('i', { class: 'dot', style: `background:${color}` }),
          h(
            'button',
            {
              class: 'run-name',
              onclick: () => {
                this.focused = r.name;
                this.writeUrl();
                this.render();
              },
            },
            h('b', {}, r.name),
            h(
              'span',
              { class: 'small' },
              ` ${r.recipe?.preset ?? r.recipe?.configFile ?? ''} · ${r.epochs} epoch${r.epochs === 1 ? '' : 's'}`,
              r.running ? ' · training…' : acc !== undefined ? ` · test ${(acc * 100).toFixed(2)} %` : '',
            ),
          ),
        );
      }),
    );
    this.renderMetricBar();
    this.drawChart();
    this.renderDetails();
  }

  private colorOf(name: string): string {
    const i = this.runs.findIndex((r) => r.name === name);
    return RUN_COLORS[Math.max(0, i) % RUN_COLORS.length];
  }

  /** The metrics the selected runs logged, without the val prefix (train and validation share a chart). */
  private metrics(): string[] {
    const keys = new Set<string>();
    for (const name of this.selected) {
      for (const e of this.logs.get(name)?.entries ?? []) {
        for (const k of Object.keys(e)) {
          if (NOT_METRICS.has(k)) continue;
          keys.add(k.startsWith('val') && k.length > 3 ? k.charAt(3).toLowerCase() + k.slice(4) : k);
        }
      }
    }
    return [...keys, 'lr', 'seconds'];
  }

  private renderMetricBar(): void {
    const metrics = this.metrics();
    if (!metrics.includes(this.metric)) this.metric = metrics.includes('loss') ? 'loss' : metrics[0];
    const sel = h('select', { id: 'metric' });
    for (const m of metrics) sel.append(h('option', { value: m }, m));
    sel.value = this.metric;
    sel.addEventListener('change', () => {
      this.metric = sel.value;
      this.writeUrl();
      this.drawChart();
    });
    const logBox = h('input', { type: 'checkbox', id: 'log-scale', checked: this.log });
    logBox.addEventListener('change', () => {
      this.log = logBox.checked;
      this.writeUrl();
      this.drawChart();
    });
    this.metricBar.replaceChildren(
      h('label', { class: 'field' }, h('span', {}, 'Metric'), sel),
      h('label', { class: 'small' }, logBox, ' log scale'),
    );
  }

  private drawChart(): void {
    this.plot?.destroy();
    this.plot = null;
    const names = this.runs.map((r) => r.name).filter((n) => this.selected.has(n));
    if (names.length === 0) {
      this.chartHost.replaceChildren(h('p', { class: 'small' }, 'Tick a run to plot it.'));
      return;
    }
    const metric = this.metric;
    const valKey = `val${upperFirst(metric)}`;
    const epochs = new Set<number>();
    for (const n of names) for (const e of this.logs.get(n)?.entries ?? []) epochs.add(e.epoch);
    const xs = [...epochs].sort((a, b) => a - b);
    const series: uPlot.Series[] = [{}];
    const data: (number | null)[][] = [xs];
    const clean = (v: number | undefined) =>
      v === undefined || !Number.isFinite(v) || (this.log && v <= 0) ? null : v;
    for (const n of names) {
      const byEpoch = new Map((this.logs.get(n)?.entries ?? []).map((e) => [e.epoch, e]));
      const color = this.colorOf(n);
      const train = xs.map((x) => clean(byEpoch.get(x)?.[metric]));
      if (train.some((v) => v !== null)) {
        series.push({ label: `${n}`, stroke: color, width: 2, spanGaps: true, points: { size: 5 } });
        data.push(train);
      }
      const val = xs.map((x) => clean(byEpoch.get(x)?.[valKey]));
      if (val.some((v) => v !== null)) {
        series.push({
          label: `${n} (val)`,
          stroke: color,
          width: 2,
          dash: [6, 3],
          spanGaps: true,
          points: { size: 5 },
        });
        data.push(val);
      }
    }
    const fg = getComputedStyle(document.documentElement).getPropertyValue('--fg').trim() || '#222';
    const grid = { stroke: 'rgba(128,128,128,0.2)', width: 1 };
    const width = Math.max(360, this.chartHost.clientWidth || 520);
    this.chartHost.replaceChildren();
    this.chartHost.dataset.points = String(xs.length);
    this.plot = new uPlot(
      {
        width,
        height: 340,
        scales: { x: { time: false }, y: this.log ? { distr: 3 } : { auto: true } },
        axes: [
          { label: 'epoch', stroke: fg, grid },
          { label: metric, stroke: fg, grid, size: 56 },
        ],
        series,
        legend: { live: false },
      },
      data as uPlot.AlignedData,
      this.chartHost,
    );
  }

  private renderDetails(): void {
    const r = this.runs.find((x) => x.name === this.focused);
    if (!r) {
      this.details.replaceChildren(h('p', { class: 'small' }, 'No run chosen.'));
      return;
    }
    const metrics = r.result?.metrics ?? {};
    const training = r.recipe?.training ?? {};
    const rows = (o: Record<string, unknown>, fmt: (k: string, v: unknown) => string) =>
      h(
        'table',
        { class: 'kv' },
        ...Object.entries(o)
          .filter(([, v]) => v !== undefined && v !== null)
          .map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, fmt(k, v)))),
      );
    this.details.replaceChildren(
      h('h4', {}, r.name),
      h('div', { class: 'small' }, describeRecipe(r.recipe)),
      h(
        'div',
        { class: 'small' },
        r.running ? 'training now' : r.result ? 'finished' : 'stopped before the end',
      ),
      h('h3', { class: 'spaced' }, 'Final test metrics'),
      r.result
        ? rows({ ...metrics, seconds: r.result.seconds, epochs: r.result.epochs }, (k, v) =>
            typeof v === 'number' ? fmtMetric(k, v) : String(v),
          )
        : h('p', { class: 'small' }, 'Not yet: result.json appears when training ends.'),
      h('h3', { class: 'spaced' }, 'Training settings'),
      rows(training, (_, v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))),
      r.checkpoint && MNIST_PRESETS.has(r.recipe?.preset ?? '')
        ? h(
            'p',
            {},
            h(
              'a',
              { id: 'open-in-page', href: `#/mnist?checkpoint=${encodeURIComponent(r.name)}` },
              'Open in the MNIST page (drawing pad, confusion matrix) →',
            ),
          )
        : r.checkpoint && r.recipe?.preset === 'randwire-mnist'
          ? h(
              'p',
              {},
              h(
                'a',
                { id: 'open-in-page', href: `#/randwire?checkpoint=${encodeURIComponent(r.name)}` },
                'Open in the RandWire page (its graphs and learned edge weights) →',
              ),
            )
          : '',
      r.checkpoint
        ? h(
            'p',
            { class: 'small' },
            'Checkpoint: ',
            h(
              'a',
              {
                href: `api/runs/${encodeURIComponent(r.name)}/checkpoint.json`,
                download: `${r.name}-checkpoint.json`,
              },
              'checkpoint.json',
            ),
          )
        : '',
    );
  }

  destroy(): void {
    this.events?.close();
    this.plot?.destroy();
    window.removeEventListener('resize', this.onResize);
  }
}
