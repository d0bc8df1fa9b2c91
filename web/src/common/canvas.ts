/** Canvases at the device pixel ratio, so heat-maps and points stay crisp on high-DPI screens. */

/** Sizes a canvas to `width`×`height` CSS pixels and returns its context scaled to CSS pixels. */
export function sizeCanvas(
  canvas: HTMLCanvasElement,
  width: number,
  height: number,
): CanvasRenderingContext2D {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.round(width * dpr);
  const hgt = Math.round(height * dpr);
  if (canvas.width !== w || canvas.height !== hgt) {
    canvas.width = w;
    canvas.height = hgt;
  }
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

const scratch = new Map<number, { canvas: HTMLCanvasElement; image: ImageData }>();

/**
 * Draws a size×size field of colours (row-major from the top) scaled to fill (x, y, w, h). The field is a
 * sample of a smooth function, so it is interpolated (smoothing on) rather than drawn as blocks.
 */
export function drawField(
  ctx: CanvasRenderingContext2D,
  size: number,
  color: (i: number) => readonly [number, number, number],
  x: number,
  y: number,
  w: number,
  h: number,
  smooth = true,
): void {
  let s = scratch.get(size);
  if (!s) {
    const canvas = document.createElement('canvas');
    canvas.width = size;
    canvas.height = size;
    s = { canvas, image: new ImageData(size, size) };
    scratch.set(size, s);
  }
  const px = s.image.data;
  for (let i = 0; i < size * size; i++) {
    const [r, g, b] = color(i);
    px[4 * i] = r;
    px[4 * i + 1] = g;
    px[4 * i + 2] = b;
    px[4 * i + 3] = 255;
  }
  s.canvas.getContext('2d')!.putImageData(s.image, 0, 0);
  ctx.imageSmoothingEnabled = smooth;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(s.canvas, x, y, w, h);
}
