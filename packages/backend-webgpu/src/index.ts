/// <reference types="@webgpu/types" />
export { WebgpuBackend, createWebgpuBackend, webgpuBackend } from './backend.js';
export type { WebgpuBackendOptions, WebgpuBufferReport } from './backend.js';
export type { WebgpuBackendTuning, WebgpuContext } from './context.js';
export type { WebgpuAdapterDescription } from './device.js';
export type { GpuBufferStats } from './pool.js';
export { WebgpuTensor } from './tensor.js';
