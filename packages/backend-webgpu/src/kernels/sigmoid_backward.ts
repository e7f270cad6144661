import type { WebgpuContext } from '../context.js';
import type { WebgpuTensor } from '../tensor.js';
import { binaryKernel, runBinary } from './elementwise_impl.js';

const def = binaryKernel('sigmoid_backward', 'y * x * (1.0 - x)');

/** dy · y · (1 − y) from the sigmoid output y. */
export function sigmoidBackward(ctx: WebgpuContext, y: WebgpuTensor, dy: WebgpuTensor): WebgpuTensor {
  return runBinary(ctx, def, y, dy);
}
