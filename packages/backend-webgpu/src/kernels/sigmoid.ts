import type { Tensor } from '@rnnkit/core';
import type { WebgpuBackend } from '../backend.js';
import type { WebgpuTensor } from '../tensor.js';
import { runUnary, unaryKernel } from './common.js';

const def = unaryKernel('sigmoid', 'sigm(x)');

/** σ(x) = 1 / (1 + e^−x), elementwise, without overflow. */
export function sigmoid(be: WebgpuBackend, a: Tensor): WebgpuTensor {
  return runUnary(be, def, 'sigmoid', a);
}
