/**
 * Reference 2-D convolution: im2col + GEMM per image and per group. The unfolded matrix has one row per
 * (input channel, kernel row, kernel column) of the group and one column per output pixel, so the forward is
 * W_g · col, the input gradient is col2im(W_gᵀ · dy_g) and the filter gradient is Σ_n dy_g · colᵀ.
 */
import { type Conv2dInfo, oneProduct } from '../backend.js';
import { gemm } from './gemm.js';

/**
 * The output columns `ow` whose input column `ow·stride − pad + offset` lies inside [0, size): a half-open
 * range, so the inner loops need no bounds test.
 */
function validRange(
  outSize: number,
  stride: number,
  pad: number,
  offset: number,
  size: number,
): [number, number] {
  // first ow with ow·stride ≥ pad − offset, and first ow with ow·stride ≥ size + pad − offset
  const lo = Math.max(0, Math.ceil((pad - offset) / stride));
  const hi = Math.min(outSize, Math.ceil((size + pad - offset) / stride));
  return [lo, Math.max(lo, hi)];
}

/**
 * Unfolds `channels` planes of x starting at `xOff` into col: element (row, pixel) goes to
 * `col[row·rowStride + pixel·pixelStride]`, so the same loop writes col [rows, pixels] or its transpose.
 */
function im2col(
  x: Float32Array,
  xOff: number,
  channels: number,
  info: Conv2dInfo,
  col: Float32Array,
  rowStride: number,
  pixelStride: number,
): void {
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, kernelHeight: KH, kernelWidth: KW } = info;
  const { strideHeight: sh, strideWidth: sw, padTop, padLeft, dilationHeight: dh, dilationWidth: dw } = info;
  let row = 0;
  for (let c = 0; c < channels; c++) {
    const plane = xOff + c * H * W;
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++, row++) {
        const rowBase = row * rowStride;
        const [lo, hi] = validRange(OW, sw, padLeft, kw * dw, W);
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * sh - padTop + kh * dh;
          const pixBase = rowBase + oh * OW * pixelStride;
          if (ih < 0 || ih >= H) {
            for (let ow = 0; ow < OW; ow++) col[pixBase + ow * pixelStride] = 0;
            continue;
          }
          const src = plane + ih * W - padLeft + kw * dw;
          for (let ow = 0; ow < lo; ow++) col[pixBase + ow * pixelStride] = 0;
          for (let ow = lo; ow < hi; ow++) col[pixBase + ow * pixelStride] = x[src + ow * sw];
          for (let ow = hi; ow < OW; ow++) col[pixBase + ow * pixelStride] = 0;
        }
      }
    }
  }
}

/** The adjoint of im2col (with col laid out [rows, pixels]): adds every column entry back into dx. */
function col2im(
  col: Float32Array,
  channels: number,
  info: Conv2dInfo,
  dx: Float32Array,
  dxOff: number,
): void {
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, kernelHeight: KH, kernelWidth: KW } = info;
  const { strideHeight: sh, strideWidth: sw, padTop, padLeft, dilationHeight: dh, dilationWidth: dw } = info;
  const pixels = OH * OW;
  let row = 0;
  for (let c = 0; c < channels; c++) {
    const plane = dxOff + c * H * W;
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++, row++) {
        const [lo, hi] = validRange(OW, sw, padLeft, kw * dw, W);
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * sh - padTop + kh * dh;
          if (ih < 0 || ih >= H) continue;
          const dst = plane + ih * W - padLeft + kw * dw;
          const src = row * pixels + oh * OW;
          for (let ow = lo; ow < hi; ow++) dx[dst + ow * sw] += col[src + ow];
        }
      }
    }
  }
}

/** A 1×1 kernel with stride 1 and no padding reads the input planes as they are: no unfolding needed. */
function isPointwise(info: Conv2dInfo): boolean {
  return (
    info.kernelHeight === 1 &&
    info.kernelWidth === 1 &&
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    info.padTop === 0 &&
    info.padLeft === 0 &&
    info.outHeight === info.inHeight &&
    info.outWidth === info.inWidth
  );
}

interface GroupGeometry {
  /** Input channels per group. */
  cg: number;
  /** Output channels per group. */
  og: number;
  /** Rows of the unfolded matrix: cg · kH · kW. */
  k: number;
  /** Output pixels: oH · oW. */
  p: number;
  inPlane: number;
}

function geometry(info: Conv2dInfo): GroupGeometry {
  const cg = info.inChannels / info.groups;
  return {
    cg,
    og: info.outChannels / info.groups,
    k: cg * info.kernelHeight * info.kernelWidth,
    p: info.outHeight * info.outWidth,
    inPlane: info.inHeight * info.inWidth,
  };
}

/**
 * out [N, outC, oH, oW] = x [N, inC, H, W] ⋆ w [outC, inC/groups, kH, kW] (cross-correlation), plus bias [outC]
 * on each output channel when given.
 */
export function conv2d(
  x: Float32Array,
  w: Float32Array,
  info: Conv2dInfo,
  out: Float32Array,
  bias: Float32Array | null = null,
): void {
  const { cg, og, k, p, inPlane } = geometry(info);
  // one product per image and group: the same sizes every time
  const product = oneProduct({ m: og, n: p, k });
  const pointwise = isPointwise(info);
  const col = pointwise ? null : new Float32Array(k * p);
  for (let n = 0; n < info.batch; n++) {
    for (let g = 0; g < info.groups; g++) {
      const xOff = (n * info.inChannels + g * cg) * inPlane;
      let b: Float32Array;
      if (col) {
        im2col(x, xOff, cg, info, col, p, 1);
        b = col;
      } else {
        b = x.subarray(xOff, xOff + k * p);
      }
      const wg = w.subarray(g * og * k, (g + 1) * og * k);
      const oOff = (n * info.outChannels + g * og) * p;
      gemm(wg, b, product, out.subarray(oOff, oOff + og * p));
    }
  }
  if (bias) {
    for (let n = 0; n < info.batch; n++) {
      for (let o = 0; o < info.outChannels; o++) {
        const b = bias[o];
        const at = (n * info.outChannels + o) * p;
        for (let i = at; i < at + p; i++) out[i] += b;
      }
    }
  }
}

/** dx [N, inC, H, W] from dy [N, outC, oH, oW]: the transposed convolution with the same weight. */
export function conv2dBackpropInput(
  dy: Float32Array,
  w: Float32Array,
  info: Conv2dInfo,
  dx: Float32Array,
): void {
  const { cg, og, k, p, inPlane } = geometry(info);
  // one product per image and group: the same sizes every time
  const product = oneProduct({ transA: true, m: k, n: p, k: og });
  dx.fill(0);
  const pointwise = isPointwise(info);
  const col = pointwise ? null : new Float32Array(k * p);
  for (let n = 0; n < info.batch; n++) {
    for (let g = 0; g < info.groups; g++) {
      const wg = w.subarray(g * og * k, (g + 1) * og * k);
      const yOff = (n * info.outChannels + g * og) * p;
      const dyg = dy.subarray(yOff, yOff + og * p);
      const xOff = (n * info.inChannels + g * cg) * inPlane;
      // groups own disjoint channels, so a pointwise gradient can be written straight into dx
      const target = col ?? dx.subarray(xOff, xOff + k * p);
      gemm(wg, dyg, product, target);
      if (col) col2im(col, cg, info, dx, xOff);
    }
  }
}

/**
 * dw [outC, inC/groups, kH, kW] = Σ over the batch of dy_g · colᵀ; with `dbias` [outC], also the sum of dy over
 * images and positions per output channel.
 */
export function conv2dBackpropFilter(
  x: Float32Array,
  dy: Float32Array,
  info: Conv2dInfo,
  dw: Float32Array,
  dbias: Float32Array | null = null,
): void {
  const { cg, og, k, p, inPlane } = geometry(info);
  // one product per image and group: each added into dw (beta 1)
  const product = oneProduct({ m: og, n: k, k: p, beta: 1 });
  dw.fill(0);
  // unfolded straight into the transposed layout [pixels, rows] so the GEMM runs without a transposed operand
  const colT = new Float32Array(p * k);
  for (let g = 0; g < info.groups; g++) {
    const dwg = dw.subarray(g * og * k, (g + 1) * og * k);
    for (let n = 0; n < info.batch; n++) {
      im2col(x, (n * info.inChannels + g * cg) * inPlane, cg, info, colT, 1, k);
      const yOff = (n * info.outChannels + g * og) * p;
      gemm(dy.subarray(yOff, yOff + og * p), colT, product, dwg);
    }
  }
  if (dbias) {
    for (let o = 0; o < info.outChannels; o++) {
      let s = 0;
      for (let n = 0; n < info.batch; n++) {
        const at = (n * info.outChannels + o) * p;
        for (let i = at; i < at + p; i++) s += dy[i];
      }
      dbias[o] = s;
    }
  }
}
