/**
 * The network unrolled over time, drawn on one canvas: a column per time step, and from top to bottom the
 * step's input, the hidden state as a heat-map strip (one row per hidden unit, the diverging map centred on 0),
 * an LSTM's cell state and the gates (sigmoid gates on viridis 0..1, tanh candidates on the diverging map), and
 * what the step writes against what it should.
 */
import { sizeCanvas } from '../common/canvas.js';
import { diverging, viridis } from '../common/colors.js';
import type { Strip, UnrolledView } from './protocol.js';

const LABEL_W = 112;
const GAP = 6;

function css([r, g, b]: readonly [number, number, number]): string {
  return `rgb(${r | 0},${g | 0},${b | 0})`;
}

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/** The strips shown for a direction (both when the layer reads one way). */
export function stripsFor(view: UnrolledView, direction: 0 | 1): Strip[] {
  return view.strips.filter((s) => s.direction === direction);
}

/** Draws `view` into `canvas`, `width` CSS pixels wide; returns the drawn height. */
export function drawUnrolled(
  canvas: HTMLCanvasElement,
  view: UnrolledView,
  width: number,
  direction: 0 | 1,
): number {
  const T = view.steps.length;
  const H = view.hidden;
  // at least 9 px a step, so letters stay legible: a long sequence scrolls sideways instead
  const cw = Math.max(9, Math.min(34, Math.floor((width - LABEL_W) / T)));
  const rh = Math.max(1, Math.min(4, Math.floor(100 / H)));
  const strips = stripsFor(view, direction);
  const hasPixels = view.steps.some((s) => s.pixels);
  const inputH = hasPixels ? 56 : 18;
  const hasOutput = view.steps.some((s) => s.output !== undefined);
  const phaseH = 16;
  const stripH = H * rh;
  const height = phaseH + inputH + GAP + strips.length * (stripH + GAP) + (hasOutput ? 36 : 0);
  const totalW = LABEL_W + T * cw;
  const ctx = sizeCanvas(canvas, totalW, height);
  const fg = cssVar('--fg', '#222');
  const muted = cssVar('--muted', '#666');
  const error = cssVar('--error', '#b3261e');
  ctx.clearRect(0, 0, totalW, height);
  ctx.textBaseline = 'middle';
  const x0 = LABEL_W;
  const label = (text: string, y: number, sub?: string) => {
    ctx.fillStyle = fg;
    ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'right';
    ctx.fillText(text, LABEL_W - 6, sub ? y - 6 : y);
    if (sub) {
      ctx.fillStyle = muted;
      ctx.font = '10px system-ui, sans-serif';
      ctx.fillText(sub, LABEL_W - 6, y + 7);
    }
  };

  // the phases (encoder | decoder), with a divider through every row
  let y = 0;
  ctx.font = '10px system-ui, sans-serif';
  ctx.textAlign = 'left';
  for (const p of view.phases) {
    ctx.fillStyle = muted;
    ctx.fillText(p.label, x0 + p.from * cw + 2, phaseH / 2);
  }
  label('time step →', phaseH / 2);
  y += phaseH;

  // inputs: characters, or a row of pixels drawn as a column (ink dark)
  label('input', y + inputH / 2, hasPixels ? 'a row, turned ↓' : undefined);
  const mono = `${Math.min(12, Math.max(8, cw - 1))}px ui-monospace, monospace`;
  view.steps.forEach((s, t) => {
    const x = x0 + t * cw;
    if (s.pixels) {
      const ph = inputH / s.pixels.length;
      for (let k = 0; k < s.pixels.length; k++) {
        const v = 255 - Math.round(s.pixels[k] * 255);
        ctx.fillStyle = `rgb(${v},${v},${v})`;
        ctx.fillRect(x, y + k * ph, cw - 1, ph + 0.5);
      }
    } else {
      ctx.fillStyle = fg;
      ctx.textAlign = 'center';
      ctx.font = s.input.length > 1 ? '8px system-ui, sans-serif' : mono;
      ctx.fillText(s.input.length > 1 ? s.input.replace(/[‹›]/g, '') : s.input, x + cw / 2, y + inputH / 2);
    }
  });
  y += inputH + GAP;

  // the strips: time along x, hidden units along y
  for (const s of strips) {
    let scale = 1;
    if (s.name === 'c') {
      for (const v of s.data) scale = Math.max(scale, Math.abs(v));
    }
    const range = s.map === 'viridis' ? '0 … 1' : scale > 1 ? `±${scale.toFixed(1)}` : '−1 … +1';
    label(s.label, y + stripH / 2, range);
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < H; j++) {
        const v = s.data[t * H + j];
        ctx.fillStyle = css(s.map === 'viridis' ? viridis(v) : diverging(v / scale));
        ctx.fillRect(x0 + t * cw, y + j * rh, cw - (cw > 6 ? 1 : 0), rh);
      }
    }
    y += stripH + GAP;
  }

  // outputs against targets
  if (hasOutput) {
    label('output', y + 8);
    label('expected', y + 26);
    view.steps.forEach((s, t) => {
      if (s.output === undefined) return;
      const x = x0 + t * cw + cw / 2;
      const wrong = s.target !== undefined && s.target !== '' && s.target !== s.output;
      const short = (v: string) => (v.length > 1 ? v.replace(/[‹›]/g, '') : v);
      ctx.textAlign = 'center';
      ctx.font = s.output.length > 1 ? '8px system-ui, sans-serif' : `bold ${mono}`;
      ctx.fillStyle = wrong ? error : fg;
      ctx.fillText(short(s.output), x, y + 8);
      ctx.font = s.target && s.target.length > 1 ? '8px system-ui, sans-serif' : mono;
      ctx.fillStyle = muted;
      ctx.fillText(short(s.target ?? ''), x, y + 26);
    });
  }

  // dividers between phases
  ctx.strokeStyle = fg;
  ctx.lineWidth = 1.5;
  for (const p of view.phases) {
    if (p.from === 0) continue;
    const x = x0 + p.from * cw - 0.5;
    ctx.beginPath();
    ctx.moveTo(x, 2);
    ctx.lineTo(x, height - 2);
    ctx.stroke();
  }
  return height;
}

/** A horizontal colour bar for a legend: the diverging map (−1 … +1) or viridis (0 … 1). */
export function drawColorBar(
  canvas: HTMLCanvasElement,
  map: 'diverging' | 'viridis',
  width = 90,
  height = 10,
): void {
  const ctx = sizeCanvas(canvas, width, height);
  for (let i = 0; i < width; i++) {
    const t = i / (width - 1);
    ctx.fillStyle = css(map === 'viridis' ? viridis(t) : diverging(2 * t - 1));
    ctx.fillRect(i, 0, 1, height);
  }
}
