import type { WebgpuContext } from '../context.js';
import type { WebgpuTensor } from '../tensor.js';
import { binaryKernel, runBinary } from './elementwise_impl.js';

const def = binaryKernel('add', 'x + y');

/** a + b, elementwise. */
export function add(ctx: WebgpuContext, a: WebgpuTensor, b: WebgpuTensor): WebgpuTensor {
  return runBinary(ctx, def, a, b);
}
