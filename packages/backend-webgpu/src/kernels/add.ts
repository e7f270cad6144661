import type { Tensor } from '@rnnkit/core';
import type { WebgpuBackend } from '../backend.js';
import type { WebgpuTensor } from '../tensor.js';
import { binaryKernel, runBinary } from './common.js';

const def = binaryKernel('add', 'x + y');

/** a + b, elementwise. */
export function add(be: WebgpuBackend, a: Tensor, b: Tensor): WebgpuTensor {
  return runBinary(be, def, 'add', a, b, ['a', 'b']);
}
