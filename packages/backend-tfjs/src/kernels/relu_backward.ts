import type { Tensor } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import type { TfjsTensor } from '../tensor.js';
import { backwardOf } from './elementwise_impl.js';

/** dy where y > 0, else exactly 0 (even where dy is not finite), from the relu output y. */
export function reluBackward(be: TfjsBackend, y: Tensor, dy: Tensor): TfjsTensor {
  const tf = be.tf;
  return backwardOf(be, y, dy, (ty, tdy) => tf.where(tf.greater(ty, 0), tdy, tf.zerosLike(tdy)));
}
