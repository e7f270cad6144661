import type { Tensor } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import type { TfjsTensor } from '../tensor.js';
import { elementwise } from './elementwise_impl.js';

/** a ⊙ b, elementwise; a and b have the same 2-D view. */
export function mul(be: TfjsBackend, a: Tensor, b: Tensor): TfjsTensor {
  return elementwise(be, a, b, (x, y) => be.tf.mul(x, y));
}
