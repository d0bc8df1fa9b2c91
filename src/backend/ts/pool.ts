/**
 * Reference 2-D pooling over NCHW planes: max (with argmax for the backward pass), average and adaptive
 * average, each following PyTorch's CPU kernels window by window.
 */
import type { Pool2dInfo } from '../backend.js';

/**
 * Max pooling. Padded cells never win (PyTorch pads with −∞); a NaN wins over any number, as in PyTorch; ties
 * go to the first cell in row-major order.
 */
export function maxPool2d(x: Float32Array, info: Pool2dInfo, out: Float32Array, argmax: Int32Array): void {
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, kernelHeight: KH, kernelWidth: KW } = info;
  const { strideHeight: sh, strideWidth: sw, padTop, padLeft, dilationHeight: dh, dilationWidth: dw } = info;
  const planes = info.batch * info.channels;
  for (let pl = 0; pl < planes; pl++) {
    const xOff = pl * H * W;
    const oOff = pl * OH * OW;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - padTop;
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * sw - padLeft;
        let best = Number.NEGATIVE_INFINITY;
        let where = -1;
        for (let kh = 0; kh < KH; kh++) {
          const ih = h0 + kh * dh;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = w0 + kw * dw;
            if (iw < 0 || iw >= W) continue;
            const v = x[xOff + ih * W + iw];
            if (where < 0 || v > best || Number.isNaN(v)) {
              best = v;
              where = ih * W + iw;
            }
          }
        }
        out[oOff + oh * OW + ow] = best;
        argmax[oOff + oh * OW + ow] = where;
      }
    }
  }
}

/** dx[argmax] += dy, plane by plane; windows that saw only padding (argmax −1) pass nothing back. */
export function maxPool2dBackward(
  dy: Float32Array,
  argmax: Int32Array,
  info: Pool2dInfo,
  dx: Float32Array,
): void {
  const inPlane = info.inHeight * info.inWidth;
  const outPlane = info.outHeight * info.outWidth;
  const planes = info.batch * info.channels;
  dx.fill(0);
  for (let pl = 0; pl < planes; pl++) {
    const xOff = pl * inPlane;
    const oOff = pl * outPlane;
    for (let o = 0; o < outPlane; o++) {
      const a = argmax[oOff + o];
      if (a >= 0) dx[xOff + a] += dy[oOff + o];
    }
  }
}

/**
 * One average-pooling window clipped to the input, and its divisor. As in PyTorch, the divisor with
 * `countIncludePad` counts padding but not the overhang past the padded edge that ceil mode can add.
 */
function avgWindow(info: Pool2dInfo, oh: number, ow: number): [number, number, number, number, number] {
  const { inHeight: H, inWidth: W, kernelHeight: KH, kernelWidth: KW, padTop, padLeft } = info;
  let h0 = oh * info.strideHeight - padTop;
  let w0 = ow * info.strideWidth - padLeft;
  let h1 = Math.min(h0 + KH, H + padTop);
  let w1 = Math.min(w0 + KW, W + padLeft);
  const padded = (h1 - h0) * (w1 - w0);
  h0 = Math.max(h0, 0);
  w0 = Math.max(w0, 0);
  h1 = Math.min(h1, H);
  w1 = Math.min(w1, W);
  const divisor = info.countIncludePad ? padded : (h1 - h0) * (w1 - w0);
  return [h0, h1, w0, w1, divisor];
}

export function avgPool2d(x: Float32Array, info: Pool2dInfo, out: Float32Array): void {
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW } = info;
  const planes = info.batch * info.channels;
  for (let pl = 0; pl < planes; pl++) {
    const xOff = pl * H * W;
    const oOff = pl * OH * OW;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const [h0, h1, w0, w1, divisor] = avgWindow(info, oh, ow);
        let s = 0;
        for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) s += x[xOff + ih * W + iw];
        out[oOff + oh * OW + ow] = divisor > 0 ? s / divisor : 0;
      }
    }
  }
}

export function avgPool2dBackward(dy: Float32Array, info: Pool2dInfo, dx: Float32Array): void {
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW } = info;
  const planes = info.batch * info.channels;
  dx.fill(0);
  for (let pl = 0; pl < planes; pl++) {
    const xOff = pl * H * W;
    const oOff = pl * OH * OW;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const [h0, h1, w0, w1, divisor] = avgWindow(info, oh, ow);
        if (divisor <= 0) continue;
        const g = dy[oOff + oh * OW + ow] / divisor;
        for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) dx[xOff + ih * W + iw] += g;
      }
    }
  }
}

/** PyTorch's adaptive window along one axis: [⌊i·in/out⌋, ⌈(i+1)·in/out⌉). */
function adaptiveStart(i: number, inSize: number, outSize: number): number {
  return Math.floor((i * inSize) / outSize);
}

function adaptiveEnd(i: number, inSize: number, outSize: number): number {
  return Math.ceil(((i + 1) * inSize) / outSize);
}

export function adaptiveAvgPool2d(
  x: Float32Array,
  batchChannels: number,
  inH: number,
  inW: number,
  outH: number,
  outW: number,
  out: Float32Array,
): void {
  for (let pl = 0; pl < batchChannels; pl++) {
    const xOff = pl * inH * inW;
    const oOff = pl * outH * outW;
    for (let oh = 0; oh < outH; oh++) {
      const h0 = adaptiveStart(oh, inH, outH);
      const h1 = adaptiveEnd(oh, inH, outH);
      for (let ow = 0; ow < outW; ow++) {
        const w0 = adaptiveStart(ow, inW, outW);
        const w1 = adaptiveEnd(ow, inW, outW);
        let s = 0;
        for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) s += x[xOff + ih * inW + iw];
        out[oOff + oh * outW + ow] = s / ((h1 - h0) * (w1 - w0));
      }
    }
  }
}

export function adaptiveAvgPool2dBackward(
  dy: Float32Array,
  batchChannels: number,
  inH: number,
  inW: number,
  outH: number,
  outW: number,
  dx: Float32Array,
): void {
  dx.fill(0);
  for (let pl = 0; pl < batchChannels; pl++) {
    const xOff = pl * inH * inW;
    const oOff = pl * outH * outW;
    for (let oh = 0; oh < outH; oh++) {
      const h0 = adaptiveStart(oh, inH, outH);
      const h1 = adaptiveEnd(oh, inH, outH);
      for (let ow = 0; ow < outW; ow++) {
        const w0 = adaptiveStart(ow, inW, outW);
        const w1 = adaptiveEnd(ow, inW, outW);
        const g = dy[oOff + oh * outW + ow] / ((h1 - h0) * (w1 - w0));
        for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) dx[xOff + ih * inW + iw] += g;
      }
    }
  }
}
