/**
 * `@rnnkit/backend-cpu` as Node (and Bun, Deno) resolve it — the `node` export condition: the
 * same API as src/index.ts, whose `createCpuBackend` can also start worker threads
 * (`threads: 2`, `'auto'`) on the shared-memory builds. Browser bundles resolve src/index.ts and
 * carry neither those builds nor the thread pool.
 */

import type { BackendDefinition } from '@rnnkit/core';
import { type CpuBackend, type CpuBackendOptions, cpuBackendDefinition, startCpuBackend, type ThreadSupport } from './backend.js';
import { loadSharedKernels } from './wasm/shared_load.js';
import { availableCores } from './wasm/threads.js';

export * from './index.js';

const NODE_THREADS: ThreadSupport = { load: loadSharedKernels, cores: availableCores };

/**
 * Starts a CPU backend; `info().engine` says which kernels run: `cpu-wasm-relaxed-simd`,
 * `cpu-wasm-simd` or `cpu-js`, and `info().threads` how many threads its GEMMs use.
 * (`new CpuBackend()` gives `cpu-js` synchronously.)
 */
export function createCpuBackend(options: CpuBackendOptions = {}): Promise<CpuBackend> {
  return startCpuBackend(options, NODE_THREADS);
}

/**
 * Registration entry for `registerBackend(cpuBackend)`. Priority 100: the fallback every
 * platform has; GPU backends register higher.
 */
export const cpuBackend: BackendDefinition = cpuBackendDefinition(() => createCpuBackend());
