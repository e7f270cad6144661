import type { WebgpuContext } from '../context.js';
import type { WebgpuTensor } from '../tensor.js';
import { runUnary, unaryKernel } from './elementwise_impl.js';

const def = unaryKernel('sigmoid', 'sigm(x)');

/** σ(x) = 1 / (1 + e^−x), elementwise, without overflow. */
export function sigmoid(ctx: WebgpuContext, a: WebgpuTensor): WebgpuTensor {
  return runUnary(ctx, def, a);
}
