import type { MemoryKernels } from '@rnnkit/core/backend';
import { sizeOf } from '@rnnkit/core/backend';
import { type CpuContext, CpuTensor } from './tensor.js';

/** Host memory: a tensor is its Float32Array; reshape shares it (nothing writes into a tensor). */
export const cpuMemory: MemoryKernels<CpuTensor, CpuContext> = {
  upload: (_, data, shape) => new CpuTensor(data.slice(), shape), // a copy: the caller may reuse its array
  zeros: (_, shape) => new CpuTensor(new Float32Array(sizeOf(shape)), shape),
  fill: (_, shape, value) => new CpuTensor(new Float32Array(sizeOf(shape)).fill(value), shape),
  read: async (_, x) => x.data.slice(),
  dispose: (_, x) => x.release(),
  /** A new tensor on the same buffer. */
  reshape: (_, x, shape) => new CpuTensor(x.data, shape),
  /** x's own array, not a copy: core's composite int8 kernels only read it. */
  readSync: (_, x) => x.data,
};
