import type { Tensor } from '@rnnkit/core';
import type { WebgpuBackend } from '../backend.js';
import type { WebgpuTensor } from '../tensor.js';
import { binaryKernel, runBinary } from './common.js';

const def = binaryKernel('tanh_backward', 'y * (1.0 - x * x)');

/** dy · (1 − y²) from the tanh output y. */
export function tanhBackward(be: WebgpuBackend, y: Tensor, dy: Tensor): WebgpuTensor {
  return runBinary(be, def, 'tanhBackward', y, dy, ['y', 'dy']);
}
