import type { Tf } from '../tf.js';
import type { HostEngine } from './host_impl.js';
import { gatherRowsKernel } from './rnnkit_gather_rows.js';
import { sliceColumnsKernel } from './rnnkit_slice_columns.js';
import { sliceRowsKernel } from './rnnkit_slice_rows.js';

/**
 * Registers rnnkit's data-movement kernels for a tfjs engine, once per process (tfjs's kernel
 * registry throws on duplicates). Called when a backend starts, never at import.
 */
export function registerRnnkitOps(tf: Tf, engine: HostEngine): void {
  for (const make of [sliceRowsKernel, sliceColumnsKernel, gatherRowsKernel]) {
    const k = make(engine);
    if (!tf.getKernel(k.kernelName, engine)) tf.registerKernel(k);
  }
}
