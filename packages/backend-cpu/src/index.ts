import type { Backend, BackendDefinition } from '@rnnkit/core';
import { CpuBackend } from './cpu_backend.js';

export { CpuBackend } from './cpu_backend.js';
export { CpuTensor } from './tensor.js';
export type { CpuData } from './tensor.js';
export { CpuRecurrentSaved } from './kernels/recurrent_impl.js';

/** Starts a CPU backend. Async so a later WebAssembly fast path can compile its module here. */
export async function createCpuBackend(): Promise<CpuBackend> {
  return new CpuBackend();
}

/**
 * Registration entry for `registerBackend(cpuBackend)`. Priority 100: the fallback every
 * platform has; GPU backends register higher.
 */
export const cpuBackend: BackendDefinition = {
  name: 'cpu',
  priority: 100,
  create: (): Promise<Backend> => createCpuBackend(),
};
