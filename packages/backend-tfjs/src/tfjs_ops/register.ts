import type { Tf } from '../tf.js';
import { gatherRowsKernel } from './RnnkitGatherRows.js';
import { sliceColumnsKernel } from './RnnkitSliceColumns.js';
import { sliceRowsKernel } from './RnnkitSliceRows.js';
import type { HostEngine } from './host_impl.js';

/**
 * Registers rnnkit's data-movement kernels for a tfjs engine, once per process (tfjs's kernel
 * registry throws on duplicates). Called when a backend starts, never at import.
 */
export function registerRnnkitKernels(tf: Tf, engine: HostEngine): void {
  for (const make of [sliceRowsKernel, sliceColumnsKernel, gatherRowsKernel]) {
    const k = make(engine);
    if (!tf.getKernel(k.kernelName, engine)) tf.registerKernel(k);
  }
}
