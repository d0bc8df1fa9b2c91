/**
 * The network column of the playground: the input features, each hidden layer with a map per unit, and the
 * links between them coloured and sized by their weights. Controls to add and remove layers and units sit above
 * each column.
 */
import { drawField, sizeCanvas } from '../common/canvas.js';
import { diverging, divergingCss } from '../common/colors.js';
import { h } from '../common/dom.js';
import { DOMAIN } from './datasets.js';
import {
  type ActivationName,
  FEATURE_LABELS,
  FEATURES,
  type FeatureName,
  featureValue,
  MAX_LAYERS,
  MAX_UNITS,
  type PlaygroundSettings,
} from './settings.js';

const FEATURE_NODE = 32;
/** Room left of the feature maps for their names. */
const LABEL = 46;

export interface NetworkEvents {
  toggleFeature(f: FeatureName): void;
  setHidden(hidden: number[]): void;
}

/** A unit's map colour: tanh and sigmoid have fixed ranges; ReLU and linear units are scaled by their peak. */
function unitColors(
  map: Float32Array,
  activation: ActivationName,
): (i: number) => readonly [number, number, number] {
  if (activation === 'tanh') return (i) => diverging(map[i]);
  if (activation === 'sigmoid') return (i) => diverging(2 * map[i] - 1);
  let peak = 1e-6;
  for (const v of map) peak = Math.max(peak, Math.abs(v));
  return (i) => diverging(map[i] / peak);
}

export class NetworkView {
  readonly element: HTMLElement;
  private links: HTMLCanvasElement;
  private body: HTMLElement;
  private header: HTMLElement;
  private unitCanvases: HTMLCanvasElement[][] = [];
  private settings!: PlaygroundSettings;
  private positions: { x: number; y: number; size: number }[][] = [];
  private height = 0;
  private width = 0;

  constructor(private events: NetworkEvents) {
    this.header = h('div', { class: 'net-header' });
    this.links = h('canvas', { class: 'net-links', 'aria-hidden': 'true' });
    this.body = h('div', { class: 'net-body' }, this.links);
    this.element = h('div', { class: 'network' }, this.header, this.body);
  }

  /** Rebuilds the columns for new settings (features, layers, units). */
  layout(settings: PlaygroundSettings, outputs: number): void {
    this.settings = settings;
    const hidden = settings.hidden;
    const layerCount = h('span', { class: 'value', id: 'layer-count' }, String(hidden.length));
    const addLayer = h(
      'button',
      {
        class: 'icon',
        title: 'add a hidden layer',
        'aria-label': 'add a hidden layer',
        disabled: hidden.length >= MAX_LAYERS,
        onclick: () => this.events.setHidden([...hidden, hidden.at(-1) ?? 4]),
      },
      '+',
    );
    const removeLayer = h(
      'button',
      {
        class: 'icon',
        title: 'remove the last hidden layer',
        'aria-label': 'remove the last hidden layer',
        disabled: hidden.length === 0,
        onclick: () => this.events.setHidden(hidden.slice(0, -1)),
      },
      '−',
    );
    this.header.replaceChildren(
      h('h3', {}, 'Features'),
      h(
        'div',
        { class: 'layers-control' },
        addLayer,
        removeLayer,
        h('h3', {}, layerCount, hidden.length === 1 ? ' hidden layer' : ' hidden layers'),
      ),
    );

    const columns = hidden.length + 1;
    // the column between the data (210 px) and the output (350 px), with the page's margins and gaps
    const available = Math.max(320, Math.min(640, window.innerWidth - 210 - 350 - 100));
    const colWidth = Math.max(40, Math.min(96, Math.floor((available - LABEL - 8) / columns)));
    this.width = LABEL + columns * colWidth + 8;
    const maxUnits = Math.max(...hidden, 1);
    const unitSize = maxUnits <= 8 ? 30 : Math.max(8, Math.floor(300 / maxUnits));
    const unitGap = maxUnits <= 8 ? 8 : 2;
    const featureStep = FEATURE_NODE + 8;
    const top = 34;
    this.height = Math.max(FEATURES.length * featureStep, maxUnits * (unitSize + unitGap)) + top + 4;
    this.body.replaceChildren(this.links);
    this.body.style.height = `${this.height}px`;
    this.body.style.width = `${this.width}px`;
    this.positions = [];

    // features
    const featurePos: { x: number; y: number; size: number }[] = [];
    FEATURES.forEach((f, i) => {
      const on = settings.features.includes(f);
      const canvas = h('canvas');
      const button = h(
        'button',
        {
          class: `feature${on ? ' on' : ''}`,
          id: `feature-${f}`,
          'aria-pressed': on ? 'true' : 'false',
          title: `${on ? 'remove' : 'use'} the input ${FEATURE_LABELS[f]}`,
          onclick: () => this.events.toggleFeature(f),
        },
        h('span', {}, FEATURE_LABELS[f]),
        canvas,
      );
      const y = top + i * featureStep;
      button.style.top = `${y}px`;
      button.style.left = '0px';
      this.body.append(button);
      const ctx = sizeCanvas(canvas, FEATURE_NODE, FEATURE_NODE);
      const n = 24;
      const values = new Float32Array(n * n);
      let peak = 1e-6;
      for (let r = 0; r < n; r++) {
        for (let c = 0; c < n; c++) {
          const x = -DOMAIN + ((c + 0.5) * 2 * DOMAIN) / n;
          const yy = DOMAIN - ((r + 0.5) * 2 * DOMAIN) / n;
          const v = featureValue(f, x, yy);
          values[r * n + c] = v;
          peak = Math.max(peak, Math.abs(v));
        }
      }
      drawField(ctx, n, (k) => diverging(values[k] / peak), 0, 0, FEATURE_NODE, FEATURE_NODE);
      if (on) featurePos.push({ x: LABEL, y, size: FEATURE_NODE });
    });
    this.positions.push(featurePos);

    // hidden layers
    this.unitCanvases = [];
    hidden.forEach((units, l) => {
      const x = LABEL + (l + 1) * colWidth;
      const columnHeight = units * (unitSize + unitGap);
      const y0 = top + Math.max(0, (this.height - top - columnHeight) / 2);
      const canvases: HTMLCanvasElement[] = [];
      const pos: { x: number; y: number; size: number }[] = [];
      const controls = h(
        'div',
        { class: 'unit-control' },
        h(
          'button',
          {
            class: 'icon small',
            title: `add a unit to layer ${l + 1}`,
            'aria-label': `add a unit to layer ${l + 1}`,
            disabled: units >= MAX_UNITS,
            onclick: () => this.events.setHidden(hidden.map((u, i) => (i === l ? u + 1 : u))),
          },
          '+',
        ),
        h(
          'button',
          {
            class: 'icon small',
            title: `remove a unit from layer ${l + 1}`,
            'aria-label': `remove a unit from layer ${l + 1}`,
            disabled: units <= 1,
            onclick: () => this.events.setHidden(hidden.map((u, i) => (i === l ? u - 1 : u))),
          },
          '−',
        ),
        h('span', { class: 'small' }, `${units}`),
      );
      controls.style.left = `${x}px`;
      controls.style.top = '0px';
      this.body.append(controls);
      for (let u = 0; u < units; u++) {
        const c = h('canvas', { class: 'unit', title: `layer ${l + 1}, unit ${u + 1}` });
        const y = y0 + u * (unitSize + unitGap);
        c.style.left = `${x}px`;
        c.style.top = `${y}px`;
        sizeCanvas(c, unitSize, unitSize);
        this.body.append(c);
        canvases.push(c);
        pos.push({ x, y, size: unitSize });
      }
      this.unitCanvases.push(canvases);
      this.positions.push(pos);
    });
    // the output units, at the right edge, centred
    const mid = top + (this.height - top) / 2;
    this.positions.push(
      Array.from({ length: outputs }, (_, o) => ({
        x: this.width - 4,
        y: mid + (o - outputs / 2) * 12,
        size: 4,
      })),
    );
    sizeCanvas(this.links, this.width, this.height);
  }

  /** Paints the unit maps and the weights from the worker's latest state. */
  paint(neurons: Float32Array[][], thumb: number, weights: Float32Array[]): void {
    neurons.forEach((layer, l) => {
      layer.forEach((map, u) => {
        const c = this.unitCanvases[l]?.[u];
        if (!c) return;
        const size = Number.parseFloat(c.style.width);
        const ctx = sizeCanvas(c, size, size);
        drawField(ctx, thumb, unitColors(map, this.settings.activation), 0, 0, size, size);
      });
    });
    const ctx = sizeCanvas(this.links, this.width, this.height);
    ctx.clearRect(0, 0, this.width, this.height);
    let peak = 1e-6;
    for (const w of weights) for (const v of w) peak = Math.max(peak, Math.abs(v));
    weights.forEach((w, l) => {
      const from = this.positions[l];
      const to = this.positions[l + 1];
      if (!from || !to) return;
      const nIn = from.length;
      for (let o = 0; o < to.length; o++) {
        for (let i = 0; i < nIn; i++) {
          const v = w[o * nIn + i];
          if (v === undefined) continue;
          const a = from[i];
          const b = to[o];
          ctx.strokeStyle = divergingCss(v / peak, 0.9);
          ctx.lineWidth = Math.max(0.3, (4 * Math.abs(v)) / peak);
          ctx.beginPath();
          ctx.moveTo(a.x + a.size, a.y + a.size / 2);
          ctx.bezierCurveTo(
            (a.x + a.size + b.x) / 2,
            a.y + a.size / 2,
            (a.x + a.size + b.x) / 2,
            b.y + b.size / 2,
            b.x,
            b.y + b.size / 2,
          );
          ctx.stroke();
        }
      }
    });
  }
}
