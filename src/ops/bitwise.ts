/**
 * Bitwise ops on int32 and bool tensors, as PyTorch's torch.bitwise_and/or/xor/not and
 * torch.bitwise_left_shift/right_shift. An int32 and a bool operand promote to int32; two bools stay bool; a
 * float32 operand (or a number that is not an int32) is refused, as PyTorch refuses floating-point ones. The
 * results carry no gradient (nothing bitwise is differentiable). The logical ops (logicalAnd, …) are in
 * elementwise.ts and math.ts: they read any dtype as `!= 0` and return bool.
 *
 * Shifts work on the 32 bits of an int32: `>>` is arithmetic (it fills with the sign bit, so -7 >> 1 is -4),
 * `<<` wraps (1 << 31 is -2^31), and the shift count is taken mod 32 (7 << 33 is 14, 7 << -1 is 7 << 31), as
 * JavaScript's operators do and as PyTorch 1.13 gives on CPU (checked by the fixture); later PyTorch releases
 * define counts outside [0, 32) differently (0, or the sign for >>).
 */
import type { BinaryOp } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { DTypeError } from '../errors.js';
import { type DType, promote } from '../tensor/dtype.js';
import { broadcastShapes } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { operands } from './elementwise.js';
import { cast, checkArg, defineOp, empty, type TensorLike } from './util.js';

/** The operand's dtype, or an error naming the op, the argument and what was wrong with it. */
function integerType(op: string, name: string, v: TensorLike): DType {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) {
      throw new DTypeError(`${op}: ${name} must be an int32 number or an int32/bool tensor, got ${v}`);
    }
    return 'int32';
  }
  if (v instanceof Tensor && v.dtype === 'float32') {
    throw new DTypeError(
      `${op}: ${name} is a float32 tensor; ${op} takes int32 or bool tensors (as PyTorch, which has no bitwise ops on floating-point types; cast with .to('int32') first)`,
    );
  }
  return v instanceof Tensor ? v.dtype : 'int32';
}

function bitwise(op: string, kernel: BinaryOp, a: TensorLike, b: TensorLike, shift = false): Tensor {
  const [x, y] = operands(a, b, op);
  integerType(op, 'a', a);
  integerType(op, 'b', b);
  const t = promote(x.dtype, y.dtype);
  if (shift && t === 'bool') {
    throw new DTypeError(`${op}: not defined for two bool operands (as in PyTorch); cast to int32 first`);
  }
  const shape = broadcastShapes(x.shape, y.shape, op);
  const out = empty(shape, t);
  const cx = cast(x, t);
  const cy = cast(y, t);
  getBackend().binary(
    t === 'bool' ? (ON_BOOLS[kernel] ?? kernel) : kernel,
    cx.data,
    cx.shape,
    cy.data,
    cy.shape,
    out.data,
    shape,
  );
  return out;
}

// Two bools go to kernels that every backend already runs on bools: the compiled backends loop over int32 only in
// their bitwise kernels, which keeps the WebAssembly binary smaller
const ON_BOOLS: Readonly<Record<string, BinaryOp>> = {
  bitwiseAnd: 'minimum',
  bitwiseOr: 'maximum',
  bitwiseXor: 'ne',
};

/** a & b elementwise, with broadcasting (torch.bitwise_and); for bools, logical and. */
export const bitwiseAnd = defineOp(
  'bitwiseAnd',
  ['a', 'b'],
  (a: TensorLike, b: TensorLike): Tensor => bitwise('bitwiseAnd', 'bitwiseAnd', a, b),
);

/** a | b elementwise, with broadcasting (torch.bitwise_or); for bools, logical or. */
export const bitwiseOr = defineOp(
  'bitwiseOr',
  ['a', 'b'],
  (a: TensorLike, b: TensorLike): Tensor => bitwise('bitwiseOr', 'bitwiseOr', a, b),
);

/** a ^ b elementwise, with broadcasting (torch.bitwise_xor); for bools, logical exclusive or. */
export const bitwiseXor = defineOp(
  'bitwiseXor',
  ['a', 'b'],
  (a: TensorLike, b: TensorLike): Tensor => bitwise('bitwiseXor', 'bitwiseXor', a, b),
);

/** ~x elementwise (torch.bitwise_not): −x − 1 for int32, logical not for bool. */
export const bitwiseNot = defineOp('bitwiseNot', ['x'], (x: Tensor): Tensor => {
  checkArg('bitwiseNot', 'x', x, 'tensor');
  integerType('bitwiseNot', 'x', x);
  // every bit flipped: xor with all ones (-1 as int32, true as bool)
  const ones = new Tensor(x.dtype === 'bool' ? Uint8Array.of(1) : Int32Array.of(-1), []);
  return bitwise('bitwiseNot', 'bitwiseXor', x, ones);
});

/**
 * a << b elementwise, with broadcasting (torch.bitwise_left_shift): the low 32 bits, so it wraps; the count is
 * taken mod 32 (see the file's comment).
 */
export const bitwiseLeftShift = defineOp(
  'bitwiseLeftShift',
  ['a', 'b'],
  (a: TensorLike, b: TensorLike): Tensor => bitwise('bitwiseLeftShift', 'leftShift', a, b, true),
);

/**
 * a >> b elementwise, with broadcasting (torch.bitwise_right_shift): arithmetic, so negative numbers stay
 * negative (−1 >> n is −1); the count is taken mod 32 (see the file's comment).
 */
export const bitwiseRightShift = defineOp(
  'bitwiseRightShift',
  ['a', 'b'],
  (a: TensorLike, b: TensorLike): Tensor => bitwise('bitwiseRightShift', 'rightShift', a, b, true),
);
