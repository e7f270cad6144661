import type { Tensor } from '@rnnkit/core';
import type { WebgpuBackend } from '../backend.js';
import type { WebgpuTensor } from '../tensor.js';
import { binaryKernel, runBinary } from './common.js';

const def = binaryKernel('sigmoid_backward', 'y * x * (1.0 - x)');

/** dy · y · (1 − y) from the sigmoid output y. */
export function sigmoidBackward(be: WebgpuBackend, y: Tensor, dy: Tensor): WebgpuTensor {
  return runBinary(be, def, 'sigmoidBackward', y, dy, ['y', 'dy']);
}
