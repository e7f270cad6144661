import type { Tensor } from '@rnnkit/core';
import type { WebgpuBackend } from '../backend.js';
import type { WebgpuTensor } from '../tensor.js';
import { binaryKernel, runBinary } from './common.js';

const def = binaryKernel('sub', 'x - y');

/** a − b, elementwise. */
export function sub(be: WebgpuBackend, a: Tensor, b: Tensor): WebgpuTensor {
  return runBinary(be, def, 'sub', a, b, ['a', 'b']);
}
