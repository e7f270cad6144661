import type { WebgpuContext } from '../context.js';
import type { WebgpuTensor } from '../tensor.js';
import { runUnary, unaryKernel } from './elementwise_impl.js';

const def = unaryKernel('tanh', 'tanh_(x)');

/** tanh, elementwise. */
export function tanh(ctx: WebgpuContext, a: WebgpuTensor): WebgpuTensor {
  return runUnary(ctx, def, a);
}
