import type { TfjsContext } from '../context.js';
import { runOne, tfOf } from '../tensor.js';
import type { TfjsTensor } from '../tensor.js';
import type { TfTensor } from '../tf.js';

/** Binary elementwise kernels: b (same 2-D view as a) is taken in a's shape, and the result keeps a's shape. */
export function elementwise(ctx: TfjsContext, a: TfjsTensor, b: TfjsTensor, op: (x: TfTensor, y: TfTensor) => TfTensor): TfjsTensor {
  return runOne(ctx, () => op(tfOf(a), as(ctx, tfOf(b), a.shape)));
}

/** Unary elementwise kernels: the result keeps a's shape. */
export function unary(ctx: TfjsContext, a: TfjsTensor, op: (x: TfTensor) => TfTensor): TfjsTensor {
  return runOne(ctx, () => op(tfOf(a)));
}

/** Activation backward kernels f(y, dy): dy (same 2-D view as y) is taken in y's shape, and so is the result. */
export function backwardOf(ctx: TfjsContext, y: TfjsTensor, dy: TfjsTensor, op: (y: TfTensor, dy: TfTensor) => TfTensor): TfjsTensor {
  return elementwise(ctx, y, dy, op);
}

/** t in the given shape (a tfjs reshape, sharing data) when it isn't already. */
export function as(ctx: TfjsContext, t: TfTensor, shape: readonly number[]): TfTensor {
  return t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]) ? t : ctx.tf.reshape(t, [...shape]);
}

/** t viewed as 2-D [rows, cols] (leading axes folded into rows; a vector [N] is [1, N]). */
export function as2d(ctx: TfjsContext, t: TfTensor, [rows, cols]: readonly [number, number]): TfTensor {
  return as(ctx, t, [rows, cols]);
}
