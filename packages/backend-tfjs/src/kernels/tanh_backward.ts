import type { Tensor } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import type { TfjsTensor } from '../tensor.js';
import { backwardOf } from './elementwise_impl.js';

/** dy · (1 − y²), from the tanh output y. */
export function tanhBackward(be: TfjsBackend, y: Tensor, dy: Tensor): TfjsTensor {
  const tf = be.tf;
  return backwardOf(be, y, dy, (ty, tdy) => tf.mul(tdy, tf.sub(1, tf.square(ty))));
}
