/**
 * `@rnnkit/backend-cpu`: the default backend. `createCpuBackend()` starts it (WebAssembly SIMD
 * kernels where the runtime has them, else plain TypeScript); `cpuBackend` registers it.
 */

export type { CpuBackendInfo, CpuBackendOptions, CpuEngine, CpuInfo } from './backend.js';
export { AUTO_MAX_THREADS, CpuBackend, cpuBackend, createCpuBackend } from './backend.js';
export { CpuQuantized } from './kernels/quantized_impl.js';
export { CpuRecurrentSaved } from './kernels/recurrent_impl.js';
export type { CpuContext, CpuData } from './tensor.js';
export { CpuTensor } from './tensor.js';
export type { WasmSupport } from './wasm/load.js';
export { wasmSupport } from './wasm/load.js';
