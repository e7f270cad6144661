import type { WebgpuContext } from '../context.js';
import type { WebgpuTensor } from '../tensor.js';
import { runUnary, unaryKernel } from './elementwise_impl.js';

const def = unaryKernel('sqrt', 'sqrt(x)');

/** √x, elementwise. */
export function sqrt(ctx: WebgpuContext, a: WebgpuTensor): WebgpuTensor {
  return runUnary(ctx, def, a);
}
