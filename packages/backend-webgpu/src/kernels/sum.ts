import type { Tensor } from '@rnnkit/core';
import type { WebgpuBackend } from '../backend.js';
import type { WebgpuTensor } from '../tensor.js';
import { reduceAll } from './reduce.js';

/** Sum of all elements: [1]. */
export function sum(be: WebgpuBackend, a: Tensor): WebgpuTensor {
  return reduceAll(be, 'sum', a, false);
}
