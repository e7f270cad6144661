import type { TfjsContext } from '../context.js';
import type { TfjsTensor } from '../tensor.js';
import { runOne, tfOf } from '../tensor.js';
import type { TfTensor } from '../tf.js';

/** Binary elementwise kernels (and the activation backwards, f(y, dy)): b, of a's 2-D view, is taken in a's shape, and the result keeps a's shape. */
export function elementwise(ctx: TfjsContext, a: TfjsTensor, b: TfjsTensor, op: (x: TfTensor, y: TfTensor) => TfTensor): TfjsTensor {
  return runOne(ctx, () => op(tfOf(a), as(ctx, tfOf(b), a.shape)));
}

/** Unary elementwise kernels: the result keeps a's shape. */
export function unary(ctx: TfjsContext, a: TfjsTensor, op: (x: TfTensor) => TfTensor): TfjsTensor {
  return runOne(ctx, () => op(tfOf(a)));
}

/** t in the given shape (a tfjs reshape, sharing data) when it isn't already. */
export function as(ctx: TfjsContext, t: TfTensor, shape: readonly number[]): TfTensor {
  return t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]) ? t : ctx.tf.reshape(t, [...shape]);
}
