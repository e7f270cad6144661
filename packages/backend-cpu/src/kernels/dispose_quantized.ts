import type { CpuContext } from '../tensor.js';
import type { CpuQuantized } from './quantized_impl.js';

/** Lets an int8 weight's memory go (core has already marked it disposed). */
export function disposeQuantized(_ctx: CpuContext, q: CpuQuantized): void {
  q.release();
}
