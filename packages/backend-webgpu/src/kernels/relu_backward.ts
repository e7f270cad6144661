import type { WebgpuContext } from '../context.js';
import type { WebgpuTensor } from '../tensor.js';
import { binaryKernel, runBinary } from './elementwise_impl.js';

const def = binaryKernel('relu_backward', 'select(0.0, y, x > 0.0)');

/** dy where y > 0, else 0, from the relu output y. */
export function reluBackward(ctx: WebgpuContext, y: WebgpuTensor, dy: WebgpuTensor): WebgpuTensor {
  return runBinary(ctx, def, y, dy);
}
