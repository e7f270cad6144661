import type { WebgpuContext } from '../context.js';
import type { WebgpuTensor } from '../tensor.js';
import { binaryKernel, runBinary } from './elementwise_impl.js';

const def = binaryKernel('tanh_backward', 'y * (1.0 - x * x)');

/** dy · (1 − y²) from the tanh output y. */
export function tanhBackward(ctx: WebgpuContext, y: WebgpuTensor, dy: WebgpuTensor): WebgpuTensor {
  return runBinary(ctx, def, y, dy);
}
