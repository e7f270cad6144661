import type { Tensor } from '@rnnkit/core';
import type { WebgpuBackend } from '../backend.js';
import type { WebgpuTensor } from '../tensor.js';
import { binaryKernel, runBinary } from './common.js';

const def = binaryKernel('div', 'x / y');

/** a / b, elementwise. */
export function div(be: WebgpuBackend, a: Tensor, b: Tensor): WebgpuTensor {
  return runBinary(be, def, 'div', a, b, ['a', 'b']);
}
