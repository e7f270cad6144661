import type { WebgpuContext } from '../context.js';
import type { WebgpuTensor } from '../tensor.js';
import { runVector, vectorKernel } from './elementwise_impl.js';

const def = vectorKernel('mul_column_vector', 'x * f32(v[row])');

/** a [M, N] with row m scaled by v[m] (v is [M]): masks per batch row. */
export function mulColumnVector(ctx: WebgpuContext, a: WebgpuTensor, v: WebgpuTensor): WebgpuTensor {
  return runVector(ctx, def, a, v);
}
