/**
 * Train/test curves over epochs with uPlot: the same two colours everywhere, labelled axes, and a log scale for
 * the loss that the reader can switch on.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { REFERENCE_COLOR, TEST_COLOR, TRAIN_COLOR } from './colors.js';
import { h } from './dom.js';

export interface CurveOptions {
  /** The y axis label, with its unit: "loss (cross-entropy)", "accuracy (%)". */
  yLabel: string;
  width: number;
  height: number;
  /** Offer a log-scale switch (for losses). */
  logSwitch?: boolean;
  /** Fixed y range (accuracy in %); otherwise automatic. */
  yRange?: [number, number];
  /** Mark each test measurement with a dot (when they are few). */
  testPoints?: boolean;
  /** The x axis label (default "epoch"). */
  xLabel?: string;
  /** A horizontal reference line (a baseline), drawn grey and dotted; its value is set with `setReference`. */
  reference?: { label: string };
}

export class Curves {
  readonly element: HTMLElement;
  private plot: uPlot;
  private epochs: number[] = [];
  private train: (number | null)[] = [];
  private test: (number | null)[] = [];
  private reference: number | null = null;
  private log = false;
  private dirty = false;

  constructor(private options: CurveOptions) {
    this.element = h('div', { class: 'curves' });
    const host = h('div');
    this.element.append(host);
    if (options.logSwitch) {
      const box = h('input', { type: 'checkbox' });
      box.addEventListener('change', () => {
        this.log = box.checked;
        this.rebuild(host);
      });
      this.element.append(h('label', { class: 'small' }, box, ' log scale'));
    }
    this.plot = this.make(host);
    // the axes take the theme's colours when made: remake them when the system theme changes
    this.onTheme = () => this.rebuild(host);
    this.themeQuery.addEventListener('change', this.onTheme);
  }

  private themeQuery = matchMedia('(prefers-color-scheme: dark)');
  private onTheme: () => void;

  /** Frees the plot and stops following the theme (when the page goes). */
  destroy(): void {
    this.themeQuery.removeEventListener('change', this.onTheme);
    this.plot.destroy();
  }

  private make(host: HTMLElement): uPlot {
    const { width, height, yLabel, yRange } = this.options;
    const axisColor = getComputedStyle(document.documentElement).getPropertyValue('--fg').trim() || '#222';
    const grid = { stroke: 'rgba(128,128,128,0.2)', width: 1 };
    const opts: uPlot.Options = {
      width,
      height,
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: false },
        y: this.log ? { distr: 3 } : yRange ? { range: yRange } : { auto: true },
      },
      axes: [
        { label: this.options.xLabel ?? 'epoch', stroke: axisColor, grid, size: 32, labelSize: 16 },
        { label: yLabel, stroke: axisColor, grid, size: 48, labelSize: 16 },
      ],
      series: [
        {},
        // the two series are measured at different moments (test less often): join each across the other's gaps
        { label: 'train', stroke: TRAIN_COLOR, width: 2, spanGaps: true, points: { show: false } },
        {
          label: 'test',
          stroke: TEST_COLOR,
          width: 2,
          dash: [6, 3],
          spanGaps: true,
          points: { show: this.options.testPoints ?? false, size: 6, fill: TEST_COLOR },
        },
        ...(this.options.reference
          ? [
              {
                label: this.options.reference.label,
                stroke: REFERENCE_COLOR,
                width: 1.5,
                dash: [2, 4],
                points: { show: false },
              },
            ]
          : []),
      ],
    };
    return new uPlot(opts, this.aligned(), host);
  }

  /** The series as uPlot takes them; the reference, when there is one, as a constant series. */
  private aligned(): uPlot.AlignedData {
    const series = [this.epochs, this.train, this.test];
    if (this.options.reference) series.push(this.epochs.map(() => this.reference));
    return series as uPlot.AlignedData;
  }

  /** Sets (or, with null, hides) the value of the reference line. */
  setReference(value: number | null): void {
    this.reference = value !== null && Number.isFinite(value) ? value : null;
    this.dirty = true;
  }

  private rebuild(host: HTMLElement): void {
    this.plot.destroy();
    host.replaceChildren();
    this.plot = this.make(host);
  }

  clear(): void {
    this.epochs = [];
    this.train = [];
    this.test = [];
    this.dirty = true;
  }

  push(epoch: number, train: number | null, test: number | null): void {
    const clean = (v: number | null) =>
      v === null || !Number.isFinite(v) || (this.log && v <= 0) ? null : v;
    this.epochs.push(epoch);
    this.train.push(clean(train));
    this.test.push(clean(test));
    this.dirty = true;
  }

  /** Redraws if points were added since the last call (the page calls this once per frame). */
  render(): void {
    if (!this.dirty) return;
    this.dirty = false;
    this.plot.setData(this.aligned());
  }
}
