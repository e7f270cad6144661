import type { Tensor } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import type { TfjsTensor } from '../tensor.js';

/** Sum of squares of all elements: [1] (gradient norms). */
export function sumSquares(be: TfjsBackend, a: Tensor): TfjsTensor {
  const ta = be.unwrap(a, 'a');
  const tf = be.tf;
  return be.wrap(be.run(() => tf.reshape(tf.sum(tf.square(ta)), [1])));
}
