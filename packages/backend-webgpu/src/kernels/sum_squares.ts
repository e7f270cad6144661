import type { Tensor } from '@rnnkit/core';
import type { WebgpuBackend } from '../backend.js';
import type { WebgpuTensor } from '../tensor.js';
import { reduceAll } from './reduce.js';

/** Sum of squares of all elements: [1]. Gradient norms. */
export function sumSquares(be: WebgpuBackend, a: Tensor): WebgpuTensor {
  return reduceAll(be, 'sumSquares', a, true);
}
