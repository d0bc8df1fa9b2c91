import type { Pool2dInfo } from '../backend.js';

// Placeholder until the pooling kernels land (being written now).
export function maxPool2d(
  _x: Float32Array,
  _info: Pool2dInfo,
  _out: Float32Array,
  _argmax: Int32Array,
): void {
  throw new Error('not implemented yet');
}
export function maxPool2dBackward(
  _dy: Float32Array,
  _argmax: Int32Array,
  _info: Pool2dInfo,
  _dx: Float32Array,
): void {
  throw new Error('not implemented yet');
}
export function avgPool2d(_x: Float32Array, _info: Pool2dInfo, _out: Float32Array): void {
  throw new Error('not implemented yet');
}
export function avgPool2dBackward(_dy: Float32Array, _info: Pool2dInfo, _dx: Float32Array): void {
  throw new Error('not implemented yet');
}
export function adaptiveAvgPool2d(
  _x: Float32Array,
  _bc: number,
  _ih: number,
  _iw: number,
  _oh: number,
  _ow: number,
  _out: Float32Array,
): void {
  throw new Error('not implemented yet');
}
export function adaptiveAvgPool2dBackward(
  _dy: Float32Array,
  _bc: number,
  _ih: number,
  _iw: number,
  _oh: number,
  _ow: number,
  _dx: Float32Array,
): void {
  throw new Error('not implemented yet');
}
