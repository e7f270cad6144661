import type { Backend, BackendDefinition } from '@rnnkit/core';
import { RnnkitError } from '@rnnkit/core';
import { CpuBackend } from './cpu_backend.js';
import { loadWasmKernels, wasmSupport } from './wasm/load.js';
import { availableCores } from './wasm/threads.js';

/** The most threads `threads: 'auto'` starts: the GEMMs split by rows, and the per-step ones are small. */
export const AUTO_MAX_THREADS = 4;

export { CpuBackend } from './cpu_backend.js';
export type { CpuBackendInfo, CpuEngine } from './cpu_backend.js';
export { CpuTensor } from './tensor.js';
export type { CpuData } from './tensor.js';
export { CpuRecurrentSaved } from './kernels/recurrent_impl.js';
export { wasmSupport } from './wasm/load.js';
export type { WasmSupport } from './wasm/load.js';

export interface CpuBackendOptions {
  /**
   * WebAssembly SIMD kernels for the GEMMs and the fused recurrent kernels. Default: used when
   * the runtime has SIMD128, else the plain TypeScript kernels. `false` forces TypeScript;
   * `true` requires SIMD (throws UNSUPPORTED without it).
   */
  simd?: boolean;
  /**
   * The relaxed-SIMD build (fused multiply-add) where the runtime has relaxed SIMD. Default
   * true; `false` keeps plain SIMD128 multiply + add (bit-for-bit the same on every CPU).
   */
  fma?: boolean;
  /**
   * Threads for the large GEMMs (input projection, per-step recurrent GEMMs of big batches,
   * weight gradients, large matmuls): this thread plus `threads − 1` worker threads over
   * shared WebAssembly memory. Node only (worker_threads); elsewhere it stays 1. Default 1.
   * `'auto'`: the cores this process may use, at most AUTO_MAX_THREADS — for machines whose
   * cores are otherwise idle: on a loaded machine a worker's share runs late and two threads
   * measured 0.3–1.1× of one (README, Threads).
   */
  threads?: number | 'auto';
}

/**
 * Starts a CPU backend; `info().engine` says which kernels run: `cpu-wasm-relaxed-simd`,
 * `cpu-wasm-simd` or `cpu-js`.
 */
export async function createCpuBackend(options: CpuBackendOptions = {}): Promise<CpuBackend> {
  const t = options.threads;
  if (t !== undefined && t !== 'auto' && !(Number.isInteger(t) && t >= 1)) {
    throw new RnnkitError('INVALID_ARGUMENT', `createCpuBackend: threads: expected an integer ≥ 1 or 'auto', got ${typeof t === 'string' ? JSON.stringify(t) : String(t)}`, { argument: 'threads' });
  }
  if (options.simd === false) return new CpuBackend();
  const threads = t === 'auto' ? Math.min(AUTO_MAX_THREADS, await availableCores()) : t;
  const wasm = await loadWasmKernels({ ...(options.fma === false ? { fma: false } : {}), ...(threads ? { threads } : {}) });
  if (!wasm && options.simd === true) {
    throw new RnnkitError('UNSUPPORTED', `createCpuBackend: simd: true needs WebAssembly SIMD128, which this runtime lacks (${JSON.stringify(wasmSupport())}); leave simd unset to fall back to the TypeScript kernels`, {
      argument: 'simd',
    });
  }
  return new CpuBackend(wasm ? { wasm } : {});
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
