import type { Tensor } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import type { TfjsTensor } from '../tensor.js';
import { backwardOf } from './elementwise_impl.js';

/** dy · y · (1 − y), from the sigmoid output y. */
export function sigmoidBackward(be: TfjsBackend, y: Tensor, dy: Tensor): TfjsTensor {
  const tf = be.tf;
  return backwardOf(be, y, dy, (ty, tdy) => tf.mul(tf.mul(tdy, ty), tf.sub(1, ty)));
}
