/**
 * The drawing pad: draw a digit with the mouse, a pen or a finger; it is turned into a 28×28 image the way MNIST
 * digits were made (the ink's bounding box scaled into 20×20, then centred on its centre of mass in 28×28), and
 * handed to `onDigit` after each stroke and, throttled, while drawing.
 */
import { h } from '../common/dom.js';

const SIZE = 196;

export class DrawingPad {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private ctx: CanvasRenderingContext2D;
  private drawing = false;
  private last: { x: number; y: number } | null = null;
  private lastSent = 0;

  constructor(private onDigit: (pixels: Float32Array) => void) {
    this.canvas = h('canvas', {
      id: 'pad',
      class: 'pad',
      width: SIZE,
      height: SIZE,
      'aria-label': 'drawing pad: draw a digit',
    });
    this.ctx = this.canvas.getContext('2d', { willReadFrequently: true })!;
    this.clear();
    const clear = h('button', { id: 'pad-clear', onclick: () => this.clear() }, 'Clear');
    this.element = h('div', { class: 'pad-box' }, this.canvas, clear);
    this.canvas.addEventListener('pointerdown', (e) => {
      this.drawing = true;
      this.canvas.setPointerCapture(e.pointerId);
      this.last = this.point(e);
      this.stroke(this.last);
    });
    this.canvas.addEventListener('pointermove', (e) => {
      if (!this.drawing) return;
      this.stroke(this.point(e));
      if (performance.now() - this.lastSent > 100) this.emit();
    });
    const end = () => {
      if (!this.drawing) return;
      this.drawing = false;
      this.last = null;
      this.emit();
    };
    this.canvas.addEventListener('pointerup', end);
    this.canvas.addEventListener('pointercancel', end);
  }

  private point(e: PointerEvent): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) / r.width) * SIZE, y: ((e.clientY - r.top) / r.height) * SIZE };
  }

  private stroke(p: { x: number; y: number }): void {
    const ctx = this.ctx;
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 16;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(this.last?.x ?? p.x, this.last?.y ?? p.y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    this.last = p;
  }

  clear(): void {
    this.ctx.fillStyle = '#000';
    this.ctx.fillRect(0, 0, SIZE, SIZE);
  }

  /** The pad's ink as a 28×28 MNIST-style image (values 0–1), or null when it is empty. */
  digit(): Float32Array | null {
    const src = this.ctx.getImageData(0, 0, SIZE, SIZE).data;
    let x0 = SIZE;
    let y0 = SIZE;
    let x1 = -1;
    let y1 = -1;
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        if (src[4 * (y * SIZE + x)] > 20) {
          x0 = Math.min(x0, x);
          x1 = Math.max(x1, x);
          y0 = Math.min(y0, y);
          y1 = Math.max(y1, y);
        }
      }
    }
    if (x1 < 0) return null;
    const w = x1 - x0 + 1;
    const hgt = y1 - y0 + 1;
    const scale = 20 / Math.max(w, hgt);
    const small = document.createElement('canvas');
    small.width = 28;
    small.height = 28;
    const sctx = small.getContext('2d', { willReadFrequently: true })!;
    sctx.fillStyle = '#000';
    sctx.fillRect(0, 0, 28, 28);
    sctx.imageSmoothingEnabled = true;
    sctx.imageSmoothingQuality = 'high';
    const dw = w * scale;
    const dh = hgt * scale;
    sctx.drawImage(this.canvas, x0, y0, w, hgt, (28 - dw) / 2, (28 - dh) / 2, dw, dh);
    const px = sctx.getImageData(0, 0, 28, 28).data;
    const img = new Float32Array(784);
    let mass = 0;
    let cx = 0;
    let cy = 0;
    for (let i = 0; i < 784; i++) {
      const v = px[4 * i] / 255;
      img[i] = v;
      mass += v;
      cx += v * (i % 28);
      cy += v * Math.floor(i / 28);
    }
    // shift so the centre of mass sits at the centre, as MNIST's digits were placed
    const dx = Math.round(13.5 - cx / mass);
    const dy = Math.round(13.5 - cy / mass);
    const out = new Float32Array(784);
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const sx = x - dx;
        const sy = y - dy;
        if (sx >= 0 && sx < 28 && sy >= 0 && sy < 28) out[y * 28 + x] = img[sy * 28 + sx];
      }
    }
    return out;
  }

  private emit(): void {
    this.lastSent = performance.now();
    const d = this.digit();
    if (d) this.onDigit(d);
  }

  /** Paints a 28×28 image (values 0–1) onto the pad at full size, as if drawn, and classifies it. */
  show(pixels: ArrayLike<number>): void {
    const img = new ImageData(28, 28);
    for (let i = 0; i < 784; i++) {
      const v = Math.round(Math.min(1, Math.max(0, pixels[i])) * 255);
      img.data.set([v, v, v, 255], 4 * i);
    }
    const tmp = document.createElement('canvas');
    tmp.width = 28;
    tmp.height = 28;
    tmp.getContext('2d')!.putImageData(img, 0, 0);
    this.clear();
    this.ctx.imageSmoothingEnabled = true;
    this.ctx.drawImage(tmp, 0, 0, SIZE, SIZE);
    this.emit();
  }
}
