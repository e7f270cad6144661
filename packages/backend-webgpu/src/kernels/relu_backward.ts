import type { Tensor } from '@rnnkit/core';
import type { WebgpuBackend } from '../backend.js';
import type { WebgpuTensor } from '../tensor.js';
import { binaryKernel, runBinary } from './common.js';

const def = binaryKernel('relu_backward', 'select(0.0, y, x > 0.0)');

/** dy where y > 0, else 0, from the relu output y. */
export function reluBackward(be: WebgpuBackend, y: Tensor, dy: Tensor): WebgpuTensor {
  return runBinary(be, def, 'reluBackward', y, dy, ['y', 'dy']);
}
