/**
 * RNN, LSTM and GRU on the same task: the test-accuracy curve of the latest run of each cell type, overlaid in
 * one uPlot chart (one colour per cell, labelled), and a table of their parameters, final accuracy and time.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { CLASS_COLORS } from '../common/colors.js';
import { h } from '../common/dom.js';
import type { CellName } from './protocol.js';

/** One colour per cell type, from the class palette (colour-blind safe). */
export const CELL_COLORS: Record<CellName, string> = {
  rnn: CLASS_COLORS[0],
  lstm: CLASS_COLORS[1],
  gru: CLASS_COLORS[2],
};
const NAMES: Record<CellName, string> = { rnn: 'RNN', lstm: 'LSTM', gru: 'GRU' };

export interface CompareRun {
  cell: CellName;
  parameters: number;
  points: [number, number][];
  seconds: number;
  done: boolean;
}

export class CompareChart {
  readonly element: HTMLElement;
  private host = h('div');
  private table = h('table', { class: 'kv compare-table', id: 'compare-table' });
  private plot: uPlot | null = null;
  private runs = new Map<CellName, CompareRun>();
  private dirty = true;
  private themeQuery = matchMedia('(prefers-color-scheme: dark)');
  private onTheme = () => {
    this.plot?.destroy();
    this.plot = null;
    this.dirty = true;
    this.render();
  };

  constructor(
    private width: number,
    private height: number,
    private yLabel: string,
  ) {
    this.element = h('div', { class: 'curves compare', id: 'compare' }, this.host, this.table);
    this.themeQuery.addEventListener('change', this.onTheme);
  }

  /** Forgets every run (the task or its settings changed). */
  clear(): void {
    this.runs.clear();
    this.dirty = true;
  }

  /** Starts (or restarts) the run of a cell type, replacing its previous one. */
  start(cell: CellName, parameters: number): void {
    this.runs.set(cell, { cell, parameters, points: [], seconds: 0, done: false });
    this.dirty = true;
  }

  add(cell: CellName, epoch: number, accuracy: number, seconds: number, done: boolean): void {
    const run = this.runs.get(cell);
    if (!run) return;
    run.points.push([epoch, accuracy * 100]);
    run.seconds = seconds;
    run.done = done;
    this.dirty = true;
  }

  finish(cell: CellName, seconds: number): void {
    const run = this.runs.get(cell);
    if (!run) return;
    run.done = true;
    run.seconds = seconds;
    this.dirty = true;
  }

  get size(): number {
    return [...this.runs.values()].filter((r) => r.points.length > 0).length;
  }

  private make(): uPlot {
    const fg = getComputedStyle(document.documentElement).getPropertyValue('--fg').trim() || '#222';
    const grid = { stroke: 'rgba(128,128,128,0.2)', width: 1 };
    const runs = [...this.runs.values()];
    return new uPlot(
      {
        width: this.width,
        height: this.height,
        legend: { show: true, live: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: false }, y: { range: [0, 100] } },
        axes: [
          { label: 'epoch', stroke: fg, grid, size: 32, labelSize: 16 },
          { label: this.yLabel, stroke: fg, grid, size: 48, labelSize: 16 },
        ],
        series: [
          {},
          ...runs.map((r) => ({
            label: NAMES[r.cell],
            stroke: CELL_COLORS[r.cell],
            width: 2,
            spanGaps: true,
            points: { show: true, size: 5, fill: CELL_COLORS[r.cell] },
          })),
        ],
      },
      this.aligned(runs),
      this.host,
    );
  }

  /** uPlot wants one x array: the union of the runs' epochs, each run null where it has no point. */
  private aligned(runs: CompareRun[]): uPlot.AlignedData {
    const xs = [...new Set(runs.flatMap((r) => r.points.map((p) => p[0])))].sort((a, b) => a - b);
    const series = runs.map((r) => {
      const at = new Map(r.points.map((p) => [p[0], p[1]]));
      return xs.map((x) => at.get(x) ?? null);
    });
    return [xs, ...series] as uPlot.AlignedData;
  }

  render(): void {
    if (!this.dirty) return;
    this.dirty = false;
    // the set of series changes with the runs: remake the plot (a few times per run, cheap)
    const runs = [...this.runs.values()];
    const key = runs.map((r) => r.cell).join(',');
    if (!this.plot || this.host.dataset.series !== key) {
      this.plot?.destroy();
      this.host.replaceChildren();
      this.plot = this.make();
      this.host.dataset.series = key;
    } else {
      this.plot.setData(this.aligned(runs));
    }
    this.element.dataset.runs = String(this.size);
    this.table.replaceChildren(
      h('tr', {}, h('th', {}, 'cell'), h('th', {}, 'parameters'), h('th', {}, 'test'), h('th', {}, 'time')),
      ...runs.map((r) => {
        const last = r.points.at(-1);
        return h(
          'tr',
          { 'data-cell': r.cell, 'data-accuracy': last ? String(last[1] / 100) : '' },
          h(
            'td',
            {},
            h('span', { class: 'dot', style: `background:${CELL_COLORS[r.cell]}` }),
            ` ${NAMES[r.cell]}`,
          ),
          h('td', {}, r.parameters.toLocaleString('en')),
          h('td', {}, last ? `${last[1].toFixed(1)} %` : '–'),
          h('td', {}, `${r.seconds.toFixed(0)} s${r.done ? '' : ' …'}`),
        );
      }),
    );
  }

  destroy(): void {
    this.themeQuery.removeEventListener('change', this.onTheme);
    this.plot?.destroy();
  }
}
