/**
 * Drawings of a RandWire stage's graph on canvas (at device pixel ratio): the generator's undirected graph on a
 * circle, the DAG the network computes (left to right, input node to output node, edges coloured by σ(w)), the
 * degree histogram, and the colour scale's legend.
 */
import { sizeCanvas } from '../common/canvas.js';
import { CLASS_COLORS, CLASS_RGB } from '../common/colors.js';
import type { GraphJSON } from './protocol.js';

/** Input nodes of the graph (fed by the stage's input) in class-0 orange, output nodes in class-1 blue. */
export const INPUT_COLOR = CLASS_COLORS[0];
export const OUTPUT_COLOR = CLASS_COLORS[1];

interface Theme {
  fg: string;
  muted: string;
  bg: string;
  panel: string;
  border: string;
}

function theme(): Theme {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    fg: v('--fg', '#1f2328'),
    muted: v('--muted', '#5c6570'),
    bg: v('--bg', '#ffffff'),
    panel: v('--panel', '#f6f8fa'),
    border: v('--border', '#d0d7de'),
  };
}

const NEUTRAL: [number, number, number] = [150, 156, 163];
const WEAK = CLASS_RGB[0];
const STRONG = CLASS_RGB[1];

/**
 * The colour of an aggregation weight σ(w) on a diverging scale centred on ½, where every weight starts:
 * orange below (a wire turned down), blue above (a wire the node leans on more), reaching full colour at ½ ± `span`.
 * The middle is a grey that shows on both themes' backgrounds (the studio's light grey would vanish on white).
 */
export function weightColor(s: number, span: number): string {
  const t = Math.max(-1, Math.min(1, (s - 0.5) / span));
  const end = t < 0 ? WEAK : STRONG;
  const a = Math.abs(t);
  const c = NEUTRAL.map((n, i) => Math.round(n + (end[i] - n) * a));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

function weightWidth(s: number, span: number): number {
  return 1.6 + 1.4 * Math.max(-1, Math.min(1, (s - 0.5) / span));
}

/**
 * The half-width of the colour scale: the largest distance of any σ(w) from ½ (at least 0.005, so the first
 * steps' tiny changes are not blown up to full colour). Batch norm after every node makes only the ratios of a
 * node's weights matter, so they move by hundredths, not by halves; a fixed 0–1 scale would hide that.
 */
export function weightSpan(all: { edges: Float32Array; inputs: Float32Array }[]): number {
  let span = 0.005;
  for (const w of all)
    for (const arr of [w.edges, w.inputs]) for (const v of arr) span = Math.max(span, Math.abs(v - 0.5));
  return span;
}

function nodeFill(g: GraphJSON, v: number, t: Theme): string {
  if (g.inputs.includes(v)) return INPUT_COLOR;
  if (g.outputs.includes(v)) return OUTPUT_COLOR;
  return t.panel;
}

function drawNode(
  ctx: CanvasRenderingContext2D,
  x: number,
  y: number,
  r: number,
  label: string,
  fill: string,
  t: Theme,
  both = false,
): void {
  ctx.beginPath();
  ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.fillStyle = fill;
  ctx.fill();
  if (both) {
    // a node without edges is both an input and an output node: half of each colour
    ctx.beginPath();
    ctx.arc(x, y, r, -Math.PI / 2, Math.PI / 2);
    ctx.fillStyle = OUTPUT_COLOR;
    ctx.fill();
    ctx.beginPath();
    ctx.arc(x, y, r, 0, 2 * Math.PI);
  }
  ctx.lineWidth = 1.2;
  ctx.strokeStyle = t.fg;
  ctx.stroke();
  if (r >= 7) {
    ctx.fillStyle = fill === t.panel ? t.fg : '#000';
    ctx.font = `${Math.min(11, r + 1)}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(label, x, y + 0.5);
  }
}

/** The undirected graph as the generator made it: nodes on a circle in index order (clockwise from the top). */
export function drawCircle(canvas: HTMLCanvasElement, g: GraphJSON, size: number): void {
  const t = theme();
  const ctx = sizeCanvas(canvas, size, size);
  ctx.clearRect(0, 0, size, size);
  const n = g.nodes.length;
  const r = n > 16 ? 6 : 9;
  const radius = size / 2 - r - 4;
  const pos = g.nodes.map((v) => {
    const a = -Math.PI / 2 + (2 * Math.PI * v) / n;
    return [size / 2 + radius * Math.cos(a), size / 2 + radius * Math.sin(a)] as const;
  });
  ctx.strokeStyle = t.muted;
  ctx.lineWidth = 1;
  for (const [u, v] of g.edges) {
    ctx.beginPath();
    ctx.moveTo(pos[u][0], pos[u][1]);
    ctx.lineTo(pos[v][0], pos[v][1]);
    ctx.stroke();
  }
  for (const v of g.nodes) {
    const both = g.inputs.includes(v) && g.outputs.includes(v);
    drawNode(ctx, pos[v][0], pos[v][1], r, String(v), nodeFill(g, v, t), t, both);
  }
}

/** A bar per degree: how many nodes have it. */
export function drawDegrees(
  canvas: HTMLCanvasElement,
  degrees: number[],
  width: number,
  height: number,
): void {
  const t = theme();
  const ctx = sizeCanvas(canvas, width, height);
  ctx.clearRect(0, 0, width, height);
  const maxDegree = Math.max(1, ...degrees);
  const counts = new Array(maxDegree + 1).fill(0);
  for (const d of degrees) counts[d]++;
  const maxCount = Math.max(1, ...counts);
  const left = 26;
  const bottom = 30;
  const top = 6;
  const plotW = width - left - 6;
  const plotH = height - bottom - top;
  const bw = plotW / counts.length;
  ctx.font = '10px system-ui, sans-serif';
  ctx.fillStyle = t.fg;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  ctx.fillText(String(maxCount), left - 4, top + 4);
  ctx.fillText('0', left - 4, top + plotH);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const labelEvery = Math.ceil(counts.length / 12);
  counts.forEach((c, d) => {
    const hgt = (c / maxCount) * plotH;
    ctx.fillStyle = t.muted;
    ctx.fillRect(left + d * bw + 1, top + plotH - hgt, Math.max(1, bw - 2), hgt);
    if (d % labelEvery === 0) {
      ctx.fillStyle = t.fg;
      ctx.fillText(String(d), left + d * bw + bw / 2, top + plotH + 3);
    }
  });
  ctx.strokeStyle = t.border;
  ctx.beginPath();
  ctx.moveTo(left, top + plotH + 0.5);
  ctx.lineTo(left + plotW, top + plotH + 0.5);
  ctx.stroke();
  ctx.fillStyle = t.muted;
  ctx.fillText('degree (undirected)', left + plotW / 2, top + plotH + 15);
  ctx.save();
  ctx.translate(8, top + plotH / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = 'middle';
  ctx.fillText('nodes', 0, 0);
  ctx.restore();
}

/**
 * Each node's column in the DAG drawing: 1 + the longest path from a graph input node (which are in column 1;
 * the stage's input node is column 0). Index order is a topological order, so one pass in index order does.
 */
export function dagLevels(g: GraphJSON): number[] {
  const level = new Array(g.nodes.length).fill(1);
  for (const [u, v] of g.edges) level[v] = Math.max(level[v], level[u] + 1);
  return level;
}

export interface DagWeights {
  edges: Float32Array;
  inputs: Float32Array;
}

/**
 * The DAG the stage computes, drawn left to right: the stage's input node, the graph's nodes in columns by depth
 * (within a column in index order, the paper's order), the output node. Edges into a node carry its learned
 * aggregation weight σ(w), shown by colour and width; the output node's edges are a plain average (dashed).
 */
export function drawDag(
  canvas: HTMLCanvasElement,
  g: GraphJSON,
  weights: DagWeights | null,
  span: number,
  width: number,
  height: number,
): void {
  const t = theme();
  const ctx = sizeCanvas(canvas, width, height);
  ctx.clearRect(0, 0, width, height);
  const n = g.nodes.length;
  const level = dagLevels(g);
  const columns = Math.max(...level) + 2;
  const byLevel: number[][] = Array.from({ length: columns }, () => []);
  for (const v of g.nodes) byLevel[level[v]].push(v);
  const tallest = Math.max(...byLevel.map((c) => c.length));
  const margin = 24;
  const r = Math.max(
    5,
    Math.min(11, (height - 2 * margin) / tallest / 2.6, (width - 2 * margin) / columns / 3),
  );
  const colX = (c: number) => margin + ((width - 2 * margin) * c) / (columns - 1);
  const pos: [number, number][] = new Array(n);
  // rows of a tall column spread over the height; a lone node sits a little off the middle line, alternately
  // above and below, so that edges passing along that line do not run through it
  const gap = Math.min((height - 2 * margin) / Math.max(1, tallest - 1), 8 * r);
  byLevel.forEach((col, c) => {
    const shift = col.length === 1 && c > 1 && c < columns - 2 ? (c % 2 === 0 ? -1 : 1) * r * 1.6 : 0;
    col.forEach((v, i) => {
      pos[v] = [colX(c), height / 2 + shift + (i - (col.length - 1) / 2) * gap];
    });
  });
  const inPos: [number, number] = [colX(0), height / 2];
  const outPos: [number, number] = [colX(columns - 1), height / 2];
  const curve = (a: [number, number], b: [number, number]) => {
    const dx = (b[0] - a[0]) * 0.45;
    ctx.beginPath();
    ctx.moveTo(a[0], a[1]);
    ctx.bezierCurveTo(a[0] + dx, a[1], b[0] - dx, b[1], b[0], b[1]);
    ctx.stroke();
  };
  ctx.lineCap = 'round';
  // the output node's plain average first, beneath everything
  ctx.setLineDash([4, 3]);
  ctx.strokeStyle = t.muted;
  ctx.lineWidth = 1;
  for (const v of g.outputs) curve(pos[v], outPos);
  ctx.setLineDash([]);
  // weighted edges, the weakest first so the strong ones stay on top
  const drawn: { s: number; a: [number, number]; b: [number, number] }[] = [];
  g.inputs.forEach((v, i) => {
    drawn.push({ s: weights ? weights.inputs[i] : 0.5, a: inPos, b: pos[v] });
  });
  g.edges.forEach(([u, v], i) => {
    drawn.push({ s: weights ? weights.edges[i] : 0.5, a: pos[u], b: pos[v] });
  });
  drawn.sort((x, y) => x.s - y.s);
  for (const e of drawn) {
    ctx.strokeStyle = weightColor(e.s, span);
    ctx.lineWidth = weightWidth(e.s, span);
    curve(e.a, e.b);
  }
  for (const v of g.nodes) {
    const both = g.inputs.includes(v) && g.outputs.includes(v);
    drawNode(ctx, pos[v][0], pos[v][1], r, String(v), nodeFill(g, v, t), t, both);
  }
  // the stage's own input and output nodes
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  for (const [p, label] of [
    [inPos, 'in'],
    [outPos, 'out'],
  ] as const) {
    ctx.fillStyle = t.bg;
    ctx.strokeStyle = t.fg;
    ctx.lineWidth = 1.2;
    ctx.beginPath();
    ctx.rect(p[0] - 13, p[1] - 10, 26, 20);
    ctx.fill();
    ctx.stroke();
    ctx.fillStyle = t.fg;
    ctx.fillText(label, p[0], p[1] + 0.5);
  }
}

/** The colour scale of σ(w): ½ (where every weight starts) in the middle, ½ ± `span` at the ends. */
export function drawWeightLegend(canvas: HTMLCanvasElement, width: number, span: number): void {
  const t = theme();
  const height = 30;
  const ctx = sizeCanvas(canvas, width, height);
  ctx.clearRect(0, 0, width, height);
  const left = 6;
  const w = width - 12;
  for (let i = 0; i < w; i++) {
    ctx.fillStyle = weightColor(0.5 - span + (2 * span * i) / (w - 1), span);
    ctx.fillRect(left + i, 2, 1.5, 10);
  }
  ctx.font = '10px system-ui, sans-serif';
  ctx.fillStyle = t.fg;
  ctx.textBaseline = 'top';
  for (const [v, label, align] of [
    [0, `${(0.5 - span).toFixed(3)} turned down`, 'left'],
    [0.5, '½ (start)', 'center'],
    [1, `${(0.5 + span).toFixed(3)} kept`, 'right'],
  ] as const) {
    ctx.textAlign = align;
    ctx.fillText(label, left + v * w, 16);
    ctx.fillRect(left + v * (w - 1), 12, 1, 3);
  }
}
