import type { WebgpuContext } from '../context.js';
import type { WebgpuTensor } from '../tensor.js';
import { runUnary, unaryKernel } from './elementwise_impl.js';

const def = unaryKernel('relu', 'max(x, 0.0)');

/** max(x, 0), elementwise. */
export function relu(ctx: WebgpuContext, a: WebgpuTensor): WebgpuTensor {
  return runUnary(ctx, def, a);
}
