/// <reference types="@webgpu/types" />

export type { WebgpuBackendOptions, WebgpuBufferReport } from './backend.js';
export { createWebgpuBackend, WebgpuBackend, webgpuBackend } from './backend.js';
export type { RecurrentCallReport, WebgpuBackendTuning, WebgpuContext, WebgpuCounters } from './context.js';
export type { WebgpuAdapterDescription } from './device.js';
export type { GemmForm, GemmKernelOption } from './kernels/gemm_impl.js';
export type { RecurrentPath, RecurrentPathOption, SequencePlan } from './kernels/recurrent_sequence_impl.js';
export type { GpuBufferStats } from './pool.js';
export { F16_FORWARD_TOLERANCE, F16_GRADIENT_TOLERANCE } from './precision.js';
export type { WebgpuPrecision } from './program.js';
export { WebgpuTensor } from './tensor.js';
