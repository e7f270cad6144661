import type { Tensor } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import type { TfjsTensor } from '../tensor.js';
import { unary } from './elementwise_impl.js';

export function sigmoid(be: TfjsBackend, a: Tensor): TfjsTensor {
  return unary(be, a, (x) => be.tf.sigmoid(x));
}
