import type { Conv2dInfo } from '../backend.js';

// Placeholder until the convolution kernels land (being written now).
export function conv2d(_x: Float32Array, _w: Float32Array, _info: Conv2dInfo, _out: Float32Array): void {
  throw new Error('conv2d: not implemented yet');
}
export function conv2dBackpropInput(
  _dy: Float32Array,
  _w: Float32Array,
  _info: Conv2dInfo,
  _dx: Float32Array,
): void {
  throw new Error('conv2dBackpropInput: not implemented yet');
}
export function conv2dBackpropFilter(
  _x: Float32Array,
  _dy: Float32Array,
  _info: Conv2dInfo,
  _dw: Float32Array,
): void {
  throw new Error('conv2dBackpropFilter: not implemented yet');
}
