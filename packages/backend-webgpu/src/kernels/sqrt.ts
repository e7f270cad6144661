import type { Tensor } from '@rnnkit/core';
import type { WebgpuBackend } from '../backend.js';
import type { WebgpuTensor } from '../tensor.js';
import { runUnary, unaryKernel } from './common.js';

const def = unaryKernel('sqrt', 'sqrt(x)');

/** √x, elementwise. */
export function sqrt(be: WebgpuBackend, a: Tensor): WebgpuTensor {
  return runUnary(be, def, 'sqrt', a);
}
