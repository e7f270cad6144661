import type { Tensor } from '@rnnkit/core';
import type { WebgpuBackend } from '../backend.js';
import type { WebgpuTensor } from '../tensor.js';
import { runUnary, unaryKernel } from './common.js';

const def = unaryKernel('tanh', 'tanh_(x)');

/** tanh, elementwise. */
export function tanh(be: WebgpuBackend, a: Tensor): WebgpuTensor {
  return runUnary(be, def, 'tanh', a);
}
