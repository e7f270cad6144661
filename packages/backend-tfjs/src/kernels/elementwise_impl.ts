import type { Tensor } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import type { TfjsTensor } from '../tensor.js';
import type { TfTensor } from '../tf.js';
import { checkSameView, resultShape } from '../validate.js';

/** Shared body of the binary elementwise kernels: both inputs are taken in a's result shape. */
export function elementwise(be: TfjsBackend, a: Tensor, b: Tensor, op: (x: TfTensor, y: TfTensor) => TfTensor): TfjsTensor {
  const ta = be.unwrap(a, 'a');
  const tb = be.unwrap(b, 'b');
  checkSameView('a', a, 'b', b);
  const shape = resultShape(a.shape);
  return be.wrap(be.run(() => op(as(be, ta, shape), as(be, tb, shape))));
}

/** Unary elementwise kernels: the result has a's result shape (2-D view above rank 2). */
export function unary(be: TfjsBackend, a: Tensor, op: (x: TfTensor) => TfTensor): TfjsTensor {
  const ta = be.unwrap(a, 'a');
  const shape = resultShape(a.shape);
  return be.wrap(be.run(() => op(as(be, ta, shape))));
}

/** Backward helpers f(y, dy): y and dy share a 2-D view; the result has y's result shape. */
export function backwardOf(be: TfjsBackend, y: Tensor, dy: Tensor, op: (y: TfTensor, dy: TfTensor) => TfTensor): TfjsTensor {
  const ty = be.unwrap(y, 'y');
  const tdy = be.unwrap(dy, 'dy');
  checkSameView('y', y, 'dy', dy);
  const shape = resultShape(y.shape);
  return be.wrap(be.run(() => op(as(be, ty, shape), as(be, tdy, shape))));
}

/** t in the given shape (a tfjs reshape, sharing data) when it isn't already. */
export function as(be: TfjsBackend, t: TfTensor, shape: number[]): TfTensor {
  return t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]) ? t : be.tf.reshape(t, shape);
}
