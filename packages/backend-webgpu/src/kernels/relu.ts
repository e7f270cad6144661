import type { Tensor } from '@rnnkit/core';
import type { WebgpuBackend } from '../backend.js';
import type { WebgpuTensor } from '../tensor.js';
import { runUnary, unaryKernel } from './common.js';

const def = unaryKernel('relu', 'max(x, 0.0)');

/** max(x, 0), elementwise. */
export function relu(be: WebgpuBackend, a: Tensor): WebgpuTensor {
  return runUnary(be, def, 'relu', a);
}
